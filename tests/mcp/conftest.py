"""MCP tests: what an agent reads back from a tool call, through the SDK's own client."""

from __future__ import annotations

import json
from typing import Any

from mcp.types import CallToolResult, TextContent


def text_of(result: CallToolResult) -> str:
    """The first content block's text: the JSON result, or the error message."""
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


def result_of(result: CallToolResult) -> Any:
    """The JSON result of a call that succeeded."""
    assert not result.is_error, text_of(result)
    return json.loads(text_of(result))


def error_of(result: CallToolResult) -> str:
    """The plain message of a call that failed as a tool error."""
    assert result.is_error, text_of(result)
    return text_of(result)
