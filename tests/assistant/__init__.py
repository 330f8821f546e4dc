"""Tests of the assistant adapters."""
