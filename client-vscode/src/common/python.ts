// The interpreter the Python extension (ms-python.python) has selected, when that
// extension is installed. It is optional: without it the caller falls back.

import type { Disposable, Event, Uri } from "vscode";
import { traceInfo, traceWarn, errorText } from "./log";
import { getExtension } from "./vscodeapi";

// The small part of the Python extension's API (@vscode/python-extension) used here.
interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}
interface ResolvedEnvironment {
  readonly executable: { readonly uri: Uri | undefined };
}
interface PythonApi {
  readonly environments: {
    getActiveEnvironmentPath(resource?: Uri): EnvironmentPath;
    resolveEnvironment(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    readonly onDidChangeActiveEnvironmentPath: Event<unknown>;
  };
}

const PYTHON_EXTENSION = "ms-python.python";

async function pythonApi(): Promise<PythonApi | undefined> {
  const ext = getExtension<PythonApi>(PYTHON_EXTENSION);
  if (ext === undefined) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    return api?.environments ? api : undefined;
  } catch (e) {
    traceWarn(`The Python extension did not activate: ${errorText(e)}`);
    return undefined;
  }
}

/** The active interpreter's executable for `resource`, or undefined. */
export async function interpreterFromPythonExtension(resource?: Uri): Promise<string | undefined> {
  const api = await pythonApi();
  if (api === undefined) {
    return undefined;
  }
  try {
    const active = api.environments.getActiveEnvironmentPath(resource);
    const env = await api.environments.resolveEnvironment(active);
    const exe = env?.executable.uri?.fsPath;
    if (exe) {
      traceInfo(`Python extension's interpreter: ${exe}`);
    }
    return exe;
  } catch (e) {
    traceWarn(`Could not ask the Python extension for its interpreter: ${errorText(e)}`);
    return undefined;
  }
}

/** Calls `listener` when the user picks another interpreter in the Python extension. */
export async function onDidChangeInterpreter(listener: () => void): Promise<Disposable | undefined> {
  const api = await pythonApi();
  return api?.environments.onDidChangeActiveEnvironmentPath(() => listener());
}
