// The three trees (Inbox, Sessions, Activity) as plain data built from a snapshot. The
// views only turn these nodes into TreeItems, so everything shown here is unit-tested.

import type { InboxItem, SessionRow } from "../protocol";
import {
  TERMINAL_STATES,
  cost,
  duration,
  elapsed,
  healthIcon,
  healthLabel,
  inboxIcon,
  inboxKindLabel,
  stateIcon,
  stateLabel,
  type IconSpec,
} from "./format";
import type { Snapshot, TimedRow } from "./store";
import { splitTrees } from "./taskTree";

export interface NodeCommand {
  readonly command: string;
  readonly title: string;
  readonly args: readonly unknown[];
}

export interface Node {
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly tooltip?: string;
  readonly icon?: IconSpec;
  readonly contextValue?: string;
  readonly children?: readonly Node[];
  readonly command?: NodeCommand;
  /** The session this node stands for, so commands run from a context menu know it. */
  readonly sessionId?: string;
  readonly decisionId?: string;
  /** The file a review node stands for. */
  readonly path?: string;
  /** A checkbox (a file's viewed mark); undefined: none. */
  readonly checked?: boolean;
}

const HAS_DIFF = new Set(["reviewing", "awaiting_approval", "landing", "landed", "failed", "rejected", "killed"]);
const RETRYABLE = new Set(["failed", "killed", "rejected"]);

/** Space-separated flags that package.json's when-clauses match with `viewItem =~ /\bflag\b/`. */
export function sessionContext(state: string, hasReview?: boolean): string {
  const flags = ["session"];
  if (hasReview ?? HAS_DIFF.has(state)) {
    flags.push("hasDiff");
  }
  if (state === "awaiting_approval") {
    flags.push("awaitingApproval");
  }
  if (!TERMINAL_STATES.has(state)) {
    flags.push("live");
  }
  if (RETRYABLE.has(state)) {
    flags.push("retryable");
  }
  return flags.join(" ");
}

export function sessionNode(t: TimedRow, nowMs: number): Node {
  const r = t.row;
  const secs = elapsed(r.state, r.elapsedSeconds, nowMs - t.receivedAt);
  const health = healthLabel(r.health);
  const parts = [stateLabel(r.state), health, duration(secs), cost(r.costUsd)].filter((p) => p !== "");
  const icon = healthIcon(r.health) ?? stateIcon(r.state);
  const tooltip = [
    `${r.name} — ${r.title}`,
    `state: ${stateLabel(r.state)}${health ? ` (${health})` : ""}`,
    r.branch ? `branch: ${r.branch}` : "",
    r.lastMessage ? `last: ${r.lastMessage}` : "",
  ].filter((l) => l !== "").join("\n");
  const context = sessionContext(r.state, r.hasReview);
  return {
    id: `session:${r.sessionId}`,
    label: r.name,
    description: parts.join(" · "),
    tooltip,
    icon,
    contextValue: context,
    sessionId: r.sessionId,
    command: context.includes("hasDiff")
      ? { command: "loopwright.openDiff", title: "Open Diff", args: [r.sessionId] }
      : undefined,
  };
}

/** Sessions grouped by their group (a task or a label), split tasks as their tree of
 *  sub-tasks; newest first. */
export function sessionTree(snap: Snapshot, nowMs: number): Node[] {
  const split = splitTrees(snap, (t) => sessionNode(t, nowMs));
  const groups = new Map<string, TimedRow[]>();
  for (const t of snap.sessions.values()) {
    if (split.sessions.has(t.row.sessionId)) {
      continue;
    }
    const key = t.row.group || t.row.taskId;
    const list = groups.get(key) ?? [];
    list.push(t);
    groups.set(key, list);
  }
  const out: Array<{ node: Node; newest: number }> = split.nodes.map((node) => ({ node, newest: split.filedAt.get(node.id) ?? 0 }));
  for (const [key, rows] of groups) {
    rows.sort(bySessionOrder);
    const first = rows[0].row;
    const isTask = rows.every((t) => t.row.taskId === key);
    const live = rows.filter((t) => !TERMINAL_STATES.has(t.row.state)).length;
    const label = isTask ? first.title : key;
    out.push({
      newest: Math.max(...rows.map((t) => t.row.queuedAt ?? 0)),
      node: {
        id: `group:${key}`,
        label,
        description: `${rows.length} session${rows.length === 1 ? "" : "s"}${live ? `, ${live} live` : ""}`,
        tooltip: isTask ? `task ${key}: ${first.title}` : `label ${key}`,
        icon: { id: isTask ? "tasklist" : "tag" },
        contextValue: isTask ? "group task" : "group label",
        children: rows.map((t) => sessionNode(t, nowMs)),
      },
    });
  }
  out.sort((a, b) => b.newest - a.newest || a.node.label.localeCompare(b.node.label));
  return out.map((o) => o.node);
}

