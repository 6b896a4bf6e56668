"""A split plan: the sub-tasks a task is split into, as a small TOML file. Pure.

    [[task]]
    key = "schema"              # optional: default its position, "1", "2", ...
    title = "Add the schema"
    body = "..."                # optional, like labels, priority and backend
    [[task]]
    title = "Use it in the API"
    depends_on = ["schema"]     # keys of other sub-tasks of the same plan

`parse_plan` reads the file's shape; whether the plan holds together (unknown keys,
cycles) is checked where the split is recorded, against the state.
"""

from __future__ import annotations

import re
import tomllib

import msgspec


class PlanError(Exception):
    """The plan cannot be read; the message says where and why."""


class SubTaskSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One sub-task as a front end gives it; what it leaves out comes from the parent."""

    key: str = ""  # unique within the plan; what `depends_on` names
    title: str
    body: str = ""
    depends_on: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None  # None: the parent's
    priority: int | None = None  # None: the parent's
    backend: str = ""  # "": the parent's


class _Plan(msgspec.Struct, forbid_unknown_fields=True):
    task: list[SubTaskSpec] = msgspec.field(default_factory=list)


def parse_plan(text: str, *, source: str = "plan") -> list[SubTaskSpec]:
    """The plan's sub-tasks, each with its key (its position when it gives none)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PlanError(f"{source}: not valid TOML: {e}") from None
    try:
        plan = msgspec.convert(data, _Plan)
    except msgspec.ValidationError as e:
        raise PlanError(f"{source}: {_readable(str(e))} (each sub-task is a [[task]] "
                        "table with a title; see docs/manager.md)") from None
    if not plan.task:
        raise PlanError(f"{source}: no [[task]] tables: a split needs at least one sub-task")
    return keyed(plan.task)


def keyed(specs: list[SubTaskSpec]) -> list[SubTaskSpec]:
    """Every spec with a key: its own, or its position from 1."""
    return [s if s.key.strip() else msgspec.structs.replace(s, key=str(n))
            for n, s in enumerate(specs, 1)]


def _readable(message: str) -> str:
    """msgspec's `... - at `$.task[0].title`` as `sub-task 1: ... (title)`."""
    m = re.fullmatch(r"(.*) - at `\$\.task\[(\d+)\](?:\.(\w+))?.*`", message)
    if m is None:
        return message
    what, index, field = m.groups()
    where = f" (`{field}`)" if field else ""
    return f"sub-task {int(index) + 1}: {what[0].lower()}{what[1:]}{where}"
