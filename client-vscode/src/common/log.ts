// The one place the extension logs: a LogOutputChannel named "Loopwright". The language
// client writes the server's window/logMessage lines (and the trace) to the same channel.

import type { LogOutputChannel } from "vscode";
import { createLogOutputChannel } from "./vscodeapi";

let channel: LogOutputChannel | undefined;

export function logChannel(): LogOutputChannel {
  channel ??= createLogOutputChannel("Loopwright");
  return channel;
}

export function traceInfo(message: string): void {
  logChannel().info(message);
}

export function traceWarn(message: string): void {
  logChannel().warn(message);
}

export function traceError(message: string, error?: unknown): void {
  logChannel().error(error === undefined ? message : `${message}: ${errorText(error)}`);
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  if (typeof error === "object" && error !== null && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
