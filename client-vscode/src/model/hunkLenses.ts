// The lenses of one review document from `loopwright/hunkLenses` (flat lists: each hunk's
// line and id, the verdicts so far, a title per verdict): one lens per hunk, resolved
// here rather than by a `codeLens/resolve` round trip. Pure, so it is unit-tested
// without VS Code.

import type { HunkLensesResult } from "../protocol";

/** The client command a hunk lens runs: pick Accept, Reject or Comment, send `loopwright/hunk`. */
export const JUDGE_HUNK = "loopwright.judgeHunk";

export interface HunkLensModel {
  /** 0-based, as LSP positions are */
  readonly line: number;
  readonly session: string;
  readonly hunk: string;
  /** the hunk's verdict so far, or null */
  readonly verdict: string | null;
  readonly title: string;
}

export interface LensCommand {
  title: string;
  command: string;
  arguments: [{ session: string; hunk: string; verdict: string | null }];
}

export function hunkLensModels(r: HunkLensesResult): HunkLensModel[] {
  const open = r.titles[""] ?? "Accept · Reject · Comment";
  const count = Math.min(r.lines.length, r.hunks.length);
  const out: HunkLensModel[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const hunk = r.hunks[i];
    const verdict = r.judged[hunk] ?? null;
    out[i] = { line: r.lines[i], session: r.sessionId, hunk, verdict, title: (verdict !== null ? r.titles[verdict] : undefined) ?? open };
  }
  return out;
}

/** The command a resolved hunk lens shows: its verdict in the title, `loopwright.judgeHunk`. */
export function judgeCommand(m: HunkLensModel): LensCommand {
  return { title: m.title, command: JUDGE_HUNK, arguments: [{ session: m.session, hunk: m.hunk, verdict: m.verdict }] };
}
