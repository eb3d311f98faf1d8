// Store: what the ubi-influx-out node (and anything else) hands data to. It validates points,
// appends them to the durable outbox (one stream per measurement), and runs the writer that drains
// the outbox into InfluxDB, the database setup and the backfill of down-sampled series. FrameBatches
// go to the raw CAN archive when one is configured. Nothing here throws at the caller for bad data or
// a dead database: bad points are quarantined with a reason, a dead database means buffering.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import type { FrameBatch } from '../can/frame.js';
import { createClient, redactUrl, type InfluxConnection, type StoreClient } from './client.js';
import { classifyPayload, isFrameBatch, isPointLike } from './convert.js';
import './scoring-converters.js';
import { Outbox, type DropInfo, type FsyncPolicy, type OutboxStats } from './outbox.js';
import { MEASUREMENTS, pointToLine, type StorePoint } from './point.js';
import { Quarantine } from './quarantine.js';
import { BackfillTracker, backfill, ensureDatabase, policies, type SetupOptions, type SetupReport } from './setup.js';
import { SignalAggregator, windowPoint, type AggregatorOptions, type ClosedWindow } from './signal-aggregator.js';
import { SignalLines } from './signal-lines.js';
import { InfluxWriter, type InfluxLike, type WriterState } from './writer.js';

export interface FrameSink {
  append(b: FrameBatch): void;
  close(): Promise<void> | void;
}

export interface StoreOptions {
  /** the outbox and quarantine live here */
  dir: string;
  /** undefined: no InfluxDB configured; everything is buffered (within the cap) */
  influx?: InfluxConnection;
  /** added as the `depot` tag to every point that has none */
  depot?: string;
  outbox?: { capBytes?: number; segmentBytes?: number; fsync?: FsyncPolicy; fsyncIntervalMs?: number };
  writer?: { batchSize?: number; maxAgeMs?: number; pipeline?: number; concurrency?: number; retryBaseMs?: number; retryMaxMs?: number };
  /** database setup; enabled unless false */
  setup?: Omit<SetupOptions, 'database'> & { enabled?: boolean };
  signals?: AggregatorOptions;
  archive?: FrameSink;
  /** a client to use instead of the `influx` one (tests) */
  client?: InfluxLike & Partial<Pick<StoreClient, 'queryRaw'>>;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** the store's own `gateway` health point (outbox depth, drops, rss, cpu) every this many ms; 0: off (default 10000) */
  healthIntervalMs?: number;
  /** `host` tag of the health point (default: os.hostname()) */
  host?: string;
}

export interface AcceptResult {
  points: number;
  quarantined: number;
  dropped: number;
  frames: number;
  ignored: number;
}

export type StoreState = 'starting' | 'connected' | 'buffering' | 'dropping' | 'no database' | 'auth failed' | 'closed';

export interface StoreStats {
  state: StoreState;
  /** why it is buffering, when it is */
  reason?: string;
  written: number;
  writtenPerSec: number;
  pending: number;
  outbox: OutboxStats;
  dropped: number;
  quarantined: number;
  late: number;
  frames: number;
  target: string;
}

const DROP_WINDOW_MS = 10000;

export class Store extends EventEmitter {
  /** the raw CAN archive frames are appended to, when one is configured (claims cut evidence windows from it) */
  get archive(): FrameSink | undefined {
    return this.opts.archive;
  }

  readonly outbox: Outbox;
  readonly quarantine: Quarantine;
  readonly writer: InfluxWriter | undefined;
  private readonly client: (InfluxLike & Partial<Pick<StoreClient, 'queryRaw'>>) | undefined;
  private readonly signals: SignalAggregator;
  private readonly signalLines: SignalLines;
  private readonly defaultTags: Record<string, string>;
  private readonly setupOpts: SetupOptions | undefined;
  private readonly backfills = new BackfillTracker();
  private readonly log: NonNullable<StoreOptions['log']>;
  private setupDone = false;
  private setupRunning: Promise<void> | undefined;
  private setupTimer: NodeJS.Timeout | undefined;
  private setupAttempt = 0;
  private tick: NodeJS.Timeout | undefined;
  private health: NodeJS.Timeout | undefined;
  private lastCpu: { us: number; at: number } | undefined;
  private lastWritten = 0;
  private lastTick = Date.now();
  private rate = 0;
  private lastDropAt = 0;
  private dropsSinceLog = 0;
  private lastDropLog = 0;
  private frames = 0;
  private closed = false;
  private setupError: string | undefined;
  private writerStarted = false;
  private backfillRunning = false;
  lastSetup: SetupReport | undefined;

