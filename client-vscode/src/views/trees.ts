// The Inbox, Sessions and Activity tree views: each shows the nodes a pure function of
// the store builds (model/tree.ts); this file only turns them into TreeItems.

import {
  EventEmitter,
  ThemeColor,
  ThemeIcon,
  TreeItem,
  TreeItemCheckboxState,
  TreeItemCollapsibleState,
  type Disposable,
  type Event,
  type TreeDataProvider,
  type TreeView,
} from "vscode";
import type { LoopStore, Snapshot } from "../model/store";
import { activityTree, inboxTree, sessionTree, type Node } from "../model/tree";
import type { IconSpec } from "../model/format";
import { createTreeView } from "../common/vscodeapi";

export const VIEW_IDS = {
  inbox: "loopwright.inbox",
  sessions: "loopwright.sessions",
  activity: "loopwright.activity",
} as const;

export class NodeTree implements TreeDataProvider<Node> {
  private readonly changed = new EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData: Event<Node | undefined> = this.changed.event;
  private roots: Node[] = [];

  constructor(private readonly build: (snap: Snapshot, nowMs: number) => Node[] = () => []) {}

  update(snap: Snapshot): void {
    this.show(this.build(snap, Date.now()));
  }

  /** Show these nodes (a view not built from the store's snapshot). */
  show(roots: Node[]): void {
    this.roots = roots;
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): TreeItem {
    const item = new TreeItem(
      node.label,
      node.children ? TreeItemCollapsibleState.Expanded : TreeItemCollapsibleState.None,
    );
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = node.icon ? themeIcon(node.icon) : undefined;
    if (node.checked !== undefined) {
      item.checkboxState = node.checked ? TreeItemCheckboxState.Checked : TreeItemCheckboxState.Unchecked;
    }
    if (node.command) {
      item.command = { command: node.command.command, title: node.command.title, arguments: [...node.command.args] };
    }
    return item;
  }

  getChildren(node?: Node): Node[] {
    return node ? [...(node.children ?? [])] : this.roots;
  }

  getParent(): undefined {
    return undefined;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function themeIcon(icon: IconSpec): ThemeIcon {
  return new ThemeIcon(icon.id, icon.color ? new ThemeColor(icon.color) : undefined);
}

/** Creates the three views and keeps them (and the Inbox badge) in step with the store. */
export class LoopViews implements Disposable {
  readonly inboxView: TreeView<Node>;
  private readonly trees: NodeTree[];
  private readonly disposables: Disposable[] = [];

  constructor(private readonly store: LoopStore) {
    const inbox = new NodeTree(inboxTree);
    const sessions = new NodeTree(sessionTree);
    const activity = new NodeTree((snap) => activityTree(snap));
    this.trees = [inbox, sessions, activity];
    this.inboxView = createTreeView(VIEW_IDS.inbox, inbox);
    this.disposables.push(
      this.inboxView,
      createTreeView(VIEW_IDS.sessions, sessions),
      createTreeView(VIEW_IDS.activity, activity),
      ...this.trees,
      store.onDidChange(() => this.refresh()),
    );
    // Elapsed times of running sessions keep counting between deltas.
    const timer = setInterval(() => {
      if (store.snapshot().running > 0) {
        sessions.update(store.snapshot());
      }
    }, 10_000);
    this.disposables.push({ dispose: () => clearInterval(timer) });
    this.refresh();
  }

  refresh(): void {
    const snap = this.store.snapshot();
    for (const t of this.trees) {
      t.update(snap);
    }
    const n = snap.inbox.length;
    this.inboxView.badge = n > 0 ? { value: n, tooltip: `${n} item${n === 1 ? "" : "s"} need you` } : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
