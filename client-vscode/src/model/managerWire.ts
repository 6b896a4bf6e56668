// The manager's thread on the wire (iface/manager.md). TEMPORARY: these mirror the
// server's types until protocol.ts is regenerated with them.

export const ManagerMethods = {
  tell: "loopwright/tell",
  manager: "loopwright/manager",
  overruleAct: "loopwright/overruleAct",
  thread: "$/loopwright/thread",
} as const;

export interface ThreadEntry {
  seq: number;
  at: number;
  kind: string;
  text: string;
  by: string;
  turn: number;
  actId: string;
  tool: string;
  decisionId: string;
  sessionId: string;
  taskId: string;
  options: string[];
  recommendation: string;
  default: string;
  overrule: string;
  overruled: boolean;
}

export interface ManagerThread {
  seq: number;
  agent: string;
  running: boolean;
  thinking: boolean;
  turns: number;
  pendingWakes: number;
  decides: string[];
  tokens: number;
  costUsd: number;
  entries: ThreadEntry[];
}
