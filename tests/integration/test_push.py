"""Push as a person away from the editor sees it: the real manager, the script worker and
real git; a fake ntfy server that records what is published; the page's callback route
over real HTTP, pressed the way the ntfy app presses an action button."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from helpers.git import MakeRepo
from helpers.loop import Running, configure, init, task_file
from helpers.push import phone_page, push_config
from loopwright import events as ev
from loopwright.core.keys import EffectKey
from loopwright.state import SessionState, State
from loopwright.testing.fake_ntfy import FakeNtfy, Posted, Pressed

S = SessionState
PASSING = {"README.md": "# sample\n", "Makefile": "test:\n\t@echo checks ok\n"}
ASK = {"ask": "Which database?", "options": ["sqlite", "postgres"], "blocking": True}
WRITE = {"write": "db.txt", "content": "chosen\n"}
TOKEN = "tk_push_secret_0123456789abcdef"


@pytest.fixture
def ntfy() -> FakeNtfy:
    with FakeNtfy() as fake:
        yield fake


async def received(ntfy: FakeNtfy, count: int = 1, **kw: object) -> list[Posted]:
    return await asyncio.to_thread(ntfy.wait_for, count, **kw)  # type: ignore[arg-type]


async def pressed(ntfy: FakeNtfy, posted: Posted, label: str) -> Pressed:
    return await asyncio.to_thread(ntfy.press, posted, label)


def question(st: State) -> object:
    return next((d for d in st.decisions.values() if d.question == "Which database?"), None)


def waiting(st: State) -> bool:
    return any(s.state == S.WAITING for s in st.sessions.values())


async def test_a_decision_is_pushed_and_pressing_an_option_resumes_the_worker(
        make_repo: MakeRepo, ntfy: FakeNtfy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTFY_TOKEN", TOKEN)
    ntfy.token = TOKEN
    project = init(make_repo(PASSING))
    with phone_page(project) as page:
        configure(project, push_config(ntfy.url))
        async with Running(project) as run:
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            st = await run.until(waiting)
            [posted] = await received(ntfy)
            did = next(iter(st.decisions))
            assert posted.authorization == f"Bearer {TOKEN}"
            assert posted.title == "pick-a-database asks: Which database?"
            assert posted.body["priority"] == 4
            assert posted.body["click"] == f"{page}/#/item/{did}"
            assert [a["label"] for a in posted.actions] == ["sqlite", "postgres"]

            answered = await pressed(ntfy, posted, "postgres")
            assert (answered.status, answered.text) == (200, "Answered: 'postgres'.")
            st = await run.until(lambda st: all(s.state == S.LANDED
                                                for s in st.sessions.values()))
            d = st.decisions[did]
            assert (d.answer, d.answered_by) == ("postgres", "push")

            again = await pressed(ntfy, posted, "sqlite")  # the same notification, later
            assert (again.status, again.text) == (
                409, "Already answered from a notification: 'postgres'.")
            assert run.state().decisions[did].answer == "postgres"
            sent = run.events(ev.PushSent)
            assert [(e.attempt, e.status) for e in sent] == [(1, 200)]  # type: ignore[union-attr]
    log = project.db_path.read_bytes() + b"".join(
        p.read_bytes() for p in project.dot.glob("state.db*"))
    assert TOKEN.encode() not in log  # the token reached ntfy, never the log


async def test_a_press_after_an_answer_in_the_editor_is_told_who_answered_first(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    with phone_page(project):
        configure(project, push_config(ntfy.url))
        async with Running(project) as run:
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            st = await run.until(waiting)
            [posted] = await received(ntfy)
            run.api.answer(next(iter(st.decisions)), "sqlite")  # the editor, the CLI
            late = await pressed(ntfy, posted, "postgres")
            assert (late.status, late.text) == (
                409, "Already answered in the editor or the CLI: 'sqlite'.")
            st = await run.until(lambda st: not waiting(st))
            [d] = st.decisions.values()
            assert (d.answer, d.answered_by) == ("sqlite", "human")


async def test_a_forged_callback_is_refused_and_the_question_stays_open(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    with phone_page(project):
        configure(project, push_config(ntfy.url))
        async with Running(project) as run:
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            await run.until(waiting)
            [posted] = await received(ntfy)
            real = posted.action("sqlite")
            head, mac = real["body"].split(".")
            other = posted.action("postgres")["body"].split(".")[0]
            for body in (f"{other}.{mac}", f"{head}.{mac[:-2]}AA", "", "not-a-callback"):
                forged = Posted(body={"actions": [{**real, "body": body}]},
                                authorization="", at=0.0, status=200)
                refused = await pressed(ntfy, forged, "sqlite")
                assert refused.status == 403, body
                assert refused.text.startswith("Refused:")
            huge = Posted(body={"actions": [{**real, "body": "x" * 100_000}]},
                          authorization="", at=0.0, status=200)
            assert (await pressed(ntfy, huge, "sqlite")).status == 413
            [d] = run.state().decisions.values()
            assert d.open and waiting(run.state())


async def test_a_review_is_pushed_with_approve_and_pressing_it_lands_the_change(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    with phone_page(project):
        configure(project, "[gate]\nauto_land = false\n" + push_config(ntfy.url))
        async with Running(project) as run:
            run.api.dispatch("Write it", task_file("x", WRITE))
            await run.until(lambda st: any(s.state == S.AWAITING_APPROVAL
                                           for s in st.sessions.values()))
            [posted] = await received(ntfy)
            assert posted.title.startswith("write-it is ready for review")
            assert posted.body["priority"] == 3
            assert [a["label"] for a in posted.actions] == ["Approve", "Open diff"]
            ok = await pressed(ntfy, posted, "Approve")
            assert ok.status == 200 and ok.text.startswith("Approved: write-it lands")
            st = await run.until(lambda st: all(s.state == S.LANDED
                                                for s in st.sessions.values()))
            assert (project.root / "db.txt").read_text() == "chosen\n"
            again = await pressed(ntfy, posted, "Approve")
            assert (again.status, again.text) == (
                409, "Already approved from a notification; write-it is landed.")
            [approved] = run.events(ev.ChangeApproved)
            assert approved.by == "push"  # type: ignore[union-attr]
            assert st.sessions


async def test_a_failing_channel_shows_in_the_inbox_and_clears_when_it_recovers(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    ntfy.fail(503)
    with phone_page(project):
        configure(project, push_config(ntfy.url, retry_seconds=0.05,
                                       max_retry_seconds=0.2, outage_seconds=0.5))
        async with Running(project) as run:
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            await run.until(lambda st: any(c.down for c in st.attention.channels.values()))
            [item] = [i for i in run.api.inbox() if i.kind == "channel"]
            assert item.ref == "ntfy" and item.title.startswith(
                "push notifications to ntfy are failing")
            assert item.detail == "HTTP 503: service unavailable"
            failed = run.events(ev.PushFailed)
            assert {e.status for e in failed} == {503}  # type: ignore[union-attr]
            assert [e.attempt for e in failed][:3] == [1, 2, 3]  # type: ignore[union-attr]
            assert all(e.retry_in > 0 for e in failed)  # type: ignore[union-attr]

            ntfy.recover()
            [posted] = await received(ntfy)
            await run.until(lambda st: not any(c.down for c in st.attention.channels.values()))
            assert [i for i in run.api.inbox() if i.kind == "channel"] == []
            assert posted.title == "pick-a-database asks: Which database?"
            [back] = run.events(ev.PushChannelRecovered)
            assert back.down_seconds > 0  # type: ignore[union-attr]


async def test_while_active_in_the_editor_a_push_waits_and_is_dropped_once_answered_there(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    with phone_page(project):
        configure(project, push_config(ntfy.url, hold_seconds=3.0))
        async with Running(project) as run:
            assert run.api.presence(True) is True
            assert run.api.presence(True) is False  # said a moment ago: not again
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            st = await run.until(lambda st: bool(run.events(ev.PushHeld)))
            [held] = run.events(ev.PushHeld)
            assert held.seconds == 3.0  # type: ignore[union-attr]
            run.api.answer(next(iter(st.decisions)), "sqlite")
            await run.until(lambda st: bool(run.events(ev.PushDropped)), timeout=10)
            [dropped] = run.events(ev.PushDropped)
            assert dropped.reason == "answered by human: sqlite"  # type: ignore[union-attr]
            assert ntfy.attempts == []  # nothing reached the phone


async def test_while_active_in_the_editor_an_unanswered_push_goes_after_the_hold(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    with phone_page(project):
        configure(project, push_config(ntfy.url, hold_seconds=0.2))
        async with Running(project) as run:
            run.api.presence(True)
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            [posted] = await received(ntfy)
            assert posted.title == "pick-a-database asks: Which database?"
            await run.until(lambda st: bool(run.events(ev.PushSent)))
            assert len(run.events(ev.PushHeld)) == 1


async def test_after_the_editor_is_left_a_push_goes_at_once(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    with phone_page(project):
        configure(project, push_config(ntfy.url, hold_seconds=600.0))
        async with Running(project) as run:
            run.api.presence(True)
            run.api.presence(False)
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            await received(ntfy)
            assert run.events(ev.PushHeld) == []


async def test_a_log_of_pushes_reads_as_sentences(make_repo: MakeRepo, ntfy: FakeNtfy,
                                                  tmp_path: Path) -> None:
    from loopwright.views.overview import describe

    project = init(make_repo(PASSING))
    ntfy.fail(429)
    with phone_page(project):
        configure(project, push_config(ntfy.url, retry_seconds=0.05))
        async with Running(project) as run:
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            await received(ntfy, 1, attempts=True)
            ntfy.recover()
            await received(ntfy)
            await run.until(lambda st: bool(run.events(ev.PushSent)))
            lines = [describe(r) for r in run.api.store.read_after(0)
                     if isinstance(r.event, ev.PushFailed | ev.PushSent)]
    assert lines[0] is not None and "FAILED (attempt 1): HTTP 429: limit reached" in lines[0]
    assert lines[0].endswith("retrying in 0.05s")
    assert lines[-1] is not None and "sent to ntfy (attempt" in lines[-1]


async def test_the_token_never_reaches_the_log_even_in_a_failure_that_names_the_url(
        make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTFY_TOKEN", TOKEN)
    project = init(make_repo(PASSING))
    with FakeNtfy() as gone:
        port = gone.url.rsplit(":", 1)[1]
    unreachable = f"http://me:{TOKEN}@127.0.0.1:{port}"  # the token put in the URL too
    configure(project, push_config(unreachable, "", retry_seconds=0.05))
    async with Running(project) as run:
        run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
        await run.until(lambda st: len(run.events(ev.PushFailed)) >= 2)
        [first, *_] = run.events(ev.PushFailed)
        assert first.status == 0 and "ConnectError" in first.error  # type: ignore[union-attr]
        assert "[redacted]" in first.error  # type: ignore[union-attr]
    log = b"".join(p.read_bytes() for p in project.dot.glob("state.db*"))
    assert TOKEN.encode() not in log


async def test_focus_holds_a_push_until_it_ends_unless_its_kind_may_break_through(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    with phone_page(project):
        configure(project, "[gate]\nauto_land = false\n" + push_config(
            ntfy.url, break_through=["needs_review"]))
        async with Running(project) as run:
            run.api.focus(True)
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            run.api.dispatch("Write it", task_file("y", {"write": "y.txt", "content": "y"}))
            await run.until(lambda st: waiting(st) and any(
                s.state == S.AWAITING_APPROVAL for s in st.sessions.values()))
            # the review breaks through; the question waits for the focus to end
            [posted] = await received(ntfy)
            assert posted.title.startswith("write-it is ready for review")
            assert len(run.state().attention.held()) == 2
            run.api.focus(False)
            [_, released] = await received(ntfy, 2)
            assert released.title == "pick-a-database asks: Which database?"
            assert [a["label"] for a in released.actions] == ["sqlite", "postgres"]
            await run.until(lambda st: len(run.events(ev.PushSent)) == 2)
            assert len(ntfy.posts) == 2  # the review, pushed already, is not pushed again


async def test_a_push_that_never_got_through_is_sent_after_a_restart_and_only_once(
        make_repo: MakeRepo, ntfy: FakeNtfy) -> None:
    project = init(make_repo(PASSING))
    ntfy.fail(503)
    with phone_page(project):
        configure(project, push_config(ntfy.url, retry_seconds=30.0))
        async with Running(project) as run:
            run.api.dispatch("Pick a database", task_file("x", ASK, WRITE))
            await run.until(lambda st: bool(run.events(ev.PushFailed)))
        ntfy.recover()
        async with Running(project) as run:  # the manager again, the question still open
            [posted] = await received(ntfy)
            assert posted.title == "pick-a-database asks: Which database?"
            await run.until(lambda st: bool(run.events(ev.PushSent)))
        async with Running(project) as run:
            starting = EffectKey("push")  # the pusher's start: warm up, resend what is due
            await run.until(lambda st: len(run.events(ev.ManagerStarted)) == 3
                            and starting not in run.manager._tasks)
            assert not any(k.kind == "push" for k in run.manager._tasks)
            assert len(ntfy.posts) == 1
            assert waiting(run.state())
