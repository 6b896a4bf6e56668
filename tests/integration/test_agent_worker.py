"""The agents through the real manager, the real SDK and the fake Messages API, on real
repositories: triage, the claude worker, checks, the reviewer, landing; faults, budgets
and a restart in the middle of a session."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers.agent import agent_toml, last_texts, tool_results
from helpers.git import MakeRepo
from helpers.loop import Running, cli, configure, init
from loopwright import events as ev
from loopwright.project import Project
from loopwright.state import Health, SessionState, State
from loopwright.testing.fake_api import FakeMessagesAPI, Fault, Script, Turn

S = SessionState
GREETER = 'def greet(name):\n    return f"Helo, {name}!"\n'
REPO = {
    "README.md": "# greeter\n\nGreets people, politely.\n",
    "greeter.py": GREETER,
    "Makefile": "test:\n\t@grep -q 'Hello, ' greeter.py && echo checks ok\n",
}
WORKER = "You are the worker"
TRIAGE = "You triage"
REVIEWER = "You review diffs"

READ = Turn.tool_use("read_file", {"path": "greeter.py"}, text="Let me read the greeter.")
EDIT = Turn.tool_use("edit_file", {"path": "greeter.py", "old": "Helo", "new": "Hello"})
CHECK = Turn.tool_use("run_command", {"command": "make test"})
FINISH = Turn.tool_use("finish", {"summary": "Fixed the typo in the greeting."})
ACCEPT = Turn.tool_use("triage_verdict", {"verdict": "accept", "reason": "A plain bug."})
APPROVE = Turn.tool_use("review_verdict", {"verdict": "approve", "summary": "Good."})
WANT_TEST = Turn.tool_use("review_verdict", {
    "verdict": "request_changes", "summary": "The fix needs a test.",
    "comments": [{"path": "greeter.py", "line": 2, "body": "Add a test for greet."}]})
ADD_TEST = Turn.tool_use("write_file", {
    "path": "test_greeter.py",
    "content": "from greeter import greet\n\nassert greet('Ada') == 'Hello, Ada!'\n"})
FINISH_AGAIN = Turn.tool_use("finish", {"summary": "Fixed the typo and added a test."})


@pytest.fixture
def project(make_repo: MakeRepo) -> Project:
    return init(make_repo(REPO))


def use_agents(project: Project, *, triage: bool = False, reviewer: bool = False,
               rounds: int = 2, agent: str = "", rest: str = "") -> None:
    text = '[manager]\ndefault_backend = "claude"\n'
    if triage:
        text += '[triage]\nagent = "claude"\n'
    if reviewer:
        text += f'[review]\nreviewer = "claude"\nmax_rounds = {rounds}\n'
    configure(project, text + agent_toml(agent, rest))


def worker(*turns: Any) -> Script:
    return Script(list(turns), name="worker", system_contains=WORKER)


def landed(st: State) -> bool:
    return bool(st.sessions) and all(s.state == S.LANDED and s.worktree_removed
                                     for s in st.sessions.values())


def only(st: State) -> Any:
    [s] = st.sessions.values()
    return s


def state_is(state: SessionState) -> Any:
    return lambda st: bool(st.sessions) and only(st).state == state


async def test_triage_worker_checks_reviewer_round_and_landing(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project, triage=True, reviewer=True)
    fake_api.add_script(Script([ACCEPT], name="triage", system_contains=TRIAGE))
    fake_api.add_script(Script([WANT_TEST, APPROVE], name="reviewer",
                               system_contains=REVIEWER))
    fake_api.add_script(worker(READ, EDIT, CHECK, FINISH, ADD_TEST, CHECK, FINISH_AGAIN))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "greet() says Helo instead of Hello.")
        st = await run.until(landed)
        gates = run.events(ev.GateDecided)
        replies = run.events(ev.ModelReplied)
    root = project.root
    assert (root / "greeter.py").read_text() == GREETER.replace("Helo", "Hello")
    assert (root / "test_greeter.py").exists()
    s = only(st)
    assert s.summary == "Fixed the typo and added a test."
    assert s.reviewer_rounds == 1 and s.feedback == [
        "The reviewer agent asks for changes: The fix needs a test.\n"
        "- greeter.py:2: Add a test for greet."]
    assert s.review is not None and s.review.reviewer_verdict == "approve"
    assert [g.auto_land for g in gates] == [True]  # the human was never asked
    assert {r.agent for r in replies} == {"triage", "worker", "reviewer"}
    assert s.turns == 7 and s.tokens > 0 and s.cost_usd > 0
    assert f"${s.cost_usd:.2f}" in cli(root, "status").stdout  # what it cost, at a glance
    note = fake_api.requests_for("worker")[4]
    assert "Request-changes note 1:" in last_texts(note)
    assert "greeter.py:2: Add a test for greet." in last_texts(note)
    second_review = fake_api.requests_for("reviewer")[1]
    assert "Earlier request for changes 1" in last_texts(second_review)
    assert "+assert greet('Ada') == 'Hello, Ada!'" in last_texts(second_review)
    assert "A plain bug." in st.tasks[s.task_id].verdict_reason
    assert fake_api.errors == [] and fake_api.unfinished() == {}


async def test_injected_429_529_and_a_stalled_stream_do_not_lose_the_session(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project, agent="request_timeout_seconds = 0.5")
    fake_api.add_script(worker(
        READ, Fault.rate_limited(retry_after=0.01), EDIT, Fault.overloaded(retry_after=0.01),
        Fault.stalled(), CHECK, FINISH))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        st = await run.until(landed)
        progress = [e.message for e in run.events(ev.WorkerProgressed)
                    if isinstance(e, ev.WorkerProgressed)]
    assert [p.split(" in ")[0] for p in progress] == [
        "model API rate_limited; retry 1 of 6", "model API overloaded; retry 1 of 6",
        "model API stalled; retry 2 of 6"]  # the 529 and the stall hit the same turn
    assert only(st).turns == 4
    requests = fake_api.requests_for("worker")
    assert len(requests) == 7
    assert requests[1].body == requests[2].body  # a retry sends the same request
    assert fake_api.errors == []


async def test_a_restart_in_the_middle_of_a_session_resumes_the_conversation(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project)
    ask = Turn.tool_use("ask", {"question": "Hello or Hi?", "options": ["Hello", "Hi"],
                                "blocking": True})
    fake_api.add_script(worker(READ, ask, EDIT, CHECK, FINISH))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        await run.until(state_is(S.WAITING))
    before = fake_api.requests_for("worker")
    assert len(before) == 2
    async with Running(project) as run:
        st = await run.until(state_is(S.WAITING))
        [decision] = st.decisions.values()
        run.api.answer(decision.decision_id, "Hello")
        st = await run.until(landed)
        tasks = [e for e in run.events(ev.ModelPrompted)
                 if isinstance(e, ev.ModelPrompted) and e.kind == "task"]
    after = fake_api.requests_for("worker")[2]
    assert after.messages[:3] == [_unmarked(m) for m in before[1].messages]
    assert after.messages[3]["content"][0]["input"]["question"] == "Hello or Hi?"
    assert tool_results(after)[0]["content"] == "The human answered: Hello"
    assert len(tasks) == 1  # the conversation was resumed, not started again
    assert only(st).turns == 5
    assert fake_api.unfinished() == {} and fake_api.errors == []


async def test_a_manager_stopped_while_the_model_answers_sends_the_turn_again(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project, agent="request_timeout_seconds = 30")
    fake_api.add_script(worker(READ, Fault.stalled(), EDIT, CHECK, FINISH))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        await run.until(lambda st: len(fake_api.requests_for("worker")) == 2)
    async with Running(project) as run:
        await run.until(landed)
    requests = fake_api.requests_for("worker")
    assert len(requests) == 5
    assert requests[1].body == requests[2].body


async def test_over_budget_marks_the_session_and_waits_for_the_human(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project, rest="[budget]\nturns = 2\n")
    fake_api.add_script(worker(READ, EDIT, CHECK, FINISH))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        st = await run.until(lambda st: bool(st.sessions)
                             and only(st).health == Health.OVER_BUDGET
                             and only(st).state == S.WAITING)
        [item] = run.api.inbox()
        assert item.kind == "decision" and item.options == ("continue", "stop")
        assert "over its budget (turns: 2 used of 2)" in item.title
        run.api.answer(item.ref, "continue")
        st = await run.until(landed)
    assert only(st).health == Health.OK
    assert len(fake_api.requests_for("worker")) == 4


async def test_an_api_that_stays_down_fails_the_session_clearly_when_the_human_stops(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project, agent="max_retries = 1")
    fake_api.add_script(worker(READ, *[Fault.overloaded(retry_after=0.01)] * 2, FINISH))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        st = await run.until(state_is(S.WAITING))
        [item] = run.api.inbox()
        assert "the model API failed after 2 attempts: overloaded" in item.title
        run.api.answer(item.ref, "stop")
        st = await run.until(state_is(S.FAILED))
    assert only(st).failure == (
        "stopped by the human after the model API failed: the model API failed after 2 "
        "attempts: overloaded: 529 overloaded_error: Overloaded")
    assert only(st).turns == 1  # what it did is kept in the log


async def test_the_reviewer_gives_up_after_max_rounds_and_the_human_decides(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project, reviewer=True, rounds=1)
    fake_api.add_script(Script([WANT_TEST, WANT_TEST], name="reviewer",
                               system_contains=REVIEWER))
    fake_api.add_script(worker(READ, EDIT, FINISH, ADD_TEST, FINISH_AGAIN))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        st = await run.until(state_is(S.AWAITING_APPROVAL))
        [item] = run.api.inbox()
    s = only(st)
    assert s.reviewer_rounds == 1
    assert "The reviewer agent asked for changes." in item.detail
    assert s.review is not None and s.review.comments == (
        ev.ReviewComment(path="greeter.py", line=2, body="Add a test for greet."),)


async def test_a_reviewer_that_fails_leaves_the_change_to_the_human(
    fake_api: FakeMessagesAPI, project: Project,
) -> None:
    use_agents(project, reviewer=True)
    fake_api.add_script(Script(
        [Fault.status_error(400, "invalid_request_error", "prompt is too long")],
        name="reviewer", system_contains=REVIEWER))
    fake_api.add_script(worker(READ, EDIT, FINISH))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        st = await run.until(state_is(S.AWAITING_APPROVAL))
    review = only(st).review
    assert review is not None and review.reviewer_verdict == ""
    assert review.reviewer_summary.startswith(
        "The reviewer could not review this change: the model API failed at once: refused: "
        "400 invalid_request_error: prompt is too long")


NO_CACHE = {"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
REVIEW_PRICED = ('[review]\nreviewer = "claude"\nmodel = "claude-reviewing"\n'
                 '[prices."claude-reviewing"]\n'
                 "input = 100.0\noutput = 1000.0\ncache_write = 0.0\ncache_read = 0.0\n")


@pytest.mark.parametrize(("reply", "reason"), [
    (Turn.text("Looks fine to me!", input_tokens=3000, output_tokens=50, **NO_CACHE),
     "the reviewer answered without calling review_verdict"),
    (Turn.tool_use("review_verdict", {"verdict": "maybe", "summary": "Not sure."},
                   input_tokens=3000, output_tokens=50, **NO_CACHE),
     "the reviewer gave an unknown verdict: 'maybe'"),
], ids=["no-tool-call", "unknown-verdict"])
async def test_a_reviewer_whose_reply_is_not_a_verdict_still_counts_what_it_spent(
    fake_api: FakeMessagesAPI, project: Project, reply: Turn, reason: str,
) -> None:
    use_agents(project, rest=REVIEW_PRICED)  # the reviewer's own model and prices
    fake_api.add_script(Script([reply], name="reviewer", system_contains=REVIEWER))
    fake_api.add_script(worker(READ, EDIT, FINISH))
    async with Running(project) as run:
        run.api.dispatch("Fix the greeting", "It says Helo.")
        st = await run.until(state_is(S.AWAITING_APPROVAL))
    review = only(st).review
    assert review is not None and review.reviewer_verdict == ""
    assert review.reviewer_summary == f"The reviewer could not review this change: {reason}"
    shown = cli(project.root, "stats")
    assert shown.returncode == 0, shown.stderr
    # 3,000 in and 50 out at the reviewer's own prices, though it gave no verdict
    [by_agent] = [line for line in shown.stdout.splitlines() if "tokens by agent" in line]
    assert "reviewer 3,050 ($0.35)" in by_agent
    assert fake_api.unfinished() == {}


TRIAGE_PRICED = ('[prices."claude-triaging"]\n'
                 "input = 100.0\noutput = 1000.0\ncache_write = 0.0\ncache_read = 0.0\n")


@pytest.mark.parametrize(("reply", "reason"), [
    (Turn.text("Sounds good.", input_tokens=2000, output_tokens=40, **NO_CACHE),
     "the triage answered without calling triage_verdict"),
    (Turn.tool_use("triage_verdict", {"verdict": "maybe", "reason": "Hm."},
                   input_tokens=2000, output_tokens=40, **NO_CACHE),
     "triage gave an unknown verdict: 'maybe'"),
], ids=["no-tool-call", "unknown-verdict"])
async def test_triage_whose_reply_is_not_a_verdict_asks_you_and_still_counts_what_it_spent(
    fake_api: FakeMessagesAPI, project: Project, reply: Turn, reason: str,
) -> None:
    use_agents(project, triage=True, agent='model = "claude-triaging"', rest=TRIAGE_PRICED)
    fake_api.add_script(Script([reply], name="triage", system_contains=TRIAGE))
    async with Running(project) as run:
        run.api.dispatch("Add a farewell", "Say goodbye too.")
        await run.until(lambda st: bool(st.decisions))
        [item] = run.api.inbox()
    assert item.kind == "decision"
    assert item.title == f"Triage could not judge this task ({reason}). Work on it anyway?"
    shown = cli(project.root, "stats", "--json")
    assert shown.returncode == 0, shown.stderr
    # 2,000 in and 40 out at the test's prices, though triage gave no verdict
    [by_agent] = json.loads(shown.stdout)["overall"]["by_agent"]
    assert (by_agent["agent"], by_agent["tokens"], by_agent["cost_usd"]) == ("triage", 2040,
                                                                           0.24)


@pytest.mark.parametrize(("verdict", "settled"), [
    ({"verdict": "decline", "reason": "Out of scope."}, "declined"),
    ({"verdict": "ask", "reason": "Unclear.", "question": "Is a farewell wanted?"},
     "pending"),
])
async def test_triage_can_decline_or_ask_before_any_worker_starts(
    fake_api: FakeMessagesAPI, project: Project, verdict: dict[str, str], settled: str,
) -> None:
    use_agents(project, triage=True)
    fake_api.add_script(Script([Turn.tool_use("triage_verdict", verdict)], name="triage",
                               system_contains=TRIAGE))
    async with Running(project) as run:
        task = run.api.dispatch("Add a farewell", "Say goodbye too.")
        st = await run.until(lambda st: st.tasks[task.task_id].verdict == settled
                             and (settled != "pending" or bool(st.decisions)))
        [item] = run.api.inbox()
    assert not st.sessions
    if settled == "declined":
        assert item.kind == "declined" and "Out of scope." in item.detail
    else:
        assert item.kind == "decision" and item.title == "Is a farewell wanted?"
    system = fake_api.requests_for("triage")[0].system
    assert "Greets people, politely." in system  # the README is read against the task


def _unmarked(message: dict[str, Any]) -> dict[str, Any]:
    content = message["content"]
    if isinstance(content, list):
        content = [{k: v for k, v in b.items() if k != "cache_control"} for b in content]
    return {**message, "content": content}
