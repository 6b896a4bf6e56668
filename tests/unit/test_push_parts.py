"""Push, the pure parts: what a notification becomes on the phone, the signed buttons,
when a push waits for the editor, when a button no longer applies. Explicit events and
times; the key lives in tmp_path."""

from __future__ import annotations

import stat
from pathlib import Path

import msgspec
import pytest

from helpers.attention import Log, asked, filed, review, started
from loopwright import events as ev
from loopwright.attention_state import Notification
from loopwright.config import ConfigError, PushConfig, parse
from loopwright.push import callback, message, plan
from loopwright.push.sign import Act, BadCallback, Signer, load_key
from loopwright.views import overview as views

PAGE = "https://box.example.ts.net:8765"
CFG = PushConfig(url="https://ntfy.example", topic="lw-test-topic")


def question_log(options: tuple[str, ...] = ("sqlite", "postgres")) -> Log:
    log = Log(route=True)
    log.at(100.0, *filed(), started())
    log.at(110.0, ev.DecisionAsked(decision_id="d-1", question="Which database?",
                                   options=options, default="", blocking=True,
                                   session_id="s-1", task_id="t-1"))
    return log


def note_of(log: Log) -> Notification:
    [note] = log.state.attention.notes.values()
    return note


def test_a_decision_is_published_with_its_title_priority_link_and_one_button_per_option(
        tmp_path: Path) -> None:
    log, signer = question_log(), Signer.at(tmp_path / "push.key")
    [note] = log.state.attention.notes.values()
    body = message.publish_body(log.state, note, CFG, PAGE, signer)
    assert body["topic"] == "lw-test-topic"
    assert body["title"] == "fix-it asks: Which database?"
    assert body["priority"] == 4  # a decision: above a review's 3
    assert body["click"] == f"{PAGE}/#/item/d-1"
    assert "blocked until you answer" in body["message"]
    assert "sqlite · postgres" in body["message"]
    assert [(a["action"], a["label"], a["url"], a["method"]) for a in body["actions"]] == [
        ("http", "sqlite", f"{PAGE}/push/act", "POST"),
        ("http", "postgres", f"{PAGE}/push/act", "POST")]
    acts = [signer.verify(a["body"]) for a in body["actions"]]
    assert [(a.ref, a.answer, a.kind) for a in acts] == [
        ("d-1", "sqlite", "needs_decision"), ("d-1", "postgres", "needs_decision")]


def test_a_review_gets_approve_and_open_diff_at_review_priority(tmp_path: Path) -> None:
    log = Log(route=True)
    log.at(100.0, *filed(), started())
    log.at(120.0, *review())
    [note] = log.state.attention.notes.values()
    body = message.publish_body(log.state, note, CFG, PAGE, Signer.at(tmp_path / "k"))
    assert body["priority"] == 3
    assert [a["label"] for a in body["actions"]] == ["Approve", "Open diff"]
    act = Signer.at(tmp_path / "k").verify(body["actions"][0]["body"])
    assert (act.ref, act.answer, act.round) == ("s-1", "approve", "c" * 40)
    assert body["actions"][1] == {"action": "view", "label": "Open diff",
                                  "url": f"{PAGE}/#/item/s-1"}


def test_a_free_text_question_opens_the_page_and_many_options_keep_to_three_buttons(
        tmp_path: Path) -> None:
    signer = Signer.at(tmp_path / "k")
    free = question_log(options=())
    body = message.publish_body(free.state, note_of(free), CFG, PAGE, signer)
    assert [(a["action"], a["label"]) for a in body["actions"]] == [("view", "Answer")]
    many = question_log(options=("a", "b", "c", "d"))
    body = message.publish_body(many.state, note_of(many), CFG, PAGE, signer)
    assert [a["label"] for a in body["actions"]] == ["a", "b", "More…"]


def test_without_a_page_a_push_has_no_link_and_no_buttons(tmp_path: Path) -> None:
    log = question_log()
    body = message.publish_body(log.state, note_of(log), CFG, "", Signer.at(tmp_path / "k"))
    assert "click" not in body and "actions" not in body
    assert body["title"] == "fix-it asks: Which database?"


