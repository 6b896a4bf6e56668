// The questions commands and code lenses ask: a task to dispatch, an answer, a note,
// a reason, a comment. Each returns undefined when the user cancels.

import type { QuickPickItem } from "vscode";
import type { DispatchParams, InboxItem, SelectionContext } from "./protocol";
import { activeTextEditor, showInputBox, showQuickPick } from "./common/vscodeapi";

export async function askDispatch(arg?: Partial<DispatchParams>): Promise<DispatchParams | undefined> {
  const title = arg?.title ?? await showInputBox({
    title: "Loopwright: Dispatch Task",
    prompt: "What should be done? (the task's title)",
    placeHolder: "e.g. Add a --verbose flag to the CLI",
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === "" ? "A task needs a title." : undefined),
  });
  if (title === undefined) {
    return undefined;
  }
  let body = arg?.body ?? await showInputBox({
    title: `Loopwright: Dispatch Task — ${title}`,
    prompt: "Details for the worker (optional; Enter to skip). Select text in an editor first to send it along.",
    placeHolder: "Body",
    ignoreFocusOut: true,
  });
  if (body === undefined) {
    return undefined;
  }
  let context = arg?.context;
  const selection = arg === undefined || arg.title === undefined ? currentSelection() : undefined;
  if (selection !== undefined) {
    const where = `${selection.uri?.split("/").pop() ?? "editor"}:${(selection.startLine ?? 0) + 1}-${(selection.endLine ?? 0) + 1}`;
    const items: Array<QuickPickItem & { use: "context" | "body" | "none" }> = [
      { label: "$(references) Attach as context", description: where, detail: "The worker sees the selected lines and where they are.", use: "context" },
      ...(body.trim() === ""
        ? [{ label: "$(note) Use as the task body", description: where, detail: "The selected text is the task's body (e.g. a loopwright-script block).", use: "body" as const }]
        : []),
      { label: "$(circle-slash) Leave it out", use: "none" },
    ];
    const pick = await showQuickPick(items, { title: "The editor selection", placeHolder: "Send the selected text with the task?", ignoreFocusOut: true });
    if (pick === undefined) {
      return undefined;
    }
    if (pick.use === "context") {
      context = selection;
    } else if (pick.use === "body") {
      body = selection.text;
    }
  }
  return { title: title.trim(), body, ...(context ? { context } : {}) };
}

function currentSelection(): SelectionContext | undefined {
  const editor = activeTextEditor();
  if (editor === undefined || editor.selection.isEmpty) {
    return undefined;
  }
  const sel = editor.selection;
  return {
    text: editor.document.getText(sel),
    uri: editor.document.uri.toString(),
    startLine: sel.start.line,
    endLine: sel.end.line,
  };
}

export async function askAnswer(item: InboxItem | undefined): Promise<string | undefined> {
  const options = item?.options ?? [];
  if (options.length > 0) {
    const pick = await showQuickPick(options.map((o) => ({ label: o })), {
      title: item?.title,
      placeHolder: "Your answer",
      ignoreFocusOut: true,
    });
    return pick?.label;
  }
  return showInputBox({
    title: item?.title ?? "Answer",
    prompt: item?.detail ?? "Your answer",
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === "" ? "Type an answer." : undefined),
  });
}

export function askNote(name: string): Thenable<string | undefined> {
  return showInputBox({
    title: `Loopwright: Request changes — ${name}`,
    prompt: "What should change? The note goes back to the worker as its next instruction.",
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === "" ? "Say what to change." : undefined),
  });
}

export function askWhy(name: string): Thenable<string | undefined> {
  return showInputBox({
    title: `Loopwright: Reject — ${name}`,
    prompt: "Why? (optional; kept in the log). Enter to reject, Escape to cancel.",
    ignoreFocusOut: true,
  });
}

export function askComment(): Thenable<string | undefined> {
  return showInputBox({
    title: "Loopwright: Comment on this hunk",
    prompt: "Your comment goes back to the worker with the review.",
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === "" ? "Type a comment." : undefined),
  });
}
