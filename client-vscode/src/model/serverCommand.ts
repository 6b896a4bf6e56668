// Which command starts `loopwright serve`. Pure, so the precedence is unit-tested:
// loopwright.serverCommand > loopwright.python > the Python extension's interpreter > python3.

export interface ServerCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Where the choice came from, for the log. */
  readonly source: "loopwright.serverCommand" | "loopwright.python" | "Python extension" | "PATH";
}

export interface CommandInputs {
  readonly serverCommand: unknown;
  readonly python: unknown;
  readonly extensionPython?: string;
}

/** A setting that is an array of strings, or one string split on whitespace. Empty: none. */
export function parseCommandSetting(value: unknown): string[] {
  if (typeof value === "string") {
    return value.trim() === "" ? [] : value.trim().split(/\s+/);
  }
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === "string" && v.trim() !== "");
  }
  return [];
}

export function resolveServerCommand(inputs: CommandInputs): ServerCommand {
  const explicit = parseCommandSetting(inputs.serverCommand);
  if (explicit.length > 0) {
    return { command: explicit[0], args: explicit.slice(1), source: "loopwright.serverCommand" };
  }
  const serve = ["-m", "loopwright", "serve"];
  if (typeof inputs.python === "string" && inputs.python.trim() !== "") {
    return { command: inputs.python.trim(), args: serve, source: "loopwright.python" };
  }
  if (inputs.extensionPython) {
    return { command: inputs.extensionPython, args: serve, source: "Python extension" };
  }
  return { command: "python3", args: serve, source: "PATH" };
}

/** `${workspaceFolder}` in a setting means the folder the server runs for. */
export function expandVariables(cmd: ServerCommand, workspaceFolder: string): ServerCommand {
  const expand = (s: string): string => s.split("${workspaceFolder}").join(workspaceFolder);
  return { ...cmd, command: expand(cmd.command), args: cmd.args.map(expand) };
}

export function describeCommand(cmd: ServerCommand): string {
  return [cmd.command, ...cmd.args].map((p) => (/\s/.test(p) ? JSON.stringify(p) : p)).join(" ");
}
