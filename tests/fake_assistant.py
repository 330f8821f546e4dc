"""A scripted assistant: each call to `step` plays the next scripted step."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from application.ports import AssistantEvent, ToolSpec
from domain.conversations import Message

Step = list[AssistantEvent] | Exception


class ScriptedAssistant:
    """Plays `steps` in order: a list of events (text deltas, tool requests) or an exception
    to raise. It records the history each step was given."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.seen: list[list[Message]] = []

    async def step(
        self,
        history: Sequence[Message],
        *,
        tools: Sequence[ToolSpec],  # noqa: ARG002  (the registry's; not needed to play a script)
        now: datetime,  # noqa: ARG002
    ) -> AsyncIterator[AssistantEvent]:
        self.seen.append(list(history))
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        for event in step:
            yield event
