// Every panel query and variable query of the generated dashboards, run against a real influxd
// seeded by replaying the real car and truck logs through the engines and the store (seed.ts), with
// Grafana's macros substituted as Grafana's InfluxDB datasource does. The insurance measurements
// (renewal, claim, kpi) come from the real insurance code over the sample register (seed.ts).
// Every query must return data, over the dashboard's own time range (or the seeded one, if wider).
import assert from 'node:assert/strict';
import { buildDashboards, VARIABLE_QUERIES, type InfluxQLTarget } from '../../dashboards/src/index.js';
import { DB, DEPOT, DRIVER, seed, type Seeded } from './seed.js';

/** Grafana's relative time (`now-7d`, `now-2y`) in ms before now. */
function relativeMs(x: string | undefined): number {
  const m = /^now-(\d+)([smhdwy])$/.exec(x ?? '');
  assert.ok(m, `dashboard time ${x}`);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 }[m[2] as 's'];
  return Number(m[1]) * unit;
}

const reEscape = (s: string): string => s.replace(/[\\^$*+?.()|[\]{}\-/]/g, '\\$&');
/** Grafana's interpolation of a (multi/all) variable inside a regex: escaped values joined by | */
const regexValue = (values: readonly string[] | 'all'): string => (values === 'all' ? '.*' : `(${values.map(reEscape).join('|')})`);

export function substitute(q: string, o: { from: number; to: number; interval: string; vars: Record<string, readonly string[] | 'all'> }): string {
  let s = q.replace(/\$timeFilter/g, `time >= ${Math.floor(o.from)}ms AND time <= ${Math.ceil(o.to)}ms`).replace(/\$__interval/g, o.interval);
  for (const [k, v] of Object.entries(o.vars)) s = s.replace(new RegExp(`\\$${k}\\b`, 'g'), regexValue(v));
  assert.ok(!/\$[A-Za-z_]/.test(s), `unsubstituted macro left in ${s}`);
  return s;
}

interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}

interface PanelLike {
  title?: string;
  targets?: InfluxQLTarget[];
  fieldConfig?: { defaults?: { unit?: string }; overrides?: Array<{ matcher: { id: string; options?: unknown }; properties: Array<{ id: string; value?: unknown }> }> };
}

/** Plausible ranges of values per unit: catches a share written as 0..1 under a percent unit, m/s as km/h. */
const UNIT_RANGE: Record<string, [number, number]> = {
  percent: [0, 100],
  percentunit: [0, 1],
  velocitykmh: [0, 250],
  rotrpm: [0, 8000],
  accMS2: [-60, 60],
  hertz: [0, 20000],
  lengthkm: [0, 5000],
};