  constructor(private readonly opts: StoreOptions) {
    super();
    this.log = opts.log ?? (() => undefined);
    const streams: Record<string, { dropPriority: number | 'never' }> = {};
    for (const m of Object.values(MEASUREMENTS)) streams[m.name] = { dropPriority: m.dropPriority };
    this.outbox = new Outbox({ dir: path.join(opts.dir, 'outbox'), ...opts.outbox, streams });
    this.outbox.on('drop', (d: DropInfo) => this.onDrop(d));
    this.outbox.on('warning', (w: string) => this.log('warn', `outbox: ${w}`));
    for (const r of this.outbox.recovery) this.emit('recovery', r);
    this.quarantine = new Quarantine(opts.dir);
    this.signals = new SignalAggregator(opts.signals);
    this.defaultTags = opts.depot ? { depot: opts.depot } : {};
    this.signalLines = new SignalLines(this.defaultTags);
    this.client = opts.client ?? (opts.influx ? createClient(opts.influx) : undefined);
    if (opts.influx) this.setupOpts = { ...opts.setup, database: opts.influx.database };
    const setupOn = this.setupOpts !== undefined && opts.setup?.enabled !== false && this.client?.queryRaw !== undefined;
    if (this.client) {
      const rp = this.setupOpts ? policies(this.setupOpts) : undefined;
      this.writer = new InfluxWriter(this.outbox, this.client, {
        ...opts.writer,
        rpFor: (stream) => {
          if (!rp || opts.setup?.enabled === false) return undefined;
          const m = MEASUREMENTS[stream];
          return m ? (m.retention === 'raw' ? rp.raw : rp.long) : undefined;
        },
        quarantine: (p, reason, stage) => {
          this.quarantine.add(stage, reason, p);
          this.log('warn', `quarantined (${stage}): ${reason}`);
        },
        onMissingDatabase: async () => {
          this.setupDone = false;
          await this.runSetup();
        },
        onWritten: (stream, _n, lo, hi) => this.backfills.note(stream, lo, hi, Date.now()),
      });
      this.writer.on('state', (now: WriterState, was: WriterState, why?: string) => {
        if (now === 'buffering') this.log('warn', `InfluxDB ${this.target()} unreachable, buffering in the outbox: ${why ?? ''}`);
        else if (now === 'auth failed') this.log('error', `InfluxDB ${this.target()}: authentication failed (check the credentials), buffering`);
        else if (now === 'connected' && was !== 'idle') this.log('info', `InfluxDB ${this.target()} reachable again: draining ${this.outbox.stats().pending} buffered point(s)`);
      });
      if (setupOn) this.runSetup().catch(() => undefined);
      else this.startWriter();
    } else this.log('warn', 'no InfluxDB configured: points are kept in the outbox (within its cap) until one is');
    this.tick = setInterval(() => this.onTick(), 1000);
    this.tick.unref();
    const hMs = opts.healthIntervalMs ?? 10000;
    if (hMs > 0) {
      this.health = setInterval(() => {
        this.appendPoints([this.healthPoint()]).catch(() => undefined);
      }, hMs);
      this.health.unref();
    }
  }

  /** The store's own health as a `gateway` point (host time: it describes the gateway now). */
  healthPoint(): StorePoint {
    const ob = this.outbox.stats();
    const now = Date.now();
    const cpu = process.cpuUsage();
    const cpuUs = cpu.user + cpu.system;
    const pct = this.lastCpu ? ((cpuUs - this.lastCpu.us) / 1000 / Math.max(1, now - this.lastCpu.at)) * 100 : 0;
    this.lastCpu = { us: cpuUs, at: now };
    return {
      measurement: 'gateway',
      tags: { host: this.opts.host ?? os.hostname() },
      fields: { outbox_bytes: ob.bytes, outbox_points: ob.pending, outbox_dropped: ob.dropped, rss_bytes: process.memoryUsage.rss(), cpu_pct: Math.round(pct * 10) / 10, quarantined: this.quarantine.total },
      time: now,
    };
  }

