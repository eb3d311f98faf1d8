// InfluxWriter: drains the outbox's streams into InfluxDB through the `influx` client.
//
// - batches by size (batchSize points) and age (maxAgeMs since the oldest waiting point arrived);
// - up to `pipeline` batches in flight per stream (2), acknowledged strictly in take order (so a
//   stream is delivered in order, also across an outage), and at most `concurrency` in flight overall;
// - an outage (connection refused/reset, timeout, 5xx) is retried forever with exponential backoff
//   and full jitter; nothing is acknowledged in the outbox until InfluxDB said 2xx;
// - a 400/422 (bad point, partial write, type conflict) is not an outage: the batch is split in
//   halves until the refused point is alone, which goes to the quarantine with InfluxDB's reason;
//   the good points around it are written (InfluxDB overwrites identical points, so a point that
//   the partial write already stored is not duplicated);
// - 404 "database not found" runs the database setup and retries; 401/403 retries (with backoff)
//   and says "auth failed" rather than quarantining good data;
// - every write says precision 'u' (the outbox holds integer microseconds);
// - the outbox holds each point as its line of line protocol (line.ts): a batch is taken as one
//   buffer (the lines joined by newlines) and posted as it is, not decoded and serialised again; a
//   refused point is parsed back for the quarantine.
import { EventEmitter } from 'node:events';
import { Batch } from './line.js';
import type { Outbox, TakenJoined } from './outbox.js';

export interface WriteOptions {
  precision: 'u';
  retentionPolicy?: string;
}

/** What the writer needs of the `influx` client: post line protocol to /write (client.ts). */
export interface InfluxLike {
  /** lines as toLine() makes them, joined by '\n' */
  writeBody(body: Buffer, opts: WriteOptions): Promise<void>;
}

export type WriterState = 'idle' | 'connected' | 'buffering' | 'auth failed' | 'closed';

export interface WriterOptions {
  batchSize?: number;
  maxAgeMs?: number;
  /** batches of one stream in flight at once (default 2: the next is prepared and sent while the database works on the last); acknowledged strictly in order */
  pipeline?: number;
  concurrency?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** retention policy of a stream's points (undefined: the database's default) */
  rpFor?: (stream: string) => string | undefined;
  /** called with a refused point and InfluxDB's reason */
  quarantine?: (point: unknown, reason: string, stage: 'database' | 'decode') => void;
  /** called on 404 "database not found"; should create it */
  onMissingDatabase?: () => Promise<void>;
  /** after a batch of a stream is written: its time range in µs */
  onWritten?: (stream: string, points: number, minUs: number, maxUs: number) => void;
  /** streams this writer drains (default: every stream of the outbox) */
  streams?: (name: string) => boolean;
  random?: () => number;
}

export type ErrorClass = 'outage' | 'bad' | 'too large' | 'missing db' | 'auth';

/** Sorts an `influx` client error into what the writer does about it. */
export function classify(err: unknown): { kind: ErrorClass; status?: number; message: string } {
  const e = err as { res?: { statusCode?: number }; message?: string; name?: string; code?: string };
  const message = String(e?.message ?? err);
  const status = e?.res?.statusCode;
  if (typeof status === 'number') {
    if ((status === 404 || status === 400 || status === 500) && /(database|retention policy) not found/i.test(message)) return { kind: 'missing db', status, message };
    if (status === 401 || status === 403) return { kind: 'auth', status, message };
    if (status === 413) return { kind: 'too large', status, message };
    if (status === 408 || status === 429 || status >= 500) return { kind: 'outage', status, message };
    if (status >= 400) return { kind: 'bad', status, message };
  }
  return { kind: 'outage', message };
}

class Closing extends Error {}
class Outage extends Error {}

interface InFlight {
  next: number;
  done: boolean;
  failed: boolean;
  /** resolves when this batch is written (or given up at close) */
  settled: Promise<void>;
}

interface StreamState {
  /** batches taken and not yet acknowledged, in take order */
  queue: InFlight[];
  /** a batch of this stream is retrying after an outage: take no more until it is through */
  retrying: number;
  /** host ms when the oldest not-yet-taken record arrived (0: due now) */
  waitingSince: number | undefined;
}

