// Database setup, idempotent: the database, two retention policies (raw: short, for 1 Hz signals and
// gateway health; long: for aggregates, events, trips, scores, incidents, claims, renewals) and the
// continuous queries that down-sample raw series into the long policy. Run on every start: what
// exists is left alone (a changed duration is altered), what is missing is created.
//
// Continuous queries only compute the interval that just ended, so points written late (an outage
// replayed from the outbox, a log replay) never reach the down-sampled series on their own:
// backfill() runs the same SELECT ... INTO over the late time range.

/** The part of the `influx` client used here (InfluxDB#queryRaw). */
export interface QueryLike {
  queryRaw(q: string, opts?: { database?: string; method?: 'GET' | 'POST' }): Promise<unknown>;
}

export interface SetupOptions {
  database: string;
  rawPolicy?: string;
  longPolicy?: string;
  /** InfluxQL durations: raw default 30d, long default INF */
  rawDuration?: string;
  longDuration?: string;
}

export interface SetupReport {
  created: string[];
  existing: string[];
  altered: string[];
}

export interface DownsampleDef {
  name: string;
  source: string;
  target: string;
  every: string;
  everyMs: number;
  /** the select list (aggregates with AS names) */
  select: string;
}

/** The continuous queries this store keeps. */
export const DOWNSAMPLES: readonly DownsampleDef[] = [
  {
    name: 'cq_signal_1m',
    source: 'signal',
    target: 'signal_1m',
    every: '1m',
    everyMs: 60000,
    select: 'mean("mean") AS "mean", min("min") AS "min", max("max") AS "max", last("last") AS "last", sum("n") AS "n"',
  },
  {
    name: 'cq_gateway_1m',
    source: 'gateway',
    target: 'gateway_1m',
    every: '1m',
    everyMs: 60000,
    select:
      'mean("frames_per_s") AS "frames_per_s", mean("bus_load_pct") AS "bus_load_pct", max("frames_total") AS "frames_total", max("error_frames") AS "error_frames", max("dropped") AS "dropped", max("malformed") AS "malformed", mean("outbox_bytes") AS "outbox_bytes", max("outbox_dropped") AS "outbox_dropped"',
  },
];

export function q(id: string): string {
  return '"' + id.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

interface RawResult {
  results?: Array<{ error?: string; series?: Array<{ name?: string; columns: string[]; values?: unknown[][] }> }>;
  error?: string;
}

async function run(c: QueryLike, query: string, database: string | undefined, method: 'GET' | 'POST'): Promise<RawResult> {
  const r = (await c.queryRaw(query, database ? { database, method } : { method })) as RawResult;
  const err = r.error ?? r.results?.find((x) => x.error)?.error;
  if (err) throw new Error(`${query.slice(0, 80)}: ${err}`);
  return r;
}

function rows(r: RawResult): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const res of r.results ?? [])
    for (const s of res.series ?? [])
      for (const v of s.values ?? []) {
        const row: Record<string, unknown> = { _series: s.name };
        s.columns.forEach((c, i) => (row[c] = v[i]));
        out.push(row);
      }
  return out;
}

/** InfluxQL duration ("30d", "12h", "INF") as InfluxDB shows it ("720h0m0s", "0s"). */
export function showDuration(d: string): string {
  if (/^inf$/i.test(d)) return '0s';
  const m = /^(\d+)(w|d|h|m|s)$/.exec(d);
  if (!m) throw new Error(`retention duration "${d}": use a number with w, d, h, m or s, or INF`);
  const secs = Number(m[1]) * { w: 604800, d: 86400, h: 3600, m: 60, s: 1 }[m[2] as 'w' | 'd' | 'h' | 'm' | 's'];
  const h = Math.floor(secs / 3600);
  const mi = Math.floor((secs % 3600) / 60);
  return `${h}h${mi}m${secs % 60}s`;
}

export function policies(o: SetupOptions): { raw: string; long: string } {
  return { raw: o.rawPolicy ?? 'raw', long: o.longPolicy ?? 'long' };
}