def test_the_key_is_made_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    key = load_key(tmp_path / "push.key")
    assert stat.S_IMODE((tmp_path / "push.key").stat().st_mode) == 0o600
    assert load_key(tmp_path / "push.key") == key and len(key) == 32
    (tmp_path / "bad.key").write_bytes(b"short")
    with pytest.raises(ValueError, match="not a push key"):
        load_key(tmp_path / "bad.key")


def test_a_forged_or_altered_callback_is_refused(tmp_path: Path) -> None:
    signer = Signer.at(tmp_path / "k")
    token = signer.sign(Act(notification_id="n-1", kind="needs_decision", ref="d-1",
                            answer="sqlite"))
    assert signer.verify(token).answer == "sqlite"
    other = Signer.at(tmp_path / "other")  # another repository's key
    with pytest.raises(BadCallback, match="signature"):
        other.verify(token)
    head, mac = token.split(".")
    changed = Act(notification_id="n-1", kind="needs_decision", ref="d-1", answer="drop db")
    forged_head = signer.sign(changed).split(".")[0]
    with pytest.raises(BadCallback, match="signature"):
        signer.verify(f"{forged_head}.{mac}")  # a new answer under the old signature
    for junk in ("", "abc", "a.b.c", "é.é", "x" * 5000, f"{head}.", f".{mac}"):
        with pytest.raises(BadCallback):
            signer.verify(junk)


def test_a_button_is_void_once_its_question_is_answered_anywhere() -> None:
    log = question_log()
    act = Act(notification_id="n-1", kind="needs_decision", ref="d-1", answer="sqlite")
    assert callback.refusal(log.state, act) is None
    wrong = msgspec.structs.replace(act, answer="mysql")
    assert callback.refusal(log.state, wrong) == (
        "That answer is not one of the question's options.")
    log.at(120.0, ev.DecisionAnswered(decision_id="d-1", answer="postgres", by="human"))
    assert callback.refusal(log.state, act) == (
        "Already answered in the editor or the CLI: 'postgres'.")


def test_an_approve_button_is_void_after_a_verdict_elsewhere_and_says_whose() -> None:
    log = Log(route=True)
    log.at(100.0, *filed(), started())
    log.at(120.0, *review())
    act = Act(notification_id="n-1", kind="needs_review", ref="s-1", answer="approve",
              round="c" * 40, seq=log.records[-1].seq)
    assert callback.refusal(log.state, act) is None
    stale = msgspec.structs.replace(act, round="e" * 40)  # an earlier round's button
    assert callback.refusal(log.state, stale) is not None
    log.at(130.0, ev.ChangeApproved(session_id="s-1", by="web"))
    since = [r for r in log.records if r.seq > act.seq]
    assert callback.refusal(log.state, act, since) == (
        "Already approved on the page; fix-it is landing.")


def test_a_push_waits_while_the_human_was_active_in_the_editor_in_the_last_minute() -> None:
    log = question_log()
    assert plan.hold_for(log.state, CFG, 200.0) == 0.0  # never heard from the editor
    log.at(200.0, ev.PresenceReported(active=True))
    assert plan.hold_for(log.state, CFG, 230.0) == 30.0
    assert plan.hold_for(log.state, CFG, 260.0) == 0.0  # a minute later: gone
    log.at(240.0, ev.PresenceReported(active=False))
    assert plan.hold_for(log.state, CFG, 241.0) == 0.0  # left the window


def test_an_answer_while_held_drops_the_push_and_says_who_answered() -> None:
    log = question_log()
    [note] = log.state.attention.notes.values()
    assert plan.gone(log.state, note.notification_id, "d-1") == ""
    log.at(120.0, ev.DecisionAnswered(decision_id="d-1", answer="sqlite", by="human"))
    assert plan.gone(log.state, note.notification_id, "d-1") == "answered by human: sqlite"


def test_a_push_replaced_by_a_newer_question_is_dropped_as_replaced() -> None:
    log = question_log()
    [first] = log.state.attention.notes.values()
    log.at(120.0, asked("d-2", question="And the port?"))
    assert first.notification_id not in log.state.attention.notes
    assert plan.gone(log.state, first.notification_id, "d-1") == (
        "replaced by a newer notification of the same session")