  /** Takes a message payload: points, arrays of points, SignalBatch, FrameBatch, or a registered kind. */
  async accept(payload: unknown): Promise<AcceptResult> {
    const res: AcceptResult = { points: 0, quarantined: 0, dropped: 0, frames: 0, ignored: 0 };
    if (this.closed) throw new Error('store is closed');
    const items = Array.isArray(payload) ? payload : [payload];
    const lines = new StreamLines();
    for (const x of items) {
      // plain points (the common case) without classifyPayload()'s wrapper object per point
      if (isPointLike(x) && !isFrameBatch(x)) {
        this.addPoint(lines, x as StorePoint);
        continue;
      }
      const c = classifyPayload(x);
      if (c.kind === 'frames') {
        if (this.opts.archive) {
          this.opts.archive.append(c.batch);
          res.frames += c.batch.count;
          this.frames += c.batch.count;
        } else res.ignored++;
      } else if (c.kind === 'signals') this.addWindows(lines, this.signals.addWindows(c.batch));
      else if (c.kind === 'points') for (const p of c.points) this.addPoint(lines, p);
      else {
        res.quarantined++;
        this.quarantine.add('validate', 'not a point, SignalBatch, FrameBatch or registered kind', c.value);
      }
    }
    const r = await this.commitLines(lines);
    res.points += r.points;
    res.quarantined += r.quarantined;
    res.dropped += r.dropped;
    return res;
  }

  /** End of data: writes the open 1 s signal windows and sends what waits for its batch age now. */
  async flushSignals(): Promise<AcceptResult> {
    const lines = new StreamLines();
    this.addWindows(lines, this.signals.flushWindows());
    const r = await this.commitLines(lines);
    this.writer?.sendNow();
    return { ...r, frames: 0, ignored: 0 };
  }

  private appendPoints(points: StorePoint[]): Promise<{ points: number; quarantined: number; dropped: number }> {
    const lines = new StreamLines();
    for (const p of points) this.addPoint(lines, p);
    return this.commitLines(lines);
  }

  // each point becomes its line of line protocol once, here: that is what the outbox stores and
  // what the writer posts
  private addPoint(lines: StreamLines, p: StorePoint): void {
    const line = pointToLine(p, this.defaultTags);
    if (typeof line !== 'string') {
      lines.quarantined++;
      this.quarantine.add('validate', line.reason, p);
      return;
    }
    lines.add(p.measurement, line); // valid: a measurement of the schema
  }

  // decoded signals' closed 1 s windows: to lines without a point object each
  private addWindows(lines: StreamLines, windows: readonly ClosedWindow[]): void {
    for (const c of windows) {
      const line = this.signalLines.line(c);
      if (line !== undefined) lines.add('signal', line);
      else this.addPoint(lines, windowPoint(c)); // refused there, with its reason
    }
  }

  private async commitLines(lines: StreamLines): Promise<{ points: number; quarantined: number; dropped: number }> {
    const quarantined = lines.quarantined;
    if (quarantined > 0) this.log('warn', `${quarantined} point(s) quarantined: ${this.quarantine.read().at(-1)?.reason ?? ''}`);
    let stored = 0;
    let dropped = 0;
    for (const [stream, list] of lines.byStream) {
      // the lines of a stream joined into one string (newline between), which the outbox encodes in
      // one go, and keeps as framed bytes (off the JS heap) for the writer
      const ends = new Array<number>(list.length);
      let end = -1;
      for (let i = 0; i < list.length; i++) ends[i] = end += list[i]!.length + 1;
      const r = await this.outbox.appendText(stream, list.join('\n'), ends);
      stored += r.stored;
      dropped += r.dropped;
    }
    return { points: stored, quarantined, dropped };
  }

  target(): string {
    return this.opts.influx ? `${redactUrl(this.opts.influx.url)}/${this.opts.influx.database}` : '(none)';
  }

  stats(): StoreStats {
    const ob = this.outbox.stats();
    let state: StoreState;
    let reason: string | undefined;
    if (this.closed) state = 'closed';
    else if (Date.now() - this.lastDropAt < DROP_WINDOW_MS) state = 'dropping';
    else if (!this.writer) {
      state = 'no database';
      reason = 'no InfluxDB configured';
    } else if (!this.writerStarted) {
      state = this.setupError ? 'buffering' : 'starting';
      reason = this.setupError;
    } else if (this.writer.state === 'auth failed') state = 'auth failed';
    else if (this.writer.state === 'buffering') {
      state = 'buffering';
      reason = this.writer.lastError;
    } else state = 'connected';
    return {
      state,
      ...(reason ? { reason } : {}),
      written: this.writer?.written ?? 0,
      writtenPerSec: this.rate,
      pending: ob.pending,
      outbox: ob,
      dropped: ob.dropped,
      quarantined: this.quarantine.total,
      late: this.signals.late,
      frames: this.frames,
      target: this.target(),
    };
  }

