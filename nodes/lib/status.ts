// Typed node status: one place that decides colours and shapes.
import type { Node } from './red.js';

export type StatusKind = 'ok' | 'idle' | 'warn' | 'error' | 'off';

const LOOK: Record<StatusKind, { fill: 'green' | 'grey' | 'yellow' | 'red'; shape: 'dot' | 'ring' }> = {
  ok: { fill: 'green', shape: 'dot' },
  idle: { fill: 'grey', shape: 'ring' },
  warn: { fill: 'yellow', shape: 'ring' },
  error: { fill: 'red', shape: 'ring' },
  off: { fill: 'grey', shape: 'dot' },
};

export class Status {
  private last = '';
  constructor(private readonly node: Node) {}

  set(kind: StatusKind, text: string): void {
    const key = kind + '\0' + text;
    if (key === this.last) return; // the editor gets an update only when something changed
    this.last = key;
    this.node.status({ ...LOOK[kind], text: text.length > 60 ? text.slice(0, 57) + '...' : text });
  }

  clear(): void {
    this.last = '';
    this.node.status({});
  }
}