def test_retries_back_off_doubling_up_to_the_cap() -> None:
    cfg = PushConfig(retry_seconds=2, max_retry_seconds=60)
    assert [plan.backoff(n, cfg) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert plan.backoff(10_000, cfg) == 60


def test_focus_holds_a_push_unless_its_kind_may_break_through() -> None:
    log = Log(route=True)
    log.at(90.0, ev.FocusChanged(on=True))
    log.at(100.0, *filed(), started(), asked("d-1"))
    [note] = log.state.attention.notes.values()
    assert note.held and not plan.wants_push(note, CFG)
    assert plan.wants_push(note, PushConfig(break_through=["needs_decision"]))


def test_a_channel_failing_past_the_outage_shows_in_the_inbox_and_clears_on_recovery(
) -> None:
    log = question_log()
    cfg = PushConfig(outage_seconds=120)
    error = "HTTP 503: service unavailable"

    def failed(attempt: int) -> ev.PushFailed:
        return ev.PushFailed(notification_id="n-1", channel="ntfy", attempt=attempt,
                             status=503, error=error, retry_in=2.0)

    log.at(200.0, failed(1))
    assert not plan.outage(log.state, "ntfy", cfg, 300.0)
    log.at(330.0, failed(2))
    assert plan.outage(log.state, "ntfy", cfg, 330.0)
    log.at(330.0, ev.PushChannelDown(channel="ntfy", since=200.0, error=error))
    assert not plan.outage(log.state, "ntfy", cfg, 400.0)  # said once
    [item] = [i for i in views.inbox(log.state) if i.kind == "channel"]
    assert (item.ref, item.since, item.detail) == ("ntfy", 200.0,
                                                   "HTTP 503: service unavailable")
    log.at(400.0, ev.PushSent(notification_id="n-1", channel="ntfy", attempt=3, status=200),
           ev.PushChannelRecovered(channel="ntfy", down_seconds=200.0))
    assert [i for i in views.inbox(log.state) if i.kind == "channel"] == []


def test_push_config_is_checked_when_read() -> None:
    cfg = parse('[push]\nurl = "https://ntfy.sh"\ntopic = "lw-abc"\n')
    assert cfg.push.on and cfg.push.hold_seconds == 30 and cfg.push.token_env == "NTFY_TOKEN"
    for bad, says in (('url = "ntfy.sh"\ntopic = "x"', "http"),
                      ('url = "https://ntfy.sh"\ntopic = "a/b"', "topic"),
                      ('token_env = "NOT A NAME"', "variable name"),
                      ('break_through = ["progress"]', "progress"),
                      ('decision_priority = 9', "5")):
        with pytest.raises(ConfigError, match=says):
            parse(f"[push]\n{bad}\n")


def test_a_stall_is_pushed_with_kill_redirect_and_keep_going(tmp_path: Path) -> None:
    log = Log(route=True)
    log.at(100.0, *filed(), started())
    log.at(200.0, ev.DecisionAsked(decision_id="d-s", question="fix-it looks stuck",
                                   options=("kill", "redirect", "keep going"),
                                   default="keep going", blocking=False, session_id="s-1",
                                   task_id="t-1"),
           ev.StallDetected(session_id="s-1", signal="repeated_call",
                            evidence="the same command 4 times", onset_at=150.0,
                            proposal="kill", decision_id="d-s"))
    [note] = log.state.attention.notes.values()
    assert note.kind == "wasting_time"
    signer = Signer.at(tmp_path / "k")
    body = message.publish_body(log.state, note, CFG, PAGE, signer)
    assert body["priority"] == 3 and body["tags"] == ["warning"]
    assert [a["label"] for a in body["actions"]] == ["kill", "redirect", "keep going"]
    act = signer.verify(body["actions"][2]["body"])
    assert (act.kind, act.ref, act.answer) == ("wasting_time", "d-s", "keep going")
    assert callback.refusal(log.state, act) is None
