"""The fold of review rounds: threads, replies, resolved, viewed marks, and what the
human last reviewed, as a user of the review sees them."""

from __future__ import annotations

import msgspec
from test_state import feed, review, started, to_approval

from loopwright import events as ev
from loopwright.state import State, illegal
from loopwright.views import overview as views


def at_review() -> State:
    st = to_approval(started())
    return feed(st, ev.ThreadOpened(session_id="s-1", thread_id="th-a", path="a.py",
                                    line=1, body="Why?"),
                ev.ThreadOpened(session_id="s-1", thread_id="th-b", path="a.py", line=1,
                                body="Fine."),
                ev.ThreadResolved(session_id="s-1", thread_id="th-b"),
                ev.FileViewed(session_id="s-1", path="a.py"))


def next_round(st: State, head: str = "head2") -> State:
    comment = ev.ReviewComment(path="a.py", line=3, body="Name it better.")
    return feed(
        st,
        ev.SessionStarted(session_id="s-1", worktree="/w", base_commit="base",
                          target_branch="main"),
        ev.WorkerActed(session_id="s-1", step=5, action="reply", detail="th-a"),
        ev.ThreadReplied(session_id="s-1", thread_id="th-a", body="Because.", by="worker"),
        ev.WorkerFinished(session_id="s-1", summary="again", head_commit=head),
        ev.ChecksFinished(session_id="s-1", command="make test", passed=True, exit_code=0,
                          output_tail="ok", seconds=1.0),
        ev.RoundCompared(session_id="s-1", from_commit="head", to_commit=head,
                         files=("a.py",), hunks=(ev.Hunk(
                             hunk_id="x", path="a.py", old_start=0, old_lines=0,
                             new_start=1, new_lines=3, header="", added=3, removed=0),)),
        msgspec.structs.replace(review(), head_commit=head, comments=(comment,)),
        ev.GateDecided(session_id="s-1", auto_land=False, reasons=("too big",)))


def test_request_changes_sends_open_threads_only_and_marks_the_round_reviewed() -> None:
    st = feed(at_review(), ev.ChangesRequested(session_id="s-1", note="Fix it."))
    s = st.sessions["s-1"]
    assert "[th-a] a.py line 1, human: Why?" in s.instruction
    assert "th-b" not in s.instruction  # resolved
    assert (s.rounds.reviewed_round, s.rounds.reviewed_commit) == (1, "head")


def test_the_next_round_moves_threads_unviews_changed_files_and_adds_the_reviewers() -> None:
    st = next_round(feed(at_review(), ev.ChangesRequested(session_id="s-1", note="Fix.")))
    r = st.sessions["s-1"].rounds
    assert r.round == 2
    assert (r.threads["th-a"].line, r.threads["th-a"].outdated) == (4, False)
    assert [(c.author, c.body, c.round) for c in r.threads["th-a"].comments] == [
        ("human", "Why?", 1), ("worker", "Because.", 1)]
    assert r.viewed == set() and r.since_reviewed == {"a.py"}
    new = r.threads["rv2-1"]
    assert (new.author, new.line, new.comments[0].body) == ("reviewer", 3, "Name it better.")


def test_a_thread_or_a_mark_on_a_file_outside_the_change_is_refused() -> None:
    st = at_review()
    outside = ev.ThreadOpened(session_id="s-1", thread_id="th-c", path="b.py", line=1,
                              body="?")
    assert illegal(st, outside) == "b.py is not a file of the change of fix-it"
    assert illegal(st, ev.FileViewed(session_id="s-1", path="b.py")) is not None
    assert illegal(st, ev.ThreadReplied(session_id="s-1", thread_id="th-z",
                                        body="x")) == "no thread th-z in the review of fix-it"


def test_a_round_moves_threads_through_the_latest_comparison_only() -> None:
    # A comparison recorded for another head is replaced by the one for the review.
    st = feed(at_review(), ev.ChangesRequested(session_id="s-1", note="Fix."))
    st = next_round(feed(st, ev.RoundCompared(
        session_id="s-1", from_commit="head", to_commit="elsewhere", files=("a.py",),
        hunks=())), head="head2")
    assert st.sessions["s-1"].rounds.threads["th-a"].line == 4


def test_thread_records_read_as_one_line_each_in_the_log() -> None:
    st = at_review()
    lines = [views.describe(ev.Record(1, 0.0, e), st) for e in (
        ev.ThreadOpened(session_id="s-1", thread_id="th-a", path="a.py", line=1,
                        body="Why?\nSee the issue."),
        ev.ThreadReplied(session_id="s-1", thread_id="th-a", body="Because.", by="worker"),
        ev.ThreadResolved(session_id="s-1", thread_id="th-a"),
        ev.FileViewed(session_id="s-1", path="a.py", viewed=False),
        ev.RoundCompared(session_id="s-1", from_commit="a", to_commit="b", files=(),
                         hunks=()))]
    assert lines == ["fix-it: human opened thread th-a on a.py:1: Why?…",
                     "fix-it: worker replied in th-a: Because.",
                     "fix-it: human resolved thread th-a", "fix-it: a.py marked not viewed",
                     None]
