"""Every event type is classified, once, into one of the four kinds or none."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from loopwright import events as ev
from loopwright.attention.classify import KINDS, TABLE, classify


def sample(cls: type[ev._Event], **given: Any) -> ev.Event:
    """An instance of `cls` with a plain value for every required field."""
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    raw: dict[str, Any] = {"type": ev.tag_of(cls)}
    for field in info.fields:
        if field.required and field.name not in given:
            raw[field.encode_name] = _plain(field.type)
    raw.update(given)
    return ev.decode(msgspec.json.encode(raw))


def _plain(t: msgspec.inspect.Type) -> Any:
    match t:
        case msgspec.inspect.Metadata(type=inner):
            return _plain(inner)
        case msgspec.inspect.StrType():
            return "x"
        case msgspec.inspect.BoolType():
            return False
        case msgspec.inspect.IntType() | msgspec.inspect.FloatType():
            return 0
        case msgspec.inspect.LiteralType(values=values):
            return values[0]
        case msgspec.inspect.UnionType(types=types):
            return _plain(types[0])
        case msgspec.inspect.VarTupleType() | msgspec.inspect.ListType():
            return []
    raise AssertionError(f"no sample value for {t}")


def test_every_event_type_has_an_entry_and_nothing_else_does() -> None:
    missing = [c.__name__ for c in ev.EVENT_TYPES if c not in TABLE]
    assert not missing, f"classify these in attention/classify.py: {missing}"
    assert set(TABLE) == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("cls", ev.EVENT_TYPES, ids=lambda c: c.__name__)
def test_each_event_maps_to_at_most_one_kind(cls: type[ev._Event]) -> None:
    assert classify(sample(cls)) in (*KINDS, None)


def test_only_decisions_reviews_and_blocked_work_may_interrupt() -> None:
    asks = {c.__name__ for c in ev.EVENT_TYPES
            if classify(sample(c)) in ("needs_decision", "needs_review")}
    assert asks == {"DecisionAsked", "GateDecided", "BudgetExceeded", "LandingBlocked"}


def test_a_change_that_lands_on_its_own_is_progress_not_a_review() -> None:
    assert classify(sample(ev.GateDecided, auto_land=True)) == "progress"
    assert classify(sample(ev.GateDecided, auto_land=False)) == "needs_review"


def test_the_humans_own_actions_ask_nothing_of_them() -> None:
    for cls in ev.HUMAN_EVENTS:
        assert classify(sample(cls)) is None, cls.__name__
    assert classify(sample(ev.ChangesRequested, by="reviewer")) == "progress"


def test_a_stall_is_wasting_time_and_notifications_are_never_classified_again() -> None:
    assert classify(sample(ev.StallDetected)) == "wasting_time"
    for cls in (ev.NotificationRaised, ev.NotificationWithdrawn, ev.NotificationsReleased,
                ev.DigestPublished, ev.DiffMeasured):
        assert classify(sample(cls)) is None
