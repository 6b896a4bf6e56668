// Review threads as the editor shows them: where each sits (a file, a side and a
// 0-based line), who said what, and whether it is open, resolved or outdated. Pure data
// from the server's review, so the Comments API code only copies it into VS Code objects.

export type Author = "reviewer" | "human" | "worker" | "manager";

export interface CommentModel {
  readonly author: Author;
  /** The name shown above the comment (the reviewer's name, "you", "worker"). */
  readonly name: string;
  readonly body: string;
  /** Seconds since the epoch, when known. */
  readonly at?: number;
}

export interface ThreadModel {
  /** Stable across rounds: the server's thread id. */
  readonly id: string;
  readonly path: string;
  /** Which document of the diff it sits on: the new side (almost always) or the old. */
  readonly side: "head" | "base";
  /** 0-based, where it is now (re-mapped through each round). */
  readonly line: number;
  readonly comments: readonly CommentModel[];
  readonly resolved: boolean;
  /** Its own lines changed in a later round. */
  readonly outdated: boolean;
}

/** A thread as the server sends it (`ReviewThread` in protocol.ts; lines 1-based). */
export interface WireThread {
  readonly threadId: string;
  readonly path: string;
  readonly side: string;
  readonly line: number;
  readonly outdated: boolean;
  readonly resolved: boolean;
  readonly comments: ReadonlyArray<{ readonly author: string; readonly body: string; readonly at?: number; readonly round?: number }>;
}

const NAMES: Record<Author, string> = { reviewer: "reviewer", human: "you", worker: "worker", manager: "manager" };

/** The server's threads as the editor shows them; `reviewer` names the reviewer agent. */
export function threadModels(threads: readonly WireThread[], reviewer = ""): ThreadModel[] {
  return threads.map((t) => ({
    id: t.threadId,
    path: t.path,
    side: t.side === "base" ? "base" : "head",
    line: Math.max(0, t.line - 1),
    outdated: t.outdated,
    resolved: t.resolved,
    comments: t.comments.map((c) => {
      const author = authorOf(c.author);
      const name = author === "reviewer" && reviewer !== "" ? reviewer : NAMES[author];
      const round = author === "worker" && c.round !== undefined ? ` (round ${c.round})` : "";
      return { author, name: `${name}${round}`, body: c.body, ...(c.at !== undefined ? { at: c.at } : {}) };
    }),
  }));
}

function authorOf(author: string): Author {
  return author === "reviewer" || author === "worker" || author === "manager" ? author : "human";
}

/** The label over a thread: what state it is in, in a word or two. */
export function threadLabel(t: Pick<ThreadModel, "resolved" | "outdated" | "comments">): string {
  const first = t.comments[0];
  const by = first === undefined ? "" : first.author === "reviewer" ? `Reviewer${first.name === "reviewer" ? "" : ` ${first.name}`}` : `Started by ${first.name}`;
  const flags = [t.outdated ? "Outdated" : "", t.resolved ? "Resolved" : ""].filter((f) => f !== "");
  return [by, ...flags].filter((p) => p !== "").join(" · ");
}

/** The contextValue of a thread, for package.json's `commentThread =~ /\bflag\b/` menus. */
export function threadContext(t: Pick<ThreadModel, "resolved" | "outdated">): string {
  return ["loopwrightThread", t.resolved ? "resolved" : "open", t.outdated ? "outdated" : "current"].join(" ");
}

/** How many threads are still open (not resolved), for the review's header. */
export function openCount(threads: readonly ThreadModel[]): number {
  return threads.filter((t) => !t.resolved).length;
}

export function threadsByPath(threads: readonly ThreadModel[]): Map<string, ThreadModel[]> {
  const out = new Map<string, ThreadModel[]>();
  for (const t of threads) {
    const list = out.get(t.path) ?? [];
    list.push(t);
    out.set(t.path, list);
  }
  return out;
}
