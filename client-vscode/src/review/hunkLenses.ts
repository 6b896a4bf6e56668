// Code lenses on review documents, made here from `loopwright/hunkLenses` instead of the
// language client's `textDocument/codeLens` + `codeLens/resolve`: three flat lists parse
// at about the cost of one object, where the standard answer is an object per hunk
// (2,000 hunks in one file: about 2x an empty round trip against 4x, bench/lsp_codelens.py).
// The server's `workspace/codeLens/refresh` still reaches them: it makes VS Code ask the
// language client's provider again, which this middleware answers.

import { CodeLens, Range } from "vscode";
import type { Middleware } from "vscode-languageclient/node";
import type { HunkLensesResult } from "../protocol";
import { hunkLensModels, judgeCommand, type HunkLensModel } from "../model/hunkLenses";
import { parseReviewUri } from "../model/reviewUri";
import { errorText, traceWarn } from "../common/log";

export type AskHunkLenses = (session: string, path: string) => Promise<HunkLensesResult>;

class HunkLens extends CodeLens {
  constructor(readonly model: HunkLensModel) {
    super(new Range(model.line, 0, model.line, 0));
  }
}

export function hunkLensMiddleware(ask: AskHunkLenses): Pick<Middleware, "provideCodeLenses" | "resolveCodeLens"> {
  return {
    provideCodeLenses: async (document, token, next) => {
      const ref = parseReviewUri(document.uri.toString());
      if (ref === undefined) {
        return next(document, token);
      }
      if (ref.side !== "head") {
        return []; // lenses are on the head side only
      }
      try {
        return hunkLensModels(await ask(ref.sessionId, ref.path)).map((m) => new HunkLens(m));
      } catch (e) {
        traceWarn(`The code lenses of ${ref.path} (${ref.sessionId}) failed: ${errorText(e)}`);
        return [];
      }
    },
    resolveCodeLens: (lens, token, next) => {
      if (lens instanceof HunkLens) {
        lens.command = judgeCommand(lens.model);
        return lens;
      }
      return next(lens, token);
    },
  };
}
