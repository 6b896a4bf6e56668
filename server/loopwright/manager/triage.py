"""Running the triage slot on a new task and recording its verdict. The verdicts and
the `Triager` protocol are in `review.triage`; the agents are registered in
`loopwright.backends`."""

from __future__ import annotations

from .. import events as ev
from ..core.ids import new_id
from ..review.triage import ASK_OPTIONS, Accept, Ask, Decline, TriageFailed, Triager
from ..runtime import Runtime

__all__ = ["triage_task"]


async def triage_task(rt: Runtime, triager: Triager, task_id: str) -> None:
    """Run the triager on one task and record its verdict. A task already judged
    (a restart raced this) is left alone."""
    task = rt.state.tasks[task_id]
    if task.verdict != "pending" or any(
        d.task_id == task_id and not d.session_id for d in rt.state.decisions.values()
    ):
        return
    try:
        verdict = await triager.triage(task, on_retry=lambda retried: _record(rt, retried))
    except Exception as e:  # noqa: BLE001 - triage failing must not lose the task
        spent = e.spent if isinstance(e, TriageFailed) else ()  # paid for all the same
        verdict = Ask(f"Triage could not judge this task ({e}). Work on it anyway?",
                      spent=spent)
    match verdict:  # (a retry said in `status` is cleared by the verdict)
        case Accept(reason=reason):
            rt.append(*verdict.spent, ev.TaskAccepted(task_id=task_id, reason=reason))
        case Decline(reason=reason):
            rt.append(*verdict.spent, ev.TaskDeclined(task_id=task_id, reason=reason))
        case Ask(question=question, default=default):
            rt.append(*verdict.spent, ev.DecisionAsked(
                decision_id=new_id("d"), question=question, options=ASK_OPTIONS,
                default=default, blocking=True, task_id=task_id,
            ))


def _record(rt: Runtime, retried: ev.TriageRetried) -> None:
    rt.append(retried)
