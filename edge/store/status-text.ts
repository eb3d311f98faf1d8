// One status line for the node: "120 pt/s · outbox 4.2k · connected".
import type { StoreStats } from './store.js';

export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return (n / 1000).toFixed(n < 1e4 ? 1 : 0) + 'k';
  return (n / 1e6).toFixed(1) + 'M';
}

export function statusLine(s: StoreStats): { kind: 'ok' | 'idle' | 'warn' | 'error'; text: string } {
  const head = `${compact(s.writtenPerSec)} pt/s · outbox ${compact(s.pending)}`;
  switch (s.state) {
    case 'connected':
      return { kind: s.writtenPerSec > 0 || s.pending > 0 ? 'ok' : 'idle', text: `${head} · connected` };
    case 'dropping':
      return { kind: 'error', text: `${head} · dropping (${compact(s.dropped)} dropped)` };
    case 'auth failed':
      return { kind: 'error', text: `${head} · auth failed, buffering` };
    case 'no database':
      return { kind: 'warn', text: `${head} · buffering, no InfluxDB configured` };
    case 'closed':
      return { kind: 'idle', text: 'closed' };
    default:
      return { kind: 'warn', text: `${head} · ${s.state === 'starting' ? 'connecting' : 'buffering'}` };
  }
}
