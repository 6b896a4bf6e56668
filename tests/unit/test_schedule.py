"""Timer schedules: durations, the cron subset, and their next due times (no clock)."""

from __future__ import annotations

from datetime import datetime

import pytest

from loopwright.core.schedule import Every, ScheduleError, parse_cron, parse_schedule


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def local(ts: float) -> str:
    return datetime.fromtimestamp(ts).isoformat(timespec="minutes")


def test_every_counts_periods_from_the_anchor() -> None:
    every = parse_schedule(every="1h30m")
    assert isinstance(every, Every) and every.seconds == 5400
    anchor = at("2025-01-01T00:00")
    assert local(every.next_due(anchor, anchor)) == "2025-01-01T01:30"
    assert local(every.next_due(at("2025-01-01T04:00"), anchor)) == "2025-01-01T04:30"


@pytest.mark.parametrize("text", ["", "soon", "5x", "0s", "1h and 2m"])
def test_a_bad_duration_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(every=text)


def test_exactly_one_of_every_and_cron() -> None:
    with pytest.raises(ScheduleError, match="exactly one"):
        parse_schedule(every="1h", cron="0 3 * * *")


def test_nightly_cron_fires_at_three_the_next_night() -> None:
    cron = parse_cron("0 3 * * *")
    assert local(cron.next_due(at("2025-03-10T03:00"))) == "2025-03-11T03:00"
    assert local(cron.next_due(at("2025-03-10T02:59"))) == "2025-03-10T03:00"


def test_cron_steps_ranges_lists_and_weekdays() -> None:
    every_15_on_weekdays = parse_cron("*/15 9-17 * * 1-5")
    # 2025-03-08 is a Saturday: the next run is Monday 09:00
    assert local(every_15_on_weekdays.next_due(at("2025-03-08T12:00"))) == "2025-03-10T09:00"
    assert local(every_15_on_weekdays.next_due(at("2025-03-10T09:05"))) == "2025-03-10T09:15"
    sundays = parse_cron("30 6 * * 7")
    assert local(sundays.next_due(at("2025-03-10T00:00"))) == "2025-03-16T06:30"
    first_or_monday = parse_cron("0 0 1 * 1")  # either day field may match
    assert local(first_or_monday.next_due(at("2025-03-25T12:00"))) == "2025-03-31T00:00"
    assert local(parse_cron("@monthly").next_due(at("2025-03-31T12:00"))) == "2025-04-01T00:00"
    assert local(parse_cron("0 12 29 2 *").next_due(at("2025-03-01T00:00"))) == (
        "2028-02-29T12:00")


@pytest.mark.parametrize("text", ["* * *", "60 * * * *", "1-x * * * *", "* * * 13 *",
                                  "*/0 * * * *"])
def test_a_bad_cron_names_the_field(text: str) -> None:
    with pytest.raises(ScheduleError, match="cron"):
        parse_cron(text)


def test_a_cron_that_never_fires_says_so() -> None:
    with pytest.raises(ScheduleError, match="never fires"):
        parse_cron("0 0 31 2 *").next_due(at("2025-01-01T00:00"))
