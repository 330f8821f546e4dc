"""Assistants: the rule-based one and an OpenAI-compatible one, behind the `Assistant` port."""
