"""How the `rules` assistant words what happened: confirmations, task lists and failures.

Dates are written with English names ("Fri 4 Dec"), never strftime's: a reply must not depend
on the server's locale."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from domain.conversations import ToolCall

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    *("Jan", "Feb", "Mar", "Apr", "May", "Jun"),
    *("Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)

HELP: Final = (
    "Sorry, I didn't understand that. I can:\n"
    "- add tasks: 'add a task to buy milk tomorrow #home high priority'\n"
    "- list them: 'show my tasks', 'list my pending tasks', 'what's due today?'\n"
    "- complete them: 'complete task 3', 'I finished buy milk'\n"
    "- delete them: 'delete task 3'\n"
    "- change them: 'rename task 3 to buy bread', 'change task 3 priority to high'"
)


def unavailable(tool: str) -> str:
    return f"Sorry, I can't do that here: the {tool} tool isn't available."


def not_found(title: str) -> str:
    return f"I couldn't find a task called '{title}'."


def which_one(tasks: Sequence[Mapping[str, Any]]) -> str:
    """Asks the user to pick: "Which one do you mean: 3 'Buy milk' or 5 'Buy milk powder'?"."""
    choices = [f"{task['id']} '{task['title']}'" for task in tasks]
    return f"Which one do you mean: {', '.join(choices[:-1])} or {choices[-1]}?"


def reply_to(call: ToolCall, now: datetime) -> str:
    """The reply to the turn's last tool call: what it did, or why it could not."""
    result = call.result
    if isinstance(result, Mapping) and "error" in result:
        return failure(str(result["error"]))
    if call.tool == "list_tasks":
        return listing(call.arguments, tasks_in(result), now)
    if not isinstance(result, Mapping):
        return "Done."
    phrase = _CONFIRMATIONS.get(call.tool, _updated)
    return phrase(call.arguments, result, now)


def failure(message: str) -> str:
    """A tool's error in plain words; a missing task reads "I couldn't find task 9."."""
    if message.startswith("I couldn't"):
        return message
    return f"Sorry, I couldn't do that: {message.rstrip('.')}."


def tasks_in(result: Any) -> list[Mapping[str, Any]]:
    """The well-formed rows of a `list_tasks` result."""
    if not isinstance(result, list):
        return []
    return [row for row in result if isinstance(row, Mapping) and {"id", "title"} <= row.keys()]


def listing(arguments: Mapping[str, Any], tasks: Sequence[Mapping[str, Any]], now: datetime) -> str:
    """ "You have 2 pending tasks:" and one line per task, or "You have no completed tasks."."""
    scope = _scope(arguments, len(tasks), now)
    if not tasks:
        return f"You have no {scope}."
    show_done = arguments.get("status", "all") == "all"
    lines = [f"- #{task['id']} {task['title']}{_details(task, now, show_done)}" for task in tasks]
    return "\n".join([f"You have {len(tasks)} {scope}:", *lines])


def _scope(arguments: Mapping[str, Any], count: int, now: datetime) -> str:
    """'pending high priority tasks due today', from the list's arguments."""
    words = (
        [str(arguments["status"])] if arguments.get("status") in ("pending", "completed") else []
    )
    if arguments.get("priority"):
        words.append(f"{arguments['priority']} priority")
    words.append("task" if count == 1 else "tasks")
    if arguments.get("tag"):
        words.append(f"tagged #{arguments['tag']}")
    if arguments.get("q"):
        words.append(f"matching '{arguments['q']}'")
    if day := _window(arguments):
        words.append(f"due {_relative_day(day, now)}")
    return " ".join(words)


def _window(arguments: Mapping[str, Any]) -> date | None:
    """The day a list is limited to, when its due bounds span exactly one day."""
    after, before = _moment(arguments.get("due_after")), _moment(arguments.get("due_before"))
    if after is None or before is None or before - after != timedelta(days=1):
        return None
    return after.date()


def _relative_day(day: date, now: datetime) -> str:
    today = now.astimezone(UTC).date()
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return f"on {_day(day, now)}"


def _added(arguments: Mapping[str, Any], result: Mapping[str, Any], now: datetime) -> str:
    details = _details(arguments, now, show_medium=True)
    return f"Added task {result.get('task_id')}: {result.get('title')}{details}."


def _completed(_arguments: Mapping[str, Any], result: Mapping[str, Any], _now: datetime) -> str:
    return f"Completed task {result.get('task_id')}: {result.get('title')}."


def _deleted(_arguments: Mapping[str, Any], result: Mapping[str, Any], _now: datetime) -> str:
    return f"Deleted task {result.get('task_id')}: {result.get('title')}."


def _updated(arguments: Mapping[str, Any], result: Mapping[str, Any], now: datetime) -> str:
    task_id, title = result.get("task_id"), result.get("title")
    details = _details(arguments, now, show_medium=True)
    if "title" in arguments:
        return f"Renamed task {task_id} to {title}{details}."
    return f"Updated task {task_id}: {title}{details}."


_Confirmation = Callable[[Mapping[str, Any], Mapping[str, Any], datetime], str]
_CONFIRMATIONS: Final[dict[str, _Confirmation]] = {
    "add_task": _added,
    "complete_task": _completed,
    "delete_task": _deleted,
    "update_task": _updated,
}


def _details(
    task: Mapping[str, Any], now: datetime, show_done: bool = False, *, show_medium: bool = False
) -> str:
    """' (due Fri 4 Dec, high priority, #home)', or '' when there is nothing to say."""
    parts = ["done"] if show_done and task.get("completed") is True else []
    if (due := _moment(task.get("due_date"))) is not None:
        parts.append(f"due {_day(due, now)}{_clock(due)}")
    priority = task.get("priority")
    if priority and (show_medium or priority != "medium"):
        parts.append(f"{priority} priority")
    tags = task.get("tags") or []
    if isinstance(tags, str):
        tags = [tag.strip() for tag in tags.split(",") if tag.strip()]
    parts.extend(f"#{tag}" for tag in tags)
    return f" ({', '.join(parts)})" if parts else ""


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time, in UTC (no offset means UTC); None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _day(day: date, now: datetime) -> str:
    """'Fri 4 Dec', with the year when it is not this year's."""
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return text if day.year == now.astimezone(UTC).year else f"{text} {day.year}"


def _clock(moment: datetime) -> str:
    return "" if (moment.hour, moment.minute) == (0, 0) else f" {moment:%H:%M}"
