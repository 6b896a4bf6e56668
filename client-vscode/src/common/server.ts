// Starts `loopwright serve` over stdio with vscode-languageclient, keeps it running
// (restart after a crash, tell the user once) and carries requests and notifications.

import { EventEmitter, type Disposable, type Event, type WorkspaceFolder } from "vscode";
import {
  CancellationToken,
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State as ClientState,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
} from "vscode-languageclient/node";
import { REVIEW_SCHEME } from "../protocol";
import { RestartPolicy } from "../model/restartPolicy";
import {
  describeCommand,
  expandVariables,
  parseCommandSetting,
  resolveServerCommand,
  type ServerCommand,
} from "../model/serverCommand";
import { errorText, logChannel, traceError, traceInfo } from "./log";
import { interpreterFromPythonExtension } from "./python";
import { getSettings } from "./settings";
import { showErrorMessage, showWarningMessage } from "./vscodeapi";

/** What the server may ask the editor to do that the extension handles itself. */
export interface ServerHooks {
  /** `window/showDocument` for a review URI: open the diff instead of the bare document. */
  showReviewDocument?(uri: string): Promise<boolean>;
  /** Runs around every server command (code lenses included), e.g. to ask for a note. */
  executeCommand?: Middleware["executeCommand"];
  /** Makes the code lenses of review documents (review/hunkLenses.ts). */
  codeLenses?: Pick<Middleware, "provideCodeLenses" | "resolveCodeLens">;
}

type Handler = (params: any) => void;

const STARTING_WAIT_MS = 30_000;

export class LoopwrightServer implements Disposable {
  private client: LanguageClient | undefined;
  private readonly policy = new RestartPolicy();
  private readonly notificationHandlers = new Map<string, Handler>();
  private readonly readyEmitter = new EventEmitter<void>();
  private readonly stoppedEmitter = new EventEmitter<string>();
  private command: ServerCommand | undefined;
  private starting: Promise<void> | undefined;

  /** Fires each time a server is up and initialized: at start and after every restart. */
  readonly onReady: Event<void> = this.readyEmitter.event;
  /** Fires when the server is down and will not come back by itself. */
  readonly onStopped: Event<string> = this.stoppedEmitter.event;

  constructor(
    private readonly folder: WorkspaceFolder,
    private readonly hooks: ServerHooks = {},
  ) {}

  get running(): boolean {
    return this.client?.state === ClientState.Running;
  }

  /** Register before or after start; kept across restarts. */
  onNotification(method: string, handler: Handler): void {
    this.notificationHandlers.set(method, handler);
    this.client?.onNotification(method, handler);
  }

  /** Start the server (once); a second call while starting waits for the first. */
  start(): Promise<void> {
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.client !== undefined) {
      return;
    }
    const settings = getSettings(this.folder);
    const configured = parseCommandSetting(settings.serverCommand).length > 0 || settings.python.trim() !== "";
    const extensionPython = configured ? undefined : await interpreterFromPythonExtension(this.folder.uri);
    this.command = expandVariables(
      resolveServerCommand({ serverCommand: settings.serverCommand, python: settings.python, extensionPython }),
      this.folder.uri.fsPath,
    );
    traceInfo(`Starting the server (${this.command.source}): ${describeCommand(this.command)} in ${this.folder.uri.fsPath}`);

    const serverOptions: ServerOptions = {
      command: this.command.command,
      args: [...this.command.args],
      options: { cwd: this.folder.uri.fsPath, env: { ...process.env, PYTHONUNBUFFERED: "1" } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: REVIEW_SCHEME }],
      workspaceFolder: this.folder,
      outputChannel: logChannel(),
      traceOutputChannel: logChannel(),
      revealOutputChannelOn: RevealOutputChannelOn.Never, // we tell the user ourselves
      errorHandler: {
        error: (error, _message, count) => {
          traceError("Server connection error", error);
          return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
        },
        closed: () => this.onClosed(),
      },
      middleware: this.middleware(),
      initializationOptions: {},
    };
    const client = new LanguageClient("loopwright", "Loopwright", serverOptions, clientOptions);
    this.client = client;
    for (const [method, handler] of this.notificationHandlers) {
      client.onNotification(method, handler);
    }
    client.onDidChangeState((e) => {
      if (e.newState === ClientState.Running) {
        traceInfo("Server is running");
        this.readyEmitter.fire();
      }
    });
    try {
      await client.start();
    } catch (e) {
      const why = `The Loopwright server did not start (${describeCommand(this.command)}): ${errorText(e)}`;
      traceError(why);
      this.client = undefined;
      await client.dispose().catch(() => undefined);
      this.stoppedEmitter.fire(why);
      void this.offerHelp(why);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      try {
        await client.stop(5000);
      } catch (e) {
        traceError("Stopping the server failed", e);
      }
      await client.dispose().catch(() => undefined);
    }
  }

  /** A restart the user asked for (command, settings change): forgets earlier crashes. */
  async restart(): Promise<void> {
    this.policy.reset();
    await this.stop();
    await this.start();
  }

  /** Send a request; one made while the server is (re)starting waits for it a while. */
  async request<R>(method: string, params: unknown): Promise<R> {
    if (this.starting !== undefined) {
      await Promise.race([this.starting, new Promise((r) => setTimeout(r, STARTING_WAIT_MS))]);
    } else if (this.client !== undefined && this.client.state === ClientState.Starting) {
      await this.whenRunning(STARTING_WAIT_MS);
    }
    const client = this.client;
    if (client === undefined || client.state !== ClientState.Running) {
      throw new Error("the Loopwright server is not running (see Loopwright: Show Log)");
    }
    return client.sendRequest<R>(method, params);
  }

  private whenRunning(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const sub = this.client?.onDidChangeState((e) => {
        if (e.newState !== ClientState.Starting) {
          done();
        }
      });
      function done(): void {
        clearTimeout(timer);
        sub?.dispose();
        resolve();
      }
    });
  }

  dispose(): void {
    void this.stop();
    this.readyEmitter.dispose();
    this.stoppedEmitter.dispose();
  }

  private onClosed() {
    const verdict = this.policy.onCrash(Date.now());
    traceError(verdict.message);
    if (verdict.notify) {
      if (verdict.restart) {
        void showWarningMessage(verdict.message, "Show Log").then((pick) => pick && logChannel().show());
      } else {
        this.stoppedEmitter.fire(verdict.message);
        void this.offerHelp(verdict.message);
      }
    }
    return { action: verdict.restart ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
  }

  private async offerHelp(message: string): Promise<void> {
    const pick = await showErrorMessage(message, "Show Log", "Restart Server");
    if (pick === "Show Log") {
      logChannel().show();
    } else if (pick === "Restart Server") {
      await this.restart();
    }
  }

  private middleware(): Middleware {
    const showReview = this.hooks.showReviewDocument;
    return {
      executeCommand: this.hooks.executeCommand,
      ...this.hooks.codeLenses,
      window: {
        showDocument: async (params, next) => {
          if (showReview && params.uri.startsWith(`${REVIEW_SCHEME}:`)) {
            return { success: await showReview(params.uri) };
          }
          const result = await next(params, CancellationToken.None);
          return "success" in result ? result : { success: false };
        },
      },
    };
  }
}