export class InfluxWriter extends EventEmitter {
  private readonly batchSize: number;
  private readonly maxAgeMs: number;
  private readonly concurrency: number;
  private readonly perStream: number;
  private readonly base: number;
  private readonly maxDelay: number;
  private readonly random: () => number;
  private readonly streams = new Map<string, StreamState>();
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private closing = false;
  private sleepers = new Set<() => void>();
  private readonly onAppend = (stream: string) => this.noteAppend(stream);
  state: WriterState = 'idle';
  lastError: string | undefined;
  written = 0;
  quarantined = 0;
  failures = 0;
  batches = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly client: InfluxLike,
    private readonly opts: WriterOptions = {},
  ) {
    super();
    this.batchSize = Math.max(1, opts.batchSize ?? 5000);
    this.maxAgeMs = Math.max(0, opts.maxAgeMs ?? 1000);
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.perStream = Math.max(1, opts.pipeline ?? 2);
    this.base = Math.max(1, opts.retryBaseMs ?? 250);
    this.maxDelay = Math.max(this.base, opts.retryMaxMs ?? 10000);
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    this.outbox.on('append', this.onAppend);
    // what is already waiting (a restart, an outage) is due now
    for (const name of this.outbox.streamNames()) if (this.owns(name) && this.outbox.available(name) > 0) this.st(name).waitingSince = 0;
    this.pump();
  }

  /** Stops taking batches; waits up to timeoutMs for the ones in flight. Unacknowledged ones are redelivered on the next start. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.outbox.off('append', this.onAppend);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of this.sleepers) wake();
    if (this.running.size > 0) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.running]), new Promise<void>((r) => (t = setTimeout(r, timeoutMs)))]);
      if (t) clearTimeout(t);
    }
    this.state = 'closed';
  }

  /**
   * End of data (a replay's flush): what is waiting goes out now instead of after maxAgeMs, as full
   * batches would. Appends after this wait as usual.
   */
  sendNow(): void {
    if (this.closing) return;
    for (const name of this.outbox.streamNames()) {
      if (!this.owns(name) || this.outbox.available(name) === 0) continue;
      this.st(name).waitingSince = 0;
    }
    this.pump();
  }

  /** Resolves when every stream this writer drains is empty (tests, bench, shutdown drain). */
  async drained(pollMs = 20, timeoutMs = 60000): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      const names = this.outbox.streamNames().filter((n) => this.owns(n));
      if (names.every((n) => this.outbox.pending(n) === 0) && this.inFlight === 0) return;
      if (Date.now() - t0 > timeoutMs) throw new Error(`not drained after ${timeoutMs} ms: ${names.map((n) => `${n}=${this.outbox.pending(n)}`).join(' ')} (${this.state}${this.lastError ? ': ' + this.lastError : ''})`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private owns(name: string): boolean {
    return this.opts.streams ? this.opts.streams(name) : true;
  }

  private st(name: string): StreamState {
    let s = this.streams.get(name);
    if (!s) {
      s = { queue: [], retrying: 0, waitingSince: undefined };
      this.streams.set(name, s);
    }
    return s;
  }

  private noteAppend(stream: string): void {
    if (this.closing || !this.owns(stream)) return;
    const s = this.st(stream);
    if (s.waitingSince === undefined) s.waitingSince = Date.now();
    if (this.canTake(s) && (this.outbox.available(stream) >= this.batchSize || this.maxAgeMs === 0)) this.pump();
    else this.arm(s.waitingSince + this.maxAgeMs);
  }

  private arm(at: number): void {
    if (this.closing) return;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, at - Date.now()));
  }

  private pump(): void {
    if (this.closing) return;
    const now = Date.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const name of this.outbox.streamNames()) {
      if (!this.owns(name)) continue;
      const s = this.st(name);
      if (s.queue.length === 0 && this.outbox.available(name) === 0) s.waitingSince = undefined;
      while (this.canTake(s)) {
        const avail = this.outbox.available(name);
        if (avail === 0) {
          s.waitingSince = undefined;
          break;
        }
        if (s.waitingSince === undefined) s.waitingSince = now;
        const due = s.waitingSince + this.maxAgeMs;
        if (avail < this.batchSize && due > now) {
          nextDue = Math.min(nextDue, due);
          break;
        }
        if (this.inFlight >= this.concurrency) return;
        const taken = this.outbox.takeJoined(name, this.batchSize);
        if (!taken) break;
        // what is left over was waiting already: due at once
        s.waitingSince = this.outbox.available(name) > 0 ? 0 : undefined;
        this.inFlight++;
        const prev = s.queue.at(-1)?.settled;
        let settle!: () => void;
        const entry: InFlight = { next: taken.next, done: false, failed: false, settled: new Promise<void>((r) => (settle = r)) };
        s.queue.push(entry);
        const p = this.deliver(name, s, taken, prev)
          .then((ok) => {
            entry.done = ok;
            entry.failed = !ok;
            // acknowledge in take order: only the prefix of finished batches
            while (s.queue.length > 0 && s.queue[0]!.done) {
              const head = s.queue.shift()!;
              if (!this.closing) this.outbox.ack(name, head.next);
            }
          })
          .finally(() => {
            // a batch that failed for a reason other than an outage (a bug, not data): once the
            // stream's batches have all settled, take them again from the last acknowledgement
            if (!this.closing && s.queue.length > 0 && s.queue.some((e) => e.failed) && s.queue.every((e) => e.done || e.failed)) {
              s.queue = [];
              this.outbox.rewind(name);
            }
            settle();
            this.inFlight--;
            this.running.delete(p);
            this.pump();
          });
        this.running.add(p);
      }
    }
    if (Number.isFinite(nextDue)) this.arm(nextDue);
  }

  private canTake(s: StreamState): boolean {
    return !this.closing && s.retrying === 0 && s.queue.length < this.perStream;
  }

  /** Writes one taken batch; true when it may be acknowledged. */
  private async deliver(stream: string, s: StreamState, taken: TakenJoined, prev: Promise<void> | undefined): Promise<boolean> {
    const batch = Batch.fromRecords(taken.body, taken.ends, (text, why) => {
      this.quarantined++;
      this.opts.quarantine?.(text.slice(0, 2000), `outbox record is not a point: ${why}`, 'decode');
    });
    try {
      if (batch.count > 0) await this.write(stream, s, batch, prev);
      return true;
    } catch (e) {
      if (!(e instanceof Closing)) {
        this.lastError = (e as Error).message;
        this.emit('failed', e);
      }
      return false; // not acknowledged: delivered again on the next start
    }
  }

  private async write(stream: string, s: StreamState, batch: Batch, prev: Promise<void> | undefined): Promise<void> {
    let attempt = 0;
    let retrying = false;
    try {
      for (;;) {
        try {
          await this.attempt(stream, batch);
          return;
        } catch (err) {
          if (!(err instanceof Outage)) throw err;
          if (!retrying) {
            retrying = true;
            s.retrying++;
          }
          await this.sleep(this.backoff(attempt++));
          // retries go in take order: the batch taken before this one first
          if (prev) await prev;
          if (this.closing) throw new Closing('closing');
        }
      }
    } finally {
      if (retrying) s.retrying--;
    }
  }

  /** One try of a batch; bad points are bisected out here. Throws Outage for what must be retried. */
  private async attempt(stream: string, batch: Batch): Promise<void> {
    if (this.closing) throw new Closing('closing');
    try {
      const rp = this.opts.rpFor?.(stream);
      await this.client.writeBody(batch.body, rp ? { precision: 'u', retentionPolicy: rp } : { precision: 'u' });
    } catch (err) {
      const c = classify(err);
      this.lastError = c.message;
      if (c.kind === 'bad' || c.kind === 'too large') {
        if (batch.count === 1) {
          // the point as a person reads it (the line itself if it does not parse)
          const bad = batch.point(0);
          this.quarantined++;
          this.opts.quarantine?.(bad, c.message, 'database');
          this.emit('quarantine', bad, c.message);
          return;
        }
        const mid = batch.count >> 1;
        await this.attemptOrRetry(stream, batch.slice(0, mid));
        await this.attemptOrRetry(stream, batch.slice(mid, batch.count));
        return;
      }
      this.failures++;
      const want: WriterState = c.kind === 'auth' ? 'auth failed' : 'buffering';
      if (this.state !== want) {
        const was = this.state;
        this.state = want;
        this.emit('state', want, was, c.message);
      }
      if (c.kind === 'missing db' && this.opts.onMissingDatabase) {
        try {
          await this.opts.onMissingDatabase();
        } catch (e) {
          this.lastError = (e as Error).message;
        }
      }
      throw new Outage(c.message);
    }
    this.written += batch.count;
    this.batches++;
    if (this.state !== 'connected') {
      const was = this.state;
      this.state = 'connected';
      this.emit('state', this.state, was);
    }
    if (this.opts.onWritten) {
      const [lo, hi] = batch.timeRange();
      this.opts.onWritten(stream, batch.count, lo, hi);
    }
  }

  /** A half of a bisected batch: retried on its own until written or quarantined. */
  private async attemptOrRetry(stream: string, batch: Batch): Promise<void> {
    let attempt = 0;
    for (;;) {
      try {
        return await this.attempt(stream, batch);
      } catch (err) {
        if (!(err instanceof Outage)) throw err;
        await this.sleep(this.backoff(attempt++));
      }
    }
  }

  /** Exponential backoff with full jitter: uniform in [base/2, min(max, base * 2^attempt)]. */
  backoff(attempt: number): number {
    const cap = Math.min(this.maxDelay, this.base * 2 ** Math.min(attempt, 30));
    return this.base / 2 + this.random() * Math.max(0, cap - this.base / 2);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closing) return resolve();
      const done = () => {
        clearTimeout(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
