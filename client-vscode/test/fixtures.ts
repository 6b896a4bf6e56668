// Rows shaped like the server's (server/loopwright/lsp/wire.py), for the tests.

import type { InboxItem, SessionRow, State } from "../src/protocol";

export function row(over: Partial<SessionRow> & { sessionId: string }): SessionRow {
  return {
    name: `${over.sessionId}-name`,
    taskId: "t-1",
    title: "Add a greeting",
    group: "t-1",
    state: "running",
    health: "ok",
    elapsedSeconds: 10,
    queuedAt: 1000,
    hasReview: false,
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
    ...over,
  };
}

export function state(over: Partial<State> = {}): State {
  return { seq: 10, sessions: [], inbox: [], running: 0, needYou: 0, ...over };
}
