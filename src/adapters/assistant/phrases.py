"""What the `rules` assistant understands: a table of phrasings, each read into an intent,
and the due dates, priorities and tags written inside a new task's text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from application.ports import ToolRequest


@dataclass(frozen=True, slots=True)
class ByTitle:
    """Act (`complete_task` or `delete_task`) on the one task whose title matches `title`;
    a `list_tasks` lookup finds it first."""

    tool: str
    title: str

    def lookup(self) -> ToolRequest:
        status = "pending" if self.tool == "complete_task" else "all"
        return ToolRequest("list_tasks", {"status": status, "q": self.title})


@dataclass(frozen=True, slots=True)
class Reply:
    """Nothing to run: answer with this text."""

    text: str


Intent = ToolRequest | ByTitle | Reply
_Handler = Callable[[re.Match[str], date], Intent | None]

ASK_TITLE: Final = "What should the task be called? Try 'add a task to buy milk tomorrow'."
ASK_WHICH: Final = "Which task do you mean? Try 'complete task 3' or 'I finished buy milk'."

_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LEVELS: Final = {"high": "high", "medium": "medium", "low": "low", "urgent": "high", "top": "high"}


def read_intent(text: str, today: date) -> Intent | None:
    """The intent of the first phrasing that matches the whole text; None if none does."""
    said = _tidy(text)
    for pattern, handler in _PHRASINGS:
        if match := pattern.fullmatch(said):
            return handler(match, today)
    return None


def _tidy(text: str) -> str:
    said = re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()
    said = re.sub(r"^(?:please|pls|can you|could you)\s+|[\s,]+please$", "", said, flags=re.I)
    return said.rstrip(".!? ")


# -- due dates, priorities and tags inside a new task's text ------------------------------

_LEAD: Final = r"(?:(?:due|by|for|this)\s+)?"
_ON: Final = r"(?:(?:due|by|on|for|this|next)\s+)?"


def _iso(match: re.Match[str], _today: date) -> date | None:
    try:
        return date.fromisoformat(match["iso"])
    except ValueError:
        return None


def _weekday(match: re.Match[str], today: date) -> date:
    """The next such weekday, never today: 'friday' on a Friday is a week on."""
    ahead = (_WEEKDAYS.index(match["day"].lower()) - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def _days_on(days: int) -> Callable[[re.Match[str], date], date]:
    return lambda _match, today: today + timedelta(days=days)


_DATES: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str], date], date | None]], ...]] = (
    (re.compile(rf"\b{_ON}(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})\b", re.I), _iso),
    (re.compile(rf"\b{_LEAD}(?:today|tonight)\b", re.I), _days_on(0)),
    (re.compile(rf"\b{_LEAD}tomorrow\b", re.I), _days_on(1)),
    (re.compile(rf"\b{_LEAD}(?:next week|in a week)\b", re.I), _days_on(7)),
    (re.compile(rf"\b{_ON}(?P<day>{'|'.join(_WEEKDAYS)})\b", re.I), _weekday),
)
_PRIORITIES: Final = (
    re.compile(
        r"\b(?:(?:with|at|as) )?(?:an? )?(?P<level>high|medium|low|top)[\s-]priority\b", re.I
    ),
    re.compile(r"\bpriority[:\s]+(?P<level>high|medium|low)\b", re.I),
    re.compile(r"\b(?P<level>urgent)(?:ly)?\b|\basap\b", re.I),
)
_TAG: Final = re.compile(r"(?<![\w#])#(?P<tag>[\w-]+)")
_LIST_SUFFIX: Final = re.compile(r"\s+to (?:my|the) (?:todo |to-do |task )?list$", re.I)
_EDGES: Final = re.compile(r"^(?:[\s,;:-]|\b(?:and|with)\b)+|(?:[\s,;:-]|\b(?:and|with)\b)+$", re.I)


def take_due_date(text: str, today: date) -> tuple[str, date | None]:
    """The first due date written in `text`, and the text without it."""
    for pattern, day_of in _DATES:
        for match in pattern.finditer(text):
            if (day := day_of(match, today)) is not None:
                return _cut(text, match), day
    return text, None


def take_priority(text: str) -> tuple[str, str | None]:
    """A priority written in `text` ('high priority', 'urgent'), and the text without it."""
    for pattern in _PRIORITIES:
        if match := pattern.search(text):
            return _cut(text, match), _LEVELS[(match["level"] or "urgent").lower()]
    return text, None


def take_tags(text: str) -> tuple[str, list[str]]:
    """The tags written '#home' in `text` (lower-cased, in order), and the text without them."""
    tags = [match["tag"].lower() for match in _TAG.finditer(text)]
    return _TAG.sub(" ", text), list(dict.fromkeys(tags))


def as_title(text: str) -> str:
    """Trimmed of stray joining words and quotes, with a capital first letter."""
    title = re.sub(r"\s+", " ", text)
    title = re.sub(r"\s+([,;])", r"\1", title)
    title = _EDGES.sub("", title).strip().strip("'\"\u201c\u201d").strip()
    return title[:1].upper() + title[1:]


def _cut(text: str, match: re.Match[str]) -> str:
    return f"{text[: match.start()]} {text[match.end() :]}"


# -- the phrasings -------------------------------------------------------------------------


def _add(match: re.Match[str], today: date) -> Intent:
    text = _LIST_SUFFIX.sub("", match["text"] or "")
    text, due = take_due_date(text, today)
    text, priority = take_priority(text)
    text, tags = take_tags(text)
    title = as_title(text)
    if not title:
        return Reply(ASK_TITLE)
    arguments: dict[str, Any] = {"title": title}
    if due is not None:
        arguments["due_date"] = due.isoformat()
    if priority is not None:
        arguments["priority"] = priority
    if tags:
        arguments["tags"] = tags
    return ToolRequest("add_task", arguments)


def _list(match: re.Match[str], _today: date) -> Intent:
    arguments: dict[str, Any] = {"status": _status(match["status"])}
    if priority := match.groupdict().get("priority"):
        arguments["priority"] = _LEVELS[priority.lower()]
    return ToolRequest("list_tasks", arguments)


def _status(word: str | None) -> str:
    if word is None:
        return "all"
    done = word.lower() in {"done", "completed", "complete", "finished"}
    return "completed" if done else "pending"


def _due_on(match: re.Match[str], today: date) -> Intent | None:
    rest, day = take_due_date(match["when"], today)
    if day is None or rest.strip() or "week" in match["when"].lower():
        return None
    window = {"due_after": day.isoformat(), "due_before": (day + timedelta(days=1)).isoformat()}
    return ToolRequest("list_tasks", {"status": "pending", **window})


def _on_task(tool: str) -> _Handler:
    """A request for `tool` on the task the phrase names by id, with the priority or title
    the phrase gives."""

    def handler(match: re.Match[str], _today: date) -> Intent:
        arguments: dict[str, Any] = {"task_id": int(match["id"])}
        if "level" in match.groupdict():
            arguments["priority"] = _LEVELS[match["level"].lower()]
        if "title" in match.groupdict():
            arguments["title"] = as_title(match["title"])
        return ToolRequest(tool, arguments)

    return handler


def _by_title(tool: str) -> _Handler:
    """A title lookup before `tool`; "the task called X" looks for X."""

    def handler(match: re.Match[str], _today: date) -> Intent:
        title = re.sub(
            r"^(?:(?:the|my)\s+)?(?:task\s+)?(?:called\s+|named\s+)?", "", match["title"]
        )
        title = title.strip().strip("'\"\u201c\u201d").strip()
        return ByTitle(tool, title) if title else Reply(ASK_WHICH)

    return handler


_PLACES: Final = {
    "{ref}": r"(?:the )?(?:task ?)?#?(?P<id>\d{1,10})",
    "{done}": r"(?:done|complete|completed|finished)",
    "{level}": r"(?P<level>high|medium|low|urgent)",
    "{did}": r"i(?:'ve| have)? (?:just )?(?:finished|completed|done|did)",
    "{tasks}": r"(?:tasks|todos|to-dos|to do list|todo list)",
    "{whats}": r"what(?:'s| is|s)",
}
_COMPLETE: Final = _on_task("complete_task")
_UPDATE: Final = _on_task("update_task")
_TABLE: Final[tuple[tuple[str, _Handler], ...]] = (
    (r"(?:complete|finish|close|check off|tick off) {ref}", _COMPLETE),
    (r"mark {ref} (?:as )?{done}", _COMPLETE),
    (r"(?:i'm |i am )?done with {ref}", _COMPLETE),
    (r"{did} {ref}", _COMPLETE),
    (r"{ref} is {done}", _COMPLETE),
    (r"(?:delete|remove|drop|cancel|erase) {ref}", _on_task("delete_task")),
    (r"(?:rename|retitle) {ref} (?:to|as) (?P<title>.+)", _UPDATE),
    (r"(?:change|set|update) (?:the )?(?:title|name) of {ref} to (?P<title>.+)", _UPDATE),
    (r"(?:change|set|update|make) (?:the )?priority of {ref} (?:to|as) {level}", _UPDATE),
    (r"(?:change|set|update|make) {ref}(?:'s)? priority (?:to |as )?{level}", _UPDATE),
    (r"(?:make|mark|set) {ref} (?:as )?(?:an? )?{level}(?: priority)?", _UPDATE),
    (r"{ref} is (?:an? )?{level}(?: priority)?", _UPDATE),
    (r"{did} (?P<title>.+)", _by_title("complete_task")),
    (r"(?:complete|finish|check off|tick off) (?P<title>.+)", _by_title("complete_task")),
    (r"mark (?P<title>.+?) (?:as )?{done}", _by_title("complete_task")),
    (r"(?:i'm |i am )?done with (?P<title>.+)", _by_title("complete_task")),
    (r"(?:delete|remove|drop|cancel|erase) (?P<title>.+)", _by_title("delete_task")),
    (
        r"(?:{whats}|what do i have|(?:show|list)(?: me)?(?: my| all| the)*(?: tasks)?)"
        r" due (?P<when>.+)",
        _due_on,
    ),
    (r"what(?: tasks)? (?:are|is) due (?P<when>.+)", _due_on),
    (
        r"(?:{whats}|what do i have) "
        r"(?P<status>pending|open|left|outstanding|remaining|done|completed|finished)(?: to do)?",
        _list,
    ),
    (
        r"(?:show|list|display|get|what are|what're)(?: me)?(?: all| my| the| of)* "
        r"(?:(?P<status>pending|open|incomplete|outstanding|unfinished|completed|done|finished) )?"
        r"(?:(?P<priority>high|medium|low|urgent)(?:[ -]priority)? )?{tasks}",
        _list,
    ),
    (r"(?:my )?(?:(?P<status>pending|completed) )?{tasks}", _list),
    (
        r"(?:add|create|new)(?: an?)?(?: new)? (?:task|todo|to-do|reminder)"
        r"(?:(?:\s*:\s*|\s+(?:(?:to|called|named|for)\s+)?)(?P<text>.*))?",
        _add,
    ),
    (r"remind me (?:to|about) (?P<text>.+)", _add),
    (r"add (?P<text>.+)", _add),
)


def _compiled(template: str) -> re.Pattern[str]:
    for place, pattern in _PLACES.items():
        template = template.replace(place, pattern)
    return re.compile(template, re.IGNORECASE)


_PHRASINGS: Final = tuple((_compiled(template), handler) for template, handler in _TABLE)
