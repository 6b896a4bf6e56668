// Rows shaped like the server's (server/loopwright/lsp/wire.py), for the tests.

import type { InboxItem, SessionRow, State, TaskRow } from "../src/protocol";

export function row(over: Partial<SessionRow> & { sessionId: string }): SessionRow {
  return {
    name: `${over.sessionId}-name`,
    taskId: "t-1",
    title: "Add a greeting",
    group: "t-1",
    state: "running",
    health: "ok",
    labels: [],
    backend: "script",
    branch: `loopwright/${over.sessionId}`,
    attempt: 1,
    lastMessage: "",
    queuedAt: 1000,
    startedAt: null,
    endedAt: null,
    changedAt: 1000,
    elapsedSeconds: 10,
    needsYou: false,
    hasReview: false,
    added: 0,
    removed: 0,
    failure: "",
    landedCommit: "",
    tokens: 0,
    costUsd: 0,
    parent: "",
    dependsOn: [],
    steersPending: 0,
    node: "",
    ...over,
  };
}

export function inboxItem(over: Partial<InboxItem> & { ref: string }): InboxItem {
  return {
    kind: "decision",
    title: "Keep the old entry point?",
    detail: "working on: 'no'",
    since: 1000,
    sessionId: "s-1",
    sessionName: "s-1-name",
    options: ["yes", "no"],
    actions: ["answer"],
    preview: null,
    ...over,
  };
}

export function state(over: Partial<State> = {}): State {
  return {
    seq: 10, root: "/repo", hostedManager: true, managerPid: 1, tasks: [], sessions: [], inbox: [],
    running: 0, needYou: 0, ...over,
  };
}

export function task(over: Partial<TaskRow> & { taskId: string }): TaskRow {
  return {
    title: `Task ${over.taskId}`, source: "cli", labels: [], priority: 0, verdict: "accepted",
    verdictReason: "", filedAt: 1000, sessions: [], triageRetrying: "",
    parent: "", children: [], dependsOn: [], waitingOn: [], done: false, openReason: "",
    ...over,
  };
}
