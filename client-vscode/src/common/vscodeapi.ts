// Thin wrappers over the VS Code calls the extension makes, so the rest of the code
// names what it needs and tests can fake it.

import {
  ViewColumn,
  commands,
  extensions,
  window,
  workspace,
  type ConfigurationScope,
  type Disposable,
  type Extension,
  type InputBoxOptions,
  type LogOutputChannel,
  type QuickPickItem,
  type QuickPickOptions,
  type StatusBarAlignment,
  type StatusBarItem,
  type Tab,
  type TextDocumentContentProvider,
  type TreeDataProvider,
  type TreeView,
  type WebviewPanel,
  type WebviewViewProvider,
  type WebviewPanelOptions,
  type WebviewOptions,
  type WorkspaceConfiguration,
  type WorkspaceFolder,
} from "vscode";

export function createLogOutputChannel(name: string): LogOutputChannel {
  return window.createOutputChannel(name, { log: true });
}

export function registerCommand(id: string, run: (...args: any[]) => unknown): Disposable {
  return commands.registerCommand(id, run);
}

export function executeCommand<T = unknown>(id: string, ...args: unknown[]): Thenable<T> {
  return commands.executeCommand<T>(id, ...args);
}

export function getConfiguration(section: string, scope?: ConfigurationScope): WorkspaceConfiguration {
  return workspace.getConfiguration(section, scope);
}

export function onDidChangeConfiguration(
  listener: Parameters<typeof workspace.onDidChangeConfiguration>[0],
): Disposable {
  return workspace.onDidChangeConfiguration(listener);
}

export function workspaceFolders(): readonly WorkspaceFolder[] {
  return workspace.workspaceFolders ?? [];
}

export function getExtension<T>(id: string): Extension<T> | undefined {
  return extensions.getExtension<T>(id);
}

export function createStatusBarItem(id: string, alignment: StatusBarAlignment, priority: number): StatusBarItem {
  return window.createStatusBarItem(id, alignment, priority);
}

export function createTreeView<T>(id: string, provider: TreeDataProvider<T>): TreeView<T> {
  return window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: false });
}

export function registerTextDocumentContentProvider(scheme: string, provider: TextDocumentContentProvider): Disposable {
  return workspace.registerTextDocumentContentProvider(scheme, provider);
}

export function showQuickPick<T extends QuickPickItem>(items: readonly T[], options: QuickPickOptions): Thenable<T | undefined> {
  return window.showQuickPick(items, options);
}

export function showInputBox(options: InputBoxOptions): Thenable<string | undefined> {
  return window.showInputBox(options);
}

export function showInformationMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return window.showInformationMessage(message, ...items);
}

export function showWarningMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return window.showWarningMessage(message, ...items);
}

export function confirm(message: string, detail: string, action: string): Thenable<boolean> {
  return window.showWarningMessage(message, { modal: true, detail }, action).then((pick) => pick === action);
}

export function setStatusBarMessage(text: string, timeoutMs: number): Disposable {
  return window.setStatusBarMessage(text, timeoutMs);
}

export function showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return window.showErrorMessage(message, ...items);
}

/** A webview panel in the active editor group. */
export function createWebviewPanel(
  viewType: string,
  title: string,
  options: WebviewPanelOptions & WebviewOptions,
): WebviewPanel {
  return window.createWebviewPanel(viewType, title, ViewColumn.Active, options);
}

export function activeTextEditor() {
  return window.activeTextEditor;
}

export type { StatusBarAlignment };

/** A webview in a sidebar view (`"type": "webview"` in package.json), kept while hidden. */
export function registerWebviewView(id: string, provider: WebviewViewProvider): Disposable {
  return window.registerWebviewViewProvider(id, provider, { webviewOptions: { retainContextWhenHidden: true } });
}

/** The active tab of the active editor group. */
export function activeTab(): Tab | undefined {
  return window.tabGroups.activeTabGroup?.activeTab;
}

/** Tabs opened, closed or changed, or another group became active. */
export function onDidChangeTabs(listener: () => void): Disposable {
  const a = window.tabGroups.onDidChangeTabs(listener);
  const b = window.tabGroups.onDidChangeTabGroups(listener);
  return { dispose: () => { a.dispose(); b.dispose(); } };
}
