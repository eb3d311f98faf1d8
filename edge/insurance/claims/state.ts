// The claims' state (claims.db, node:sqlite like the policy register): one row per fnolId with the
// record, its delivery state and the insurer's reply. This is state, not a queue: what is to be
// delivered is in the store's outbox (stream `claims`); a row says whether a delivery is still due.
//
// `queued` closes the gap between the row and the outbox record: a row is inserted with queued = 0,
// the outbox append follows, then queued = 1. A row found with queued = 0 at start is appended again
// (a duplicate outbox record is harmless: the delivery loop skips a claim whose delivery is final,
// and the insurer sees the same Idempotency-Key).
import { DatabaseSync } from 'node:sqlite';
import type { ClaimRecord, ClaimState, FnolRecord, InsurerReply } from './types.js';

const SCHEMA = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS claims (
  fnol_id TEXT PRIMARY KEY,
  record TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  claim_number TEXT,
  reason TEXT,
  reply TEXT,
  settled_cents INTEGER,
  closed_date TEXT,
  queued INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_state ON claims (state);
`;

type Row = Record<string, string | number | null>;

function rowOf(r: Row): ClaimRecord {
  return {
    fnolId: r.fnol_id as string,
    record: JSON.parse(r.record as string) as FnolRecord,
    state: r.state as ClaimState,
    attempts: Number(r.attempts),
    claimNumber: (r.claim_number as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    reply: r.reply ? (JSON.parse(r.reply as string) as InsurerReply) : null,
    settledAmountCents: r.settled_cents === null ? null : Number(r.settled_cents),
    closedDate: (r.closed_date as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export interface StateChange {
  state?: ClaimState;
  attempts?: number;
  claimNumber?: string | null;
  reason?: string | null;
  reply?: InsurerReply | null;
  settledAmountCents?: number | null;
  closedDate?: string | null;
}

export class ClaimStore {
  private readonly db: DatabaseSync;

  constructor(readonly file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec(SCHEMA);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Inserts a new claim (pending, not yet queued); false when the fnolId exists already. */
  insert(record: FnolRecord, at: number, state: ClaimState = 'pending', reason: string | null = null): boolean {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO claims (fnol_id, record, state, reason, queued, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)')
      .run(record.fnolId, JSON.stringify(record), state, reason, at, at);
    return Number(r.changes) === 1;
  }

  /** Replaces the record of a claim (a dead claim re-filed once its policy is known); the id stays. */
  replaceRecord(record: FnolRecord, at: number): void {
    this.db.prepare('UPDATE claims SET record = ?, updated_at = ? WHERE fnol_id = ?').run(JSON.stringify(record), at, record.fnolId);
  }

  markQueued(fnolId: string): void {
    this.db.prepare('UPDATE claims SET queued = 1 WHERE fnol_id = ?').run(fnolId);
  }

  unqueued(): ClaimRecord[] {
    return (this.db.prepare("SELECT * FROM claims WHERE queued = 0 AND state IN ('pending', 'sent') ORDER BY created_at").all() as Row[]).map(rowOf);
  }

  get(fnolId: string): ClaimRecord | null {
    const r = this.db.prepare('SELECT * FROM claims WHERE fnol_id = ?').get(fnolId) as Row | undefined;
    return r ? rowOf(r) : null;
  }

  list(filter: { state?: ClaimState; limit?: number } = {}): ClaimRecord[] {
    const lim = Math.max(1, Math.min(filter.limit ?? 500, 5000));
    const rows = filter.state
      ? (this.db.prepare('SELECT * FROM claims WHERE state = ? ORDER BY created_at DESC LIMIT ?').all(filter.state, lim) as Row[])
      : (this.db.prepare('SELECT * FROM claims ORDER BY created_at DESC LIMIT ?').all(lim) as Row[]);
    return rows.map(rowOf);
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n FROM claims GROUP BY state').all() as Row[]) out[r.state as string] = Number(r.n);
    return out;
  }

  update(fnolId: string, c: StateChange, at: number): ClaimRecord | null {
    const sets: string[] = ['updated_at = ?'];
    const args: Array<string | number | null> = [at];
    const put = (col: string, v: string | number | null): void => {
      sets.push(`${col} = ?`);
      args.push(v);
    };
    if (c.state !== undefined) put('state', c.state);
    if (c.attempts !== undefined) put('attempts', c.attempts);
    if (c.claimNumber !== undefined) put('claim_number', c.claimNumber);
    if (c.reason !== undefined) put('reason', c.reason);
    if (c.reply !== undefined) put('reply', c.reply === null ? null : JSON.stringify(c.reply));
    if (c.settledAmountCents !== undefined) put('settled_cents', c.settledAmountCents);
    if (c.closedDate !== undefined) put('closed_date', c.closedDate);
    args.push(fnolId);
    this.db.prepare(`UPDATE claims SET ${sets.join(', ')} WHERE fnol_id = ?`).run(...args);
    return this.get(fnolId);
  }
}
