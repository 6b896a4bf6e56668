// Split tasks in the Sessions view: a task the manager (or the human) split shows as a
// parent with its sub-tasks under it, each with its session, or "waiting on …" while
// what it depends on has not landed. Pure: built from the snapshot's task rows.

import type { TaskRow } from "../protocol";
import type { Snapshot, TimedRow } from "./store";
import type { Node } from "./tree";

export interface SplitTrees {
  /** One node per split task that is not itself a sub-task, newest first. */
  readonly nodes: Node[];
  /** The sessions those trees show, so the usual groups leave them out. */
  readonly sessions: ReadonlySet<string>;
  /** When each root was filed, to sort it among the other groups. */
  readonly filedAt: ReadonlyMap<string, number>;
}

/** `leaf` draws one session (the Sessions view's own row). */
export function splitTrees(snap: Pick<Snapshot, "tasks" | "sessions">, leaf: (t: TimedRow) => Node): SplitTrees {
  const tasks = snap.tasks;
  const byTask = new Map<string, TimedRow[]>();
  for (const t of snap.sessions.values()) {
    const list = byTask.get(t.row.taskId) ?? [];
    list.push(t);
    byTask.set(t.row.taskId, list);
  }
  const used = new Set<string>();
  const filedAt = new Map<string, number>();
  const title = (id: string): string => tasks.get(id)?.title ?? id;

  const build = (task: TaskRow, depth: number): Node => {
    const kids = task.children ?? [];
    if (kids.length > 0 && depth < 8) {
      const children = kids.map((id) => tasks.get(id)).filter((t): t is TaskRow => t !== undefined).map((t) => build(t, depth + 1));
      const doneCount = kids.filter((id) => tasks.get(id)?.done === true).length;
      const n = `${kids.length} sub-task${kids.length === 1 ? "" : "s"}`;
      return {
        id: `split:${task.taskId}`,
        label: task.title,
        description: task.done === true ? `done · ${n}` : task.openReason || `${doneCount} of ${n} done`,
        tooltip: `task ${task.taskId}, split into ${kids.length}: ${kids.map(title).join(", ")}`,
        icon: task.done === true ? { id: "pass", color: "testing.iconPassed" } : { id: "type-hierarchy" },
        contextValue: "group task split",
        children,
      };
    }
    const rows = (byTask.get(task.taskId) ?? []).sort((a, b) => (a.row.queuedAt ?? 0) - (b.row.queuedAt ?? 0));
    for (const r of rows) {
      used.add(r.row.sessionId);
    }
    const after = (task.dependsOn ?? []).length > 0 ? `after ${(task.dependsOn ?? []).map(title).join(", ")}` : "";
    if (rows.length === 1) {
      const node = leaf(rows[0]);
      return { ...node, tooltip: [task.title, after, node.tooltip ?? ""].filter((l) => l !== "").join("\n") };
    }
    const waiting = task.waitingOn ?? [];
    const description = rows.length > 1
      ? `${rows.length} sessions`
      : waiting.length > 0 ? `waiting on ${waiting.map(title).join(", ")}` : task.done === true ? "done" : "queued";
    return {
      id: `subtask:${task.taskId}`,
      label: task.title,
      description,
      tooltip: [`task ${task.taskId}: ${task.title}`, after].filter((l) => l !== "").join("\n"),
      icon: waiting.length > 0 ? { id: "clock" } : { id: "circle-outline" },
      contextValue: "subtask",
      ...(rows.length > 1 ? { children: rows.map(leaf) } : {}),
    };
  };

  const roots = [...tasks.values()]
    .filter((t) => (t.children ?? []).length > 0 && (t.parent ?? "") === "")
    .sort((a, b) => b.filedAt - a.filedAt);
  const nodes = roots.map((t) => {
    filedAt.set(`split:${t.taskId}`, t.filedAt);
    return build(t, 0);
  });
  return { nodes, sessions: used, filedAt };
}
