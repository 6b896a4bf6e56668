// The wire shapes of the Loopwright protocol (docs/protocol.md), as the extension reads
// them. Pure types and method names: no `vscode` import, so tests can use them.

export const Methods = {
  state: "loopwright/state",
  dispatch: "loopwright/dispatch",
  answer: "loopwright/answer",
  approve: "loopwright/approve",
  requestChanges: "loopwright/requestChanges",
  reject: "loopwright/reject",
  kill: "loopwright/kill",
  retry: "loopwright/retry",
  hunk: "loopwright/hunk",
  review: "loopwright/review",
  reviewDocument: "loopwright/reviewDocument",
  dashboard: "loopwright/dashboard",
  changed: "$/loopwright/changed",
  /** The user picked "Open" / "Open diff" on one of the server's prompts. */
  reveal: "$/loopwright/reveal",
} as const;

export interface RevealParams {
  kind: "decision" | "review" | string;
  ref: string;
  sessionId: string;
}

/** `loopwright/dashboard`: the report page, one self-contained HTML document. */
export interface DashboardResult {
  html: string;
}

export const REVIEW_SCHEME = "loopwright-review";

export interface SessionRow {
  sessionId: string;
  name: string;
  taskId: string;
  title: string;
  group: string;
  state: string;
  health: string;
  elapsedSeconds: number;
  backend?: string;
  branch?: string;
  attempt?: number;
  lastMessage?: string;
  labels?: string[];
  queuedAt?: number;
  startedAt?: number | null;
  endedAt?: number | null;
  changedAt?: number;
  needsYou?: boolean;
  hasReview?: boolean;
  added?: number;
  removed?: number;
  failure?: string;
  landedCommit?: string;
  /** Shown when the server reports it. */
  costUsd?: number | null;
}

export type InboxKind = "decision" | "review" | "landing_blocked" | "failed" | "declined" | string;

export interface InboxItem {
  kind: InboxKind;
  ref: string;
  title: string;
  detail: string;
  since: number;
  session?: string;
  sessionId?: string;
  sessionName?: string;
  options?: string[];
  actions?: string[];
  default?: string;
}

export interface ActivityLine {
  seq?: number;
  at?: number;
  text: string;
  session?: string;
  sessionId?: string;
}

export interface TaskRow {
  taskId: string;
  title: string;
  [key: string]: unknown;
}

export interface State {
  seq: number;
  sessions: SessionRow[];
  inbox: InboxItem[];
  running: number;
  needYou: number;
  activity?: Array<ActivityLine | string>;
  tasks?: TaskRow[];
  decisions?: DecisionRow[];
  [key: string]: unknown;
}

export interface Changed {
  seq: number;
  tasks?: TaskRow[];
  sessions?: SessionRow[];
  removedSessions?: string[];
  inbox?: InboxItem[];
  running?: number;
  needYou?: number;
  activity?: Array<ActivityLine | string>;
}

export interface DecisionRow {
  decisionId: string;
  question: string;
  options: string[];
  default?: string;
  blocking?: boolean;
  sessionId?: string;
  session?: string;
  askedAt?: number;
}

export interface ReviewFile {
  path: string;
  baseUri: string;
  headUri: string;
  hunks?: string[];
}

export interface ReviewHunk {
  hunkId: string;
  path: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  header?: string;
  added?: number;
  removed?: number;
  verdict?: string | null;
  comments?: string[];
}

export interface Review {
  sessionId: string;
  name: string;
  title: string;
  state: string;
  baseCommit?: string;
  headCommit?: string;
  added?: number;
  removed?: number;
  files: ReviewFile[];
  hunks?: ReviewHunk[];
  checks?: { command: string; passed: boolean; exitCode: number; seconds: number; timedOut: boolean } | null;
  gateReasons?: string[];
  notes?: string[];
  [key: string]: unknown;
}

export type HunkVerdict = "accept" | "reject" | "comment";

export interface DispatchParams {
  title: string;
  body?: string;
  labels?: string[];
  priority?: number;
  backend?: string;
  context?: SelectionContext;
}

/** The editor selection sent with a dispatched task; lines are 0-based, as in LSP. */
export interface SelectionContext {
  text: string;
  uri?: string;
  startLine?: number;
  endLine?: number;
}
