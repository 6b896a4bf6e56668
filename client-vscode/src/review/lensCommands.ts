// The server's code-lens commands arrive as `loopwright.*` executeCommand calls. Some need
// words from the user first: "Request changes" a note, "Reject" an optional reason,
// a hunk's "Comment" its text. This middleware asks, fills the argument in, and reports
// the outcome (a short status-bar line, or the server's error message).

import type { Middleware } from "vscode-languageclient/node";
import { lensArg } from "../model/args";
import { errorText, traceError, traceInfo } from "../common/log";
import { setStatusBarMessage, showErrorMessage } from "../common/vscodeapi";
import { askComment, askNote, askWhy } from "../ask";

type ExecuteCommand = NonNullable<Middleware["executeCommand"]>;

/** Fill in what a lens command lacks; undefined when the user cancelled. */
export async function completeLensArgs(
  command: string,
  args: unknown[],
  nameOf: (session: string) => string = (s) => s,
): Promise<unknown[] | undefined> {
  const arg = lensArg(args);
  const name = typeof arg.session === "string" ? nameOf(arg.session) : "this change";
  if (command === "loopwright.requestChanges" && typeof arg.note !== "string") {
    const note = await askNote(name);
    return note === undefined ? undefined : [{ ...arg, note }];
  }
  if (command === "loopwright.reject" && typeof arg.why !== "string" && arg.hunk === undefined) {
    const why = await askWhy(name);
    return why === undefined ? undefined : [{ ...arg, why }];
  }
  if (command === "loopwright.hunk" && arg.verdict === "comment" && typeof arg.comment !== "string") {
    const comment = await askComment();
    return comment === undefined ? undefined : [{ ...arg, comment }];
  }
  return args;
}

const DONE: Record<string, string> = {
  "loopwright.approve": "approved: it lands once the checks pass",
  "loopwright.requestChanges": "sent back to the worker with your note",
  "loopwright.reject": "rejected",
  "loopwright.hunk": "hunk judged",
};

/** The middleware; `nameOf` turns a session id into the name the user knows. */
export const lensCommandMiddleware = (nameOf: (session: string) => string): ExecuteCommand => async (command, args, next) => {
  const completed = await completeLensArgs(command, args, nameOf);
  if (completed === undefined) {
    return undefined;
  }
  try {
    const result = await next(command, completed);
    const done = DONE[command];
    if (done !== undefined) {
      const arg = lensArg(completed);
      const what = command === "loopwright.hunk" ? `hunk ${String(arg.hunk)} ${String(arg.verdict)}ed` : done;
      traceInfo(`Loopwright: ${what}`);
      setStatusBarMessage(`$(check) Loopwright: ${what}`, 5000);
    }
    return result;
  } catch (e) {
    traceError(`${command} failed`, e);
    void showErrorMessage(`Loopwright: ${errorText(e)}`);
    return undefined;
  }
};
