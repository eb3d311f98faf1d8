// The part of Node-RED's runtime API our nodes use. Node-RED ships no TypeScript types, and
// @types/node-red targets 1.x; these few declarations are what we rely on and nothing more.

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface NodeMessage {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
}

export interface Node {
  id: string;
  name?: string;
  on(event: 'input', fn: (msg: NodeMessage, send: (m: NodeMessage | (NodeMessage | null)[]) => void, done: (err?: Error) => void) => void): void;
  on(event: 'close', fn: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | (NodeMessage | null)[]): void;
  status(s: NodeStatus | Record<string, never>): void;
  log(msg: string): void;
  warn(msg: string): void;
  error(msg: string | Error, m?: NodeMessage): void;
}

export interface NodeAPI {
  nodes: {
    createNode(node: Node, def: NodeDef): void;
    // Node-RED calls ctor with `this` bound to a fresh node and the node's saved config as def.
    registerType<N extends Node, D extends NodeDef>(type: string, ctor: (this: N, def: D) => void, opts?: { credentials?: Record<string, { type: string }> }): void;
    getNode(id: string): Node | null;
  };
  log: { info(m: string): void; warn(m: string): void; error(m: string): void };
}
