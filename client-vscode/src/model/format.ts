// How things read and look: status-bar text, durations, cost, state and health icons.
// Pure: icons are codicon ids and theme-colour ids, turned into ThemeIcons by the views.

export interface IconSpec {
  readonly id: string;
  readonly color?: string;
}

export const TERMINAL_STATES: ReadonlySet<string> = new Set(["landed", "failed", "rejected", "killed", "no_change", "declined"]);
export const ACTIVE_STATES: ReadonlySet<string> = new Set(["running", "waiting", "checking", "reviewing", "landing"]);

/** `N running · M need you`, with a codicon in front. */
export function statusText(running: number, needYou: number): string {
  return `$(sync${running > 0 ? "~spin" : ""}) ${running} running · ${needYou} need you`;
}

export function statusTooltip(running: number, needYou: number): string {
  const you = needYou === 1 ? "1 item needs you" : `${needYou} items need you`;
  return `Loopwright: ${running} session(s) running, ${you}. Click to open the Inbox.`;
}

/** 0s, 42s, 3m05s, 2h07m. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  }
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** `$0.42`, `$0.003`; empty when there is no cost to show. */
export function cost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd) || usd <= 0) {
    return "";
  }
  return usd >= 0.1 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2).replace(/0+$/, "")}`;
}

/** Elapsed time of a row received `sinceReceivedMs` ago: a live session keeps counting. */
export function elapsed(state: string, elapsedSeconds: number, sinceReceivedMs: number): number {
  return TERMINAL_STATES.has(state) || state === "queued" || state === "awaiting_approval"
    ? elapsedSeconds
    : elapsedSeconds + Math.max(0, sinceReceivedMs) / 1000;
}

export function stateLabel(state: string): string {
  return state.replace(/_/g, " ");
}

export function stateIcon(state: string): IconSpec {
  switch (state) {
    case "queued":
      return { id: "clock" };
    case "running":
      return { id: "sync~spin", color: "charts.blue" };
    case "waiting":
      return { id: "question", color: "charts.yellow" };
    case "checking":
      return { id: "beaker", color: "charts.blue" };
    case "reviewing":
      return { id: "eye", color: "charts.blue" };
    case "awaiting_approval":
      return { id: "git-pull-request", color: "charts.orange" };
    case "landing":
      return { id: "rocket", color: "charts.blue" };
    case "landed":
      return { id: "pass-filled", color: "charts.green" };
    case "failed":
      return { id: "error", color: "charts.red" };
    case "rejected":
      return { id: "circle-slash", color: "disabledForeground" };
    case "killed":
      return { id: "debug-stop", color: "disabledForeground" };
    case "no_change":
      return { id: "circle-large-outline", color: "disabledForeground" };
    default:
      return { id: "circle-outline" };
  }
}

/** Health only shows when something is off. */
export function healthIcon(health: string): IconSpec | undefined {
  switch (health) {
    case "stalled":
      return { id: "watch", color: "charts.yellow" };
    case "over_budget":
      return { id: "warning", color: "charts.red" };
    default:
      return undefined;
  }
}

export function healthLabel(health: string): string {
  return health === "ok" || health === "" ? "" : health.replace(/_/g, " ");
}

export function inboxIcon(kind: string): IconSpec {
  switch (kind) {
    case "decision":
      return { id: "question", color: "charts.yellow" };
    case "review":
      return { id: "git-pull-request", color: "charts.orange" };
    case "landing_blocked":
      return { id: "lock", color: "charts.red" };
    case "failed":
      return { id: "error", color: "charts.red" };
    case "declined":
      return { id: "circle-slash" };
    case "channel":
      return { id: "bell-slash", color: "charts.red" };
    default:
      return { id: "bell" };
  }
}

export function inboxKindLabel(kind: string): string {
  switch (kind) {
    case "decision":
      return "needs decision";
    case "review":
      return "needs review";
    case "landing_blocked":
      return "landing blocked";
    case "channel":
      return "push failing";
    default:
      return kind.replace(/_/g, " ");
  }
}