function bySessionOrder(a: TimedRow, b: TimedRow): number {
  return (a.row.queuedAt ?? 0) - (b.row.queuedAt ?? 0) || a.row.name.localeCompare(b.row.name);
}

/** The session an inbox item is about, as an id if we can tell it, else its name. */
export function inboxSessionRef(item: InboxItem): string {
  if (item.sessionId) {
    return item.sessionId;
  }
  if (item.kind === "review" || item.kind === "landing_blocked" || item.kind === "failed") {
    return item.ref;
  }
  return item.sessionName;
}

export function inboxNode(item: InboxItem, nowMs: number): Node {
  const session = item.sessionName;
  const ago = duration(nowMs / 1000 - item.since);
  const description = [inboxKindLabel(item.kind), session, `${ago} ago`].filter((p) => p !== "").join(" · ");
  const tooltip = [item.title, item.detail, item.options?.length ? `options: ${item.options.join(" / ")}` : ""]
    .filter((l) => l !== "").join("\n");
  const sessionRef = inboxSessionRef(item);
  if (item.kind === "decision") {
    return {
      id: `inbox:decision:${item.ref}`,
      label: item.title,
      description,
      tooltip,
      icon: inboxIcon(item.kind),
      contextValue: "inbox decision",
      decisionId: item.ref,
      sessionId: sessionRef || undefined,
      command: { command: "loopwright.answerDecision", title: "Answer", args: [item.ref] },
    };
  }
  const flags = ["inbox", item.kind];
  if (item.kind === "review") {
    flags.push("awaitingApproval", "hasDiff", "live");
  } else if (item.kind === "failed") {
    flags.push("retryable", "hasDiff");
  } else if (item.kind === "landing_blocked") {
    flags.push("live");
  }
  return {
    id: `inbox:${item.kind}:${item.ref}`,
    label: item.title,
    description,
    tooltip,
    icon: inboxIcon(item.kind),
    contextValue: flags.join(" "),
    sessionId: sessionRef || undefined,
    command: flags.includes("hasDiff")
      ? { command: "loopwright.openDiff", title: "Open Diff", args: [sessionRef] }
      : undefined,
  };
}

export function inboxTree(snap: Snapshot, nowMs: number): Node[] {
  return snap.inbox.map((i) => inboxNode(i, nowMs));
}

/** The progress digest, newest first. */
export function activityTree(snap: Snapshot): Node[] {
  const lines = snap.activity;
  const nodes: Node[] = [];
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    const time = l.at ? clock(l.at) : "";
    nodes.push({
      id: `activity:${l.seq ?? i}:${i}`,
      label: l.text,
      description: time,
      tooltip: time ? `${time}  ${l.text}` : l.text,
      icon: { id: "pulse" },
      sessionId: l.sessionId,
    });
  }
  return nodes;
}

function clock(at: number): string {
  const d = new Date(at * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** The rows a "pick a session" quick pick offers for a command, most relevant first. */
export function sessionsFor(snap: Snapshot, want: "approve" | "kill" | "retry" | "diff"): SessionRow[] {
  const rows = [...snap.sessions.values()].map((t) => t.row);
  const keep = rows.filter((r) => {
    switch (want) {
      case "approve":
        return r.state === "awaiting_approval";
      case "kill":
        return !TERMINAL_STATES.has(r.state);
      case "retry":
        return RETRYABLE.has(r.state);
      case "diff":
        return r.hasReview ?? HAS_DIFF.has(r.state);
    }
    return false;
  });
  return keep.sort((a, b) => (b.changedAt ?? b.queuedAt ?? 0) - (a.changedAt ?? a.queuedAt ?? 0));
}
