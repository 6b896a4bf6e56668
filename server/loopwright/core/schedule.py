"""Schedules for timers and build checks: `every = "6h"` or a small cron subset. Pure.

`every` is a duration (`90s`, `15m`, `1h30m`, `2d`), counted from when the timer was
first armed. `cron` takes the usual five fields, `minute hour day-of-month month
day-of-week`, each `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list
of those, in the machine's local time; day-of-week runs 0-6 from Sunday (7 is Sunday too),
and when both day fields are restricted either may match, as in cron. `@hourly`, `@daily`
(`@midnight`), `@weekly`, `@monthly` and `@yearly` are accepted. Month and day names are
not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Cron", "Every", "Schedule", "ScheduleError", "parse_schedule"]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNIT = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
# (name, lowest, highest) of each cron field, in order
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))
_MAX_STEPS = 2000  # a schedule that matches nothing within this many jumps never fires


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Every:
    """Every `seconds`, on the grid anchored at the time the timer was armed."""

    seconds: float
    text: str

    def next_due(self, after: float, anchor: float) -> float:
        if after < anchor:
            return anchor + self.seconds
        periods = int((after - anchor) // self.seconds) + 1
        return anchor + periods * self.seconds


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day of month is `*`
    any_weekday: bool  # day of week is `*`
    text: str

    def next_due(self, after: float, anchor: float = 0.0) -> float:
        """The first matching minute strictly after `after` (local time)."""
        t = datetime.fromtimestamp(after).replace(second=0, microsecond=0) + timedelta(
            minutes=1)
        for _ in range(_MAX_STEPS):
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t.timestamp()
        raise ScheduleError(f"cron {self.text!r} never fires")

    def _day_matches(self, t: datetime) -> bool:
        in_month = t.day in self.days
        in_week = (t.isoweekday() % 7) in self.weekdays
        if self.any_day and self.any_weekday:
            return True
        if self.any_day:
            return in_week
        if self.any_weekday:
            return in_month
        return in_month or in_week


Schedule = Every | Cron


def parse_schedule(*, every: str = "", cron: str = "") -> Schedule:
    """Exactly one of `every` and `cron`; a ScheduleError names what is wrong."""
    if bool(every.strip()) == bool(cron.strip()):
        raise ScheduleError("give exactly one of `every` (like \"24h\") and `cron` "
                            "(like \"0 3 * * *\")")
    return parse_every(every) if every.strip() else parse_cron(cron)


def parse_every(text: str) -> Every:
    compact = text.strip().lower().replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        raise ScheduleError(f"every = {text!r}: use a duration like \"30m\", \"6h\", "
                            "\"1h30m\" or \"2d\"")
    seconds = sum(float(n) * _UNIT[u] for n, u in _DURATION.findall(compact))
    if seconds < 1:
        raise ScheduleError(f"every = {text!r}: at least one second")
    return Every(seconds, text.strip())


def parse_cron(text: str) -> Cron:
    expr = _MACROS.get(text.strip().lower(), text.strip())
    parts = expr.split()
    if len(parts) != 5:
        raise ScheduleError(f"cron = {text!r}: five fields (minute hour day-of-month "
                            "month day-of-week), or @hourly/@daily/@weekly/@monthly")
    values = [_field(part, name, lo, hi, text)
              for part, (name, lo, hi) in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(0 if d == 7 else d for d in values[4])
    return Cron(minutes=values[0], hours=values[1], days=values[2], months=values[3],
                weekdays=weekdays, any_day=parts[2] == "*", any_weekday=parts[4] == "*",
                text=text.strip())


def _field(part: str, name: str, lo: int, hi: int, text: str) -> frozenset[int]:
    out: set[int] = set()
    for item in part.split(","):
        rng, _, step_text = item.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if rng == "*":
                start, end = lo, hi
            elif "-" in rng:
                a, b = rng.split("-", 1)
                start, end = int(a), int(b)
            else:
                start = int(rng)
                end = hi if step_text else start
        except ValueError:
            raise ScheduleError(f"cron = {text!r}: {name} {item!r} is not a number, "
                                "range, step or `*`") from None
        if step < 1 or not lo <= start <= end <= hi:
            raise ScheduleError(f"cron = {text!r}: {name} {item!r} is outside {lo}-{hi}")
        out.update(range(start, end + 1, step))
    return frozenset(out)
