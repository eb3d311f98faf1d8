// Every panel query and variable query of the generated dashboards, run against a real influxd
// seeded by replaying the real car and truck logs through the engines and the store (seed.ts), with
// Grafana's macros substituted as Grafana's InfluxDB datasource does.
import assert from 'node:assert/strict';
import { buildDashboards, VARIABLE_QUERIES, type InfluxQLTarget } from '../../dashboards/src/index.js';
import { DB, DEPOT, DRIVER, seed, type Seeded } from './seed.js';

/** Measurements the seed writes; claim/renewal/kpi come from the insurance flows, not a CAN log. */
const SEEDED = new Set(['signal', 'gateway', 'event', 'trip', 'score', 'incident']);

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
  fieldConfig?: { defaults?: { unit?: string } };
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

  it('the seed went through the engines: signals, trips, events, scores, incidents, bus and store health', () => {
    for (const k of ['signals', 'trip', 'event', 'score', 'incident', 'gateway']) assert.ok((s.counts[k] ?? 0) > 0, `${k}: ${JSON.stringify(s.counts)}`);
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
    const items: Array<{ title: string; unit: string | undefined; t: InfluxQLTarget }> = [
      ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title ?? '', unit: p.fieldConfig?.defaults?.unit, t }))),
      ...annotations.map((a) => ({ title: `annotation ${a.name}`, unit: undefined, t: a.target! })),
    ];
    for (const { title, unit, t } of items) {
      it(`${d.file}: ${title} [${t.refId}] parses and returns ${SEEDED.has(t.measurement) ? 'data' : 'no error (not seeded)'}`, async () => {
        const hasVehicle = /\$vehicle\b/.test(t.query);
        // the vehicle dashboard has one vehicle at a time: data in either vehicle's view counts
        const views = hasVehicle ? [['car'], ['truck']] : [['all']];
        const all: Series[] = [];
        for (const v of views) {
          const vars: Record<string, readonly string[] | 'all'> = { depot: [DEPOT], driver: 'all', vehicle: v[0] === 'all' ? 'all' : v };
          const q = substitute(t.query, { from: s.from, to: s.to, interval: '10s', vars });
          all.push(...(await run(q)));
        }
        if (!SEEDED.has(t.measurement)) return;
        assert.ok(all.length > 0, `no series for ${t.query}`);
        assert.ok(all.every((x) => x.name === t.measurement), `series of ${t.measurement}: ${all.map((x) => x.name)}`);
        // every column named with AS is there, and at least one has a value
        const aliases = [...t.query.matchAll(/ AS "([^"]+)"/g)].map((m) => m[1]!);
        for (const a of aliases) assert.ok(all.some((x) => x.columns.includes(a)), `column ${a} missing: ${all[0]!.columns}`);
        const cells = all.flatMap((x) => (x.values ?? []).flatMap((row) => row.slice(1).filter((v) => v !== null)));
        assert.ok(cells.length > 0, `only nulls for ${t.query}`);
        const nums = cells.filter((v): v is number => typeof v === 'number');
        // GROUP BY tags come back as series tags with values
        const groupTags = [...(/ GROUP BY (.*?)(?: fill\(| ORDER | LIMIT |$)/.exec(t.query)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
        for (const g of groupTags) assert.ok(all.every((x) => typeof x.tags?.[g] === 'string'), `series not grouped by ${g}`);
        // the panel's unit fits the values
        const range = unit ? UNIT_RANGE[unit] : undefined;
        if (range) for (const n of nums) assert.ok(n >= range[0] && n <= range[1], `${n} out of range for unit ${unit} in ${t.query}`);
      });
    }
  }

  it('depot filter: another depot sees nothing', async () => {
    const t = buildDashboards()[0]!.json.panels!.flatMap((p) => ((p as PanelLike).targets ?? []) as InfluxQLTarget[]).find((x) => x.measurement === 'trip')!;
    const r = await run(substitute(t.query, { from: s.from, to: s.to, interval: '10s', vars: { depot: ['depot-2'] } }));
    assert.deepEqual(r, []);
  });
});
