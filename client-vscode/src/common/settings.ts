// The extension's settings, read once per use from the `loopwright` section.

import type { ConfigurationChangeEvent, WorkspaceFolder } from "vscode";
import { getConfiguration } from "./vscodeapi";

export interface Settings {
  /** Interpreter path; the server runs as `<python> -m loopwright serve`. */
  readonly python: string;
  /** The full server command (array or string); wins over everything else. */
  readonly serverCommand: unknown;
  readonly trace: "off" | "messages" | "verbose";
}

export function getSettings(folder?: WorkspaceFolder): Settings {
  const config = getConfiguration("loopwright", folder?.uri);
  return {
    python: config.get<string>("python", ""),
    serverCommand: config.get<unknown>("serverCommand", []),
    trace: config.get<"off" | "messages" | "verbose">("trace.server", "off"),
  };
}

/** Settings whose change means the server must start again with a new command. */
export function changesServerCommand(e: ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration("loopwright.python") || e.affectsConfiguration("loopwright.serverCommand");
}