export async function ensureDatabase(c: QueryLike, o: SetupOptions): Promise<SetupReport> {
  const report: SetupReport = { created: [], existing: [], altered: [] };
  const db = o.database;
  const { raw, long } = policies(o);
  const dbs = rows(await run(c, 'SHOW DATABASES', undefined, 'GET')).map((r) => r.name);
  if (dbs.includes(db)) report.existing.push(`database ${db}`);
  else {
    await run(c, `CREATE DATABASE ${q(db)}`, undefined, 'POST');
    report.created.push(`database ${db}`);
  }
  const rps = rows(await run(c, `SHOW RETENTION POLICIES ON ${q(db)}`, undefined, 'GET'));
  for (const [name, dur] of [
    [raw, o.rawDuration ?? '30d'],
    [long, o.longDuration ?? 'INF'],
  ] as const) {
    const want = showDuration(dur);
    const have = rps.find((r) => r.name === name);
    if (!have) {
      await run(c, `CREATE RETENTION POLICY ${q(name)} ON ${q(db)} DURATION ${dur} REPLICATION 1`, undefined, 'POST');
      report.created.push(`retention policy ${name}`);
    } else if (have.duration !== want) {
      await run(c, `ALTER RETENTION POLICY ${q(name)} ON ${q(db)} DURATION ${dur}`, undefined, 'POST');
      report.altered.push(`retention policy ${name}`);
    } else report.existing.push(`retention policy ${name}`);
  }
  const cqs = rows(await run(c, 'SHOW CONTINUOUS QUERIES', undefined, 'GET')).filter((r) => r._series === db);
  for (const d of DOWNSAMPLES) {
    if (cqs.some((r) => r.name === d.name)) {
      report.existing.push(`continuous query ${d.name}`);
      continue;
    }
    await run(c, `CREATE CONTINUOUS QUERY ${q(d.name)} ON ${q(db)} BEGIN ${selectInto(o, d)} GROUP BY time(${d.every}), * END`, undefined, 'POST');
    report.created.push(`continuous query ${d.name}`);
  }
  return report;
}

function selectInto(o: SetupOptions, d: DownsampleDef): string {
  const { raw, long } = policies(o);
  const db = q(o.database);
  return `SELECT ${d.select} INTO ${db}.${q(long)}.${q(d.target)} FROM ${db}.${q(raw)}.${q(d.source)}`;
}

/** Recomputes a down-sampled series over [fromMs, toMs) (rounded out to whole intervals). */
export async function backfill(c: QueryLike, o: SetupOptions, source: string, fromMs: number, toMs: number): Promise<number> {
  let n = 0;
  for (const d of DOWNSAMPLES) {
    if (d.source !== source) continue;
    const a = Math.floor(fromMs / d.everyMs) * d.everyMs;
    const b = Math.ceil((toMs + 1) / d.everyMs) * d.everyMs;
    const r = await run(c, `${selectInto(o, d)} WHERE time >= ${a}ms AND time < ${b}ms GROUP BY time(${d.every}), *`, o.database, 'POST');
    for (const row of rows(r)) n += Number(row.written ?? 0);
  }
  return n;
}

/** Tracks late data per source measurement, for backfill once the outbox has drained. */
export class BackfillTracker {
  private readonly ranges = new Map<string, { from: number; to: number }>();
  private readonly sources = new Set(DOWNSAMPLES.map((d) => d.source));
  private readonly everyMs = new Map(DOWNSAMPLES.map((d) => [d.source, d.everyMs]));

  /** Points of `source` in [minUs, maxUs] were written at host time nowMs. */
  note(source: string, minUs: number, maxUs: number, nowMs: number, marginMs = 5000): void {
    if (!this.sources.has(source)) return;
    const every = this.everyMs.get(source)!;
    const minMs = minUs / 1000;
    // the continuous query covers the interval that ends after now; anything whose interval ended
    // (with a margin for the CQ's own run) before the write is late
    const lateBefore = Math.floor((nowMs + marginMs) / every) * every;
    if (minMs >= lateBefore - every) return;
    const to = Math.min(maxUs / 1000, lateBefore);
    const r = this.ranges.get(source);
    if (!r) this.ranges.set(source, { from: minMs, to });
    else {
      r.from = Math.min(r.from, minMs);
      r.to = Math.max(r.to, to);
    }
  }

  take(): Array<{ source: string; from: number; to: number }> {
    const out = [...this.ranges.entries()].map(([source, r]) => ({ source, ...r }));
    this.ranges.clear();
    return out;
  }

  get dirty(): boolean {
    return this.ranges.size > 0;
  }
}
