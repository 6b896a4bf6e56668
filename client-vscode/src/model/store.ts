// What the extension knows of the loop: the `loopwright/state` snapshot with every
// `$/loopwright/changed` delta applied after it. Pure: no `vscode`, no I/O.

import type { ActivityLine, Changed, InboxItem, SessionRow, State, TaskRow } from "../protocol";

/** A `$/loopwright/changed` delta; the store applies what it carries and keeps the rest. */
export type Delta = Partial<Changed> & Pick<Changed, "seq">;

export const ACTIVITY_LIMIT = 200;

export interface Snapshot {
  /** -1 until the first `loopwright/state` arrives. */
  readonly seq: number;
  readonly sessions: ReadonlyMap<string, TimedRow>;
  /** Every task by id (split tasks and their sub-tasks among them). */
  readonly tasks: ReadonlyMap<string, TaskRow>;
  readonly inbox: readonly InboxItem[];
  readonly running: number;
  readonly needYou: number;
  readonly activity: readonly ActivityLine[];
}

/** A session row and the local time (ms) it was received, so elapsed time can keep counting. */
export interface TimedRow {
  readonly row: SessionRow;
  readonly receivedAt: number;
}

export class LoopStore {
  private seq = -1;
  private sessions = new Map<string, TimedRow>();
  private tasks = new Map<string, TaskRow>();
  private inbox: InboxItem[] = [];
  private running = 0;
  private needYou = 0;
  private activity: ActivityLine[] = [];
  private listeners: Array<() => void> = [];

  /** Replace everything with a fresh `loopwright/state` result. */
  reset(state: State, now: number): void {
    this.seq = state.seq ?? 0;
    this.sessions = new Map(state.sessions.map((r) => [r.sessionId, { row: r, receivedAt: now }]));
    this.tasks = new Map((state.tasks ?? []).map((t) => [t.taskId, t]));
    this.inbox = sortInbox(state.inbox ?? []);
    this.running = state.running ?? 0;
    this.needYou = state.needYou ?? this.inbox.length;
    // `loopwright/state` carries no digest: keep the lines heard so far (e.g. across a restart).
    this.fire();
  }

  /**
   * Apply one `$/loopwright/changed` delta. A delta older than what we hold is
   * ignored (it raced a fresh `loopwright/state`); returns whether anything applied.
   */
  apply(delta: Delta, now: number): boolean {
    if (delta.seq !== undefined && delta.seq <= this.seq) {
      return false;
    }
    if (delta.seq !== undefined) {
      this.seq = delta.seq;
    }
    for (const row of delta.sessions ?? []) {
      this.sessions.set(row.sessionId, { row, receivedAt: now });
    }
    for (const t of delta.tasks ?? []) {
      this.tasks.set(t.taskId, t);
    }
    for (const id of delta.removedSessions ?? []) {
      this.sessions.delete(id);
    }
    if (delta.inbox !== undefined) {
      this.inbox = sortInbox(delta.inbox);
    }
    if (delta.running !== undefined) {
      this.running = delta.running;
    }
    if (delta.needYou !== undefined) {
      this.needYou = delta.needYou;
    } else if (delta.inbox !== undefined) {
      this.needYou = this.inbox.length;
    }
    if (delta.activity !== undefined && delta.activity.length > 0) {
      this.activity = this.activity.concat(delta.activity).slice(-ACTIVITY_LIMIT);
    }
    this.fire();
    return true;
  }

  /** Whether a `loopwright/state` has arrived yet. */
  get loaded(): boolean {
    return this.seq >= 0;
  }

  snapshot(): Snapshot {
    return {
      seq: this.seq,
      sessions: this.sessions,
      tasks: this.tasks,
      inbox: this.inbox,
      running: this.running,
      needYou: this.needYou,
      activity: this.activity,
    };
  }

  /** Find a session by id, unique id prefix or name. */
  findSession(ref: string): SessionRow | undefined {
    const exact = this.sessions.get(ref);
    if (exact) {
      return exact.row;
    }
    const rows = [...this.sessions.values()].map((t) => t.row);
    const byName = rows.find((r) => r.name === ref);
    if (byName) {
      return byName;
    }
    const prefixed = rows.filter((r) => r.sessionId.startsWith(ref));
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.push(listener);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  }

  private fire(): void {
    for (const l of this.listeners) {
      l();
    }
  }
}

export function sortInbox(items: readonly InboxItem[]): InboxItem[] {
  return [...items].sort((a, b) => a.since - b.since);
}