  /** Flushes open signal windows, stops the writer (in-flight batches get timeoutMs), closes the outbox. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    try {
      await this.flushSignals();
    } catch (e) {
      this.log('warn', `closing: ${(e as Error).message}`);
    }
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    if (this.health) clearInterval(this.health);
    if (this.setupTimer) clearTimeout(this.setupTimer);
    await this.writer?.close(timeoutMs);
    if (this.opts.archive) await this.opts.archive.close();
    this.outbox.close();
  }

  private startWriter(): void {
    if (this.writerStarted || this.closed || !this.writer) return;
    this.writerStarted = true;
    this.writer.start();
  }

  private runSetup(): Promise<void> {
    if (this.setupRunning) return this.setupRunning;
    const c = this.client;
    if (!c?.queryRaw || !this.setupOpts) return Promise.resolve();
    this.setupRunning = ensureDatabase(c as Required<typeof c>, this.setupOpts)
      .then((report) => {
        this.setupDone = true;
        this.setupError = undefined;
        this.setupAttempt = 0;
        this.lastSetup = report;
        if (report.created.length + report.altered.length > 0)
          this.log('info', `InfluxDB ${this.target()}: created ${report.created.join(', ') || 'nothing'}; altered ${report.altered.join(', ') || 'nothing'}`);
        this.emit('setup', report);
        this.startWriter();
      })
      .catch((e: unknown) => {
        const msg = (e as Error).message;
        if (this.setupError !== msg) this.log('warn', `InfluxDB ${this.target()} setup failed, buffering and retrying: ${msg}`);
        this.setupError = msg;
        if (!this.closed && !this.writerStarted) {
          const delay = Math.min(30000, 500 * 2 ** Math.min(this.setupAttempt++, 6)) * (0.5 + Math.random() / 2);
          this.setupTimer = setTimeout(() => this.runSetup().catch(() => undefined), delay);
          this.setupTimer.unref();
        }
        if (this.writerStarted) throw e;
      })
      .finally(() => {
        this.setupRunning = undefined;
      });
    return this.setupRunning;
  }

  private onDrop(d: DropInfo): void {
    this.lastDropAt = Date.now();
    this.dropsSinceLog += d.records;
    if (Date.now() - this.lastDropLog > DROP_WINDOW_MS) {
      this.log('warn', `outbox ${d.reason === 'cap' ? 'full' : d.reason}: dropped ${this.dropsSinceLog} ${d.stream} record(s) (lowest priority first); ${this.outbox.stats().dropped} dropped in all`);
      this.lastDropLog = Date.now();
      this.dropsSinceLog = 0;
    }
    this.emit('drop', d);
  }

  private onTick(): void {
    const now = Date.now();
    const w = this.writer?.written ?? 0;
    const secs = (now - this.lastTick) / 1000;
    if (secs > 0) this.rate = (w - this.lastWritten) / secs;
    this.lastWritten = w;
    this.lastTick = now;
    if (this.backfills.dirty && !this.backfillRunning && this.setupDone) this.runBackfill().catch(() => undefined);
  }

  /** Recomputes down-sampled series over late ranges once their source stream has drained. */
  async runBackfill(): Promise<number> {
    const c = this.client;
    if (!c?.queryRaw || !this.setupOpts || this.backfillRunning) return 0;
    this.backfillRunning = true;
    let n = 0;
    try {
      for (const r of this.backfills.take()) {
        if (this.outbox.pending(r.source) > 0) {
          this.backfills.note(r.source, r.from * 1000, r.to * 1000, 0, 0); // not drained yet: later
          continue;
        }
        try {
          n += await backfill(c as Required<typeof c>, this.setupOpts, r.source, r.from, r.to);
        } catch (e) {
          this.backfills.note(r.source, r.from * 1000, r.to * 1000, 0, 0);
          this.log('warn', `backfill of ${r.source}: ${(e as Error).message}`);
        }
      }
    } finally {
      this.backfillRunning = false;
    }
    if (n > 0) this.log('info', `backfilled ${n} down-sampled point(s) after late data`);
    return n;
  }
}

/** Lines of line protocol per stream (measurement) for one append, and the points refused on the way. */
class StreamLines {
  readonly byStream = new Map<string, string[]>();
  quarantined = 0;

  add(stream: string, line: string): void {
    const list = this.byStream.get(stream);
    if (list) list.push(line);
    else this.byStream.set(stream, [line]);
  }
}