describe('dashboards: every query against a real InfluxDB seeded from real logs', function () {
  this.timeout(60000);
  let s: Seeded;
  const run = async (q: string): Promise<Series[]> => {
    const r = await s.influxd.query(q, DB);
    return (r.results ?? []).flatMap((x) => (x.series ?? []) as Series[]);
  };

  before(async () => {
    s = await seed();
  });
  after(async () => {
    await s?.close();
  });

  it('the seed went through the engines: signals, trips, events, scores, incidents, bus and store health, renewals, claims, KPIs', () => {
    for (const k of ['signals', 'trip', 'event', 'score', 'incident', 'gateway', 'renewal', 'claim_status', 'kpi']) assert.ok((s.counts[k] ?? 0) > 0, `${k}: ${JSON.stringify(s.counts)}`);
  });

  // by hand from test/fixtures/insurance, shifted so that today is 62 days after P-1006's expiry:
  // expiries P-1006 T-62, P-1005 T-61 (181-day term: not renewable), P-1004 T-31 (renewed by P-1008,
  // same VIN), P-1001 T-30 (renewed by P-1007), P-1002 T+14, P-1003 T+60, P-1008 T+334, P-1007 T+335.
  it('renewal: the daily run reminds P-1002 (14 days: the 15-day call) and P-1003 (60 days); the renewal-due panel counts them', async () => {
    const got = s.insurance.renewals.map((p) => [p.fields.policy, p.fields.days_to_expiry, p.tags.stage, p.tags.depot]).sort();
    assert.deepEqual(got, [['P-1002', 14, '15', DEPOT], ['P-1003', 60, '60', DEPOT]]);
    const panel = buildDashboards()[0]!.json.panels!.find((p) => (p as PanelLike).targets?.some((t) => t.measurement === 'renewal')) as PanelLike;
    const counts: Record<string, unknown> = {};
    for (const t of panel.targets!) {
      const r = await run(substitute(t.query, { from: s.from, to: s.to, interval: '10s', vars: { depot: [DEPOT] } }));
      for (const x of r) x.columns.forEach((c, i) => i > 0 && (counts[c] = x.values![0]![i]));
    }
    assert.deepEqual(counts, { due_60d: 2, due_30d: 1, due_15d: 1 });
  });

  it('kpi: renewal rate 2/3 of the year to today (P-1001, P-1004 renewed; P-1006 not), claims as filed and settled', async () => {
    const r = await run(`SELECT * FROM "long"."kpi" WHERE "depot" = '${DEPOT}' AND "split" = 'all'`);
    assert.equal(r.length, 1);
    const row = Object.fromEntries(r[0]!.columns.map((c, i) => [c, r[0]!.values![0]![i]]));
    const n = s.insurance.claims.length;
    assert.equal(n, s.counts.incident, 'one claim per incident');
    assert.deepEqual(s.insurance.claims.map((c) => c.state).sort(), ['closed', ...Array(n - 1).fill('acknowledged')].sort());
    assert.equal(row.renewal_rate, 0.6667);
    assert.equal(row.renewable, 3);
    assert.equal(row.renewed, 2);
    assert.equal(row.claims_reported, n);
    assert.equal(row.claims_registered, n);
    assert.equal(row.avg_claim_cents, Math.floor(s.insurance.settledCents / n + 0.5));
    assert.equal(row.outstanding_count, n - 1);
    // the claims are filed as the seed runs, days after the replayed incidents: none within 24 h
    assert.equal(row.registered_24h_rate, 0);
    assert.equal(row.closing_rate, Math.round((1 / n) * 10000) / 10000);
    assert.ok(typeof row.loss_ratio_cy === 'number' && row.loss_ratio_cy > 0, `loss ratio ${row.loss_ratio_cy}`);
    assert.equal(row.loss_ratio_cy, Math.round((s.insurance.settledCents / Number(row.earned_premium_cents)) * 10000) / 10000);
    // the split by claims: no renewable policy had a claim in its term (the claims are on P-1007/P-1008)
    const byClaims = await run(`SELECT last("renewal_rate"), last("renewable") FROM "long"."kpi" WHERE "depot" = '${DEPOT}' AND "split" = 'claims' GROUP BY "group"`);
    assert.deepEqual(Object.fromEntries(byClaims.map((x) => [x.tags!.group, x.values![0]!.slice(1)])), { claim_free: [0.6667, 3], claimed: [null, 0] });
  });

  it('claim: each claim went pending -> sent -> acknowledged, one closed, as `claim` points by status', async () => {
    const r = await run(`SELECT count("claim") FROM "long"."claim" WHERE "depot" = '${DEPOT}' GROUP BY "status"`);
    const n = s.insurance.claims.length;
    assert.deepEqual(Object.fromEntries(r.map((x) => [x.tags!.status, x.values![0]![1]])), { pending: n, sent: n, acknowledged: n, closed: 1 });
  });

  it('variables: depot -> vehicle -> driver', async () => {
    const vals = async (q: string, vars: Record<string, readonly string[] | 'all'> = {}) =>
      (await run(substitute(q, { from: s.from, to: s.to, interval: '10s', vars }))).flatMap((x) => (x.values ?? []).map((v) => String(v[1]))).sort();
    assert.deepEqual([...new Set(await vals(VARIABLE_QUERIES.depot))], [DEPOT]);
    assert.deepEqual([...new Set(await vals(VARIABLE_QUERIES.vehicle, { depot: [DEPOT] }))], ['car', 'truck']);
    assert.deepEqual([...new Set(await vals(VARIABLE_QUERIES.vehicle, { depot: ['elsewhere'] }))], [], 'the depot filters the vehicles');
    assert.deepEqual([...new Set(await vals(VARIABLE_QUERIES.driver, { depot: [DEPOT], vehicle: 'all' }))], [DRIVER]);
    assert.deepEqual([...new Set(await vals(VARIABLE_QUERIES.driver, { depot: [DEPOT], vehicle: ['truck'] }))], [], 'the vehicle filters the drivers');
  });

  for (const d of buildDashboards()) {
    const panels = (d.json.panels ?? []) as PanelLike[];
    const annotations = ((d.json.annotations?.list ?? []) as Array<{ name: string; target?: InfluxQLTarget }>).filter((a) => a.target && 'query' in a.target);
    /** the unit of each field the panel overrides by name */
    const overrideUnits = (p: PanelLike): Record<string, string> =>
      Object.fromEntries(
        (p.fieldConfig?.overrides ?? []).flatMap((o) => (o.matcher.id === 'byName' ? o.properties.filter((x) => x.id === 'unit').map((x) => [String(o.matcher.options), String(x.value)]) : [])),
      );
    const items: Array<{ title: string; unit: string | undefined; units: Record<string, string>; t: InfluxQLTarget }> = [
      ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title ?? '', unit: p.fieldConfig?.defaults?.unit, units: overrideUnits(p), t }))),
      ...annotations.map((a) => ({ title: `annotation ${a.name}`, unit: undefined, units: {}, t: a.target! })),
    ];
    const timeRange = (): { from: number; to: number } => ({ from: Math.min(s.from, Date.now() - relativeMs(d.json.time?.from)), to: s.to });
    for (const { title, unit, units, t } of items) {
      it(`${d.file}: ${title} [${t.refId}] parses and returns data`, async () => {
        const hasVehicle = /\$vehicle\b/.test(t.query);
        // the vehicle dashboard has one vehicle at a time: data in either vehicle's view counts
        const views = hasVehicle ? [['car'], ['truck']] : [['all']];
        const all: Series[] = [];
        for (const v of views) {
          const vars: Record<string, readonly string[] | 'all'> = { depot: [DEPOT], driver: 'all', vehicle: v[0] === 'all' ? 'all' : v };
          const q = substitute(t.query, { ...timeRange(), interval: '10s', vars });
          all.push(...(await run(q)));
        }
        assert.ok(all.length > 0, `no series for ${t.query}`);
        assert.ok(all.every((x) => x.name === t.measurement), `series of ${t.measurement}: ${all.map((x) => x.name)}`);
        // every column named with AS is there, and at least one has a value
        const aliases = [...t.query.matchAll(/ AS "([^"]+)"/g)].map((m) => m[1]!);
        for (const a of aliases) assert.ok(all.some((x) => x.columns.includes(a)), `column ${a} missing: ${all[0]!.columns}`);
        const cells = all.flatMap((x) => (x.values ?? []).flatMap((row) => row.slice(1).filter((v) => v !== null)));
        assert.ok(cells.length > 0, `only nulls for ${t.query}`);

        // GROUP BY tags come back as series tags with values
        const groupTags = [...(/ GROUP BY (.*?)(?: fill\(| ORDER | LIMIT |$)/.exec(t.query)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
        for (const g of groupTags) assert.ok(all.every((x) => typeof x.tags?.[g] === 'string'), `series not grouped by ${g}`);
        // the panel's unit (or the field's override) fits the values
        for (const x of all)
          x.columns.forEach((c, i) => {
            if (i === 0) return;
            const u = units[c] ?? unit;
            const range = u ? UNIT_RANGE[u] : undefined;
            if (range) for (const row of x.values ?? []) if (typeof row[i] === 'number') assert.ok((row[i] as number) >= range[0] && (row[i] as number) <= range[1], `${c} ${row[i]} out of range for unit ${u} in ${t.query}`);
          });
      });
    }
  }

  it('depot filter: another depot sees nothing', async () => {
    const t = buildDashboards()[0]!.json.panels!.flatMap((p) => ((p as PanelLike).targets ?? []) as InfluxQLTarget[]).find((x) => x.measurement === 'trip')!;
    const r = await run(substitute(t.query, { from: s.from, to: s.to, interval: '10s', vars: { depot: ['depot-2'] } }));
    assert.deepEqual(r, []);
  });
});
