// The store against a real InfluxDB 1.x (Debian's influxd, started by the test on a free port).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromSamples } from '../../edge/signals/signal-batch.js';
import type { GatewayPoint } from '../../edge/can/ingest-monitor.js';
import { Store, type StoreOptions } from '../../edge/store/store.js';
import { createClient } from '../../edge/store/client.js';
import { parseLine, splitBody } from '../../edge/store/line.js';
import type { WirePoint } from '../../edge/store/point.js';
import { classify, type WriteOptions } from '../../edge/store/writer.js';
import { Influxd } from '../support/influxd.js';
import type { Score, ScoringEvent, TripSummary } from '../../edge/scoring/types.js';
import type { Incident, IncidentAlert } from '../../edge/incidents/types.js';
import { waitFor } from '../support/wait-for.js';

const DB = 'ubi_test';
// recent (raw points older than the raw retention policy are refused by InfluxDB), on a minute boundary
const T0 = Math.floor((Date.now() - 2 * 3600 * 1000) / 60000) * 60000; // ms


describe('store: InfluxDB (real influxd)', function () {
  this.timeout(60000);
  let influxd: Influxd;
  let dir: string;
  const stores: Store[] = [];

  function open(extra: Partial<StoreOptions> = {}, db = DB): Store {
    const s = new Store({
      dir: fs.mkdtempSync(path.join(dir, 'store-')),
      influx: { url: influxd.url, database: db, timeoutMs: 5000 },
      writer: { batchSize: 1000, maxAgeMs: 50, retryBaseMs: 50, retryMaxMs: 400 },
      ...extra,
    });
    stores.push(s);
    return s;
  }

  before(async () => {
    influxd = await Influxd.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-store-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close(500);
    if (!influxd.running) await influxd.start();
  });
  after(async () => {
    await influxd.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every kind lands with the right measurement, tags, fields and timestamp', async () => {
    const s = open({ depot: 'north', signals: { windowMs: 1000, latenessMs: 0 } });
    // SignalBatch: 2 signals over 2.5 s of data -> windows [0,1) and [1,2) close, [2,3) on flush
    const t = T0 / 1000;
    const batch = fromSamples('van-7', [
      { t: t + 0.1, name: 'Vehicle.Speed', value: 10 },
      { t: t + 0.5, name: 'Vehicle.Speed', value: 20 },
      { t: t + 0.9, name: 'Vehicle.Speed', value: 60 },
      { t: t + 0.2, name: 'Vehicle.Powertrain.CombustionEngine.Speed', value: 800 },
      { t: t + 1.4, name: 'Vehicle.Speed', value: 30 },
      { t: t + 2.5, name: 'Vehicle.Speed', value: 40 },
    ]);
    batch.texts.push({ t: t + 0.3, name: 'Vehicle.VehicleIdentification.VIN', value: 'WVWZZZ1JZXW000001' });
    const gw: GatewayPoint[] = [
      { measurement: 'gateway', tags: { vehicle: 'van-7', iface: 'can0' }, fields: { frames_per_s: 812.5, bus_load_pct: 31.25, frames_total: 120000, error_frames: 2, dropped: 0, malformed: 1 }, time: T0 + 1234.567 },
    ];
    const others = [
      { measurement: 'event', tags: { vehicle: 'van-7', driver: 'd-12', type: 'harsh_brake' }, fields: { duration_s: 1.2, peak: -5.5, lat: 52.1, lon: 4.3 }, time: T0 + 5000.001 },
      { measurement: 'trip', tags: { vehicle: 'van-7', driver: 'd-12' }, fields: { trip: 'trip-1', distance_km: 12.5, duration_s: 1800, score: 87, count_harsh_brake: 1 }, time: T0 + 6000 },
      { measurement: 'score', tags: { driver: 'd-12', period: 'day' }, fields: { score: 91.5, trips: 3, score_version: 'v1' }, time: T0 + 7000 },
      { measurement: 'incident', tags: { vehicle: 'van-7', type: 'crash' }, fields: { incident: 'inc-1', peak_g: 4.2, recording: 'rec/inc-1.log.gz' }, time: T0 + 8000 },
      { measurement: 'claim', tags: { status: 'submitted', vehicle: 'van-7' }, fields: { claim: 'c-1', incident: 'inc-1', policy: 'P-9' }, time: T0 + 9000 },
      { measurement: 'renewal', tags: { stage: 'reminder_1' }, fields: { policy: 'P-9', days_to_expiry: 30, quoted_premium: 1200.5, discount_pct: 7.5, reminder_stage: 1 }, time: T0 + 10000 },
    ];
    const r1 = await s.accept(batch);
    const r2 = await s.accept(gw);
    const r3 = await s.accept(others);
    const r4 = await s.flushSignals();
    assert.equal(r1.quarantined + r2.quarantined + r3.quarantined + r4.quarantined, 0, JSON.stringify(s.quarantine.read()));
    await s.writer!.drained();

    const sig = await influxd.rows(`SELECT * FROM "raw"."signal" WHERE vehicle='van-7' ORDER BY time`, DB);
    const speed = sig.filter((r) => r.signal === 'Vehicle.Speed');
    assert.deepEqual(
      speed.map((r) => [r.time, r.mean, r.min, r.max, r.last, r.n, r.depot]),
      [
        [T0 * 1000, 30, 10, 60, 60, 3, 'north'],
        [(T0 + 1000) * 1000, 30, 30, 30, 30, 1, 'north'],
        [(T0 + 2000) * 1000, 40, 40, 40, 40, 1, 'north'],
      ],
    );
    assert.deepEqual(sig.filter((r) => r.signal === 'Vehicle.VehicleIdentification.VIN').map((r) => [r.time, r.text]), [[T0 * 1000, 'WVWZZZ1JZXW000001']]);
    assert.equal(sig.filter((r) => r.signal === 'Vehicle.Powertrain.CombustionEngine.Speed')[0]!.mean, 800);

    const g = await influxd.rows(`SELECT * FROM "raw"."gateway" WHERE vehicle='van-7'`, DB);
    assert.deepEqual(g.map((r) => [r.time, r.vehicle, r.iface, r.frames_per_s, r.bus_load_pct, r.frames_total, r.malformed]), [[(T0 + 1234.567) * 1000, 'van-7', 'can0', 812.5, 31.25, 120000, 1]]);

    const ev = await influxd.rows(`SELECT * FROM "long"."event"`, DB);
    assert.deepEqual(ev.map((r) => [r.time, r.vehicle, r.driver, r.type, r.depot, r.duration_s, r.peak, r.lat]), [[(T0 + 5000) * 1000 + 1, 'van-7', 'd-12', 'harsh_brake', 'north', 1.2, -5.5, 52.1]]);
    const trip = await influxd.rows(`SELECT * FROM "long"."trip"`, DB);
    assert.deepEqual(trip.map((r) => [r.time, r.trip, r.distance_km, r.score, r.count_harsh_brake]), [[(T0 + 6000) * 1000, 'trip-1', 12.5, 87, 1]]);
    const score = await influxd.rows(`SELECT * FROM "long"."score"`, DB);
    assert.deepEqual(score.map((r) => [r.time, r.driver, r.period, r.score, r.score_version]), [[(T0 + 7000) * 1000, 'd-12', 'day', 91.5, 'v1']]);
    const inc = await influxd.rows(`SELECT * FROM "long"."incident"`, DB);
    assert.deepEqual(inc.map((r) => [r.time, r.type, r.incident, r.peak_g, r.recording]), [[(T0 + 8000) * 1000, 'crash', 'inc-1', 4.2, 'rec/inc-1.log.gz']]);
    const claim = await influxd.rows(`SELECT * FROM "long"."claim"`, DB);
    assert.deepEqual(claim.map((r) => [r.time, r.status, r.claim, r.policy]), [[(T0 + 9000) * 1000, 'submitted', 'c-1', 'P-9']]);
    const ren = await influxd.rows(`SELECT * FROM "long"."renewal"`, DB);
    assert.deepEqual(ren.map((r) => [r.time, r.stage, r.policy, r.quoted_premium, r.reminder_stage]), [[(T0 + 10000) * 1000, 'reminder_1', 'P-9', 1200.5, 1]]);
    // ids never became tags
    const tagKeys = await influxd.rows(`SHOW TAG KEYS`, DB);
    for (const k of tagKeys.map((r) => r.tagKey)) assert.ok(['depot', 'vehicle', 'driver', 'type', 'iface', 'signal', 'status', 'stage', 'period'].includes(String(k)), `tag ${String(k)}`);
  });

  it("the writer's body reaches InfluxDB the same through the client's pool and through the plain-HTTP fallback (rows, field types, errors)", async () => {
    const lines = [
      'signal,vehicle=v1,signal=Vehicle.Speed mean=50.5,min=50,max=51,count=10i 1700000000000000',
      'signal,vehicle=v1,signal=Vehicle.Speed mean=52.25,min=52,max=53,count=10i 1700000001000000',
      'event,vehicle=v1,type=harsh_braking peak_g=0.41,speed_kmh=48.5,id="v1/harsh_braking/1700000000500",note="a \\"quoted\\" one" 1700000000500000',
    ];
    const body = Buffer.from(lines.join('\n'));
    const rows: unknown[][] = [];
    for (const [db, pool] of [['ubi_via_pool', true], ['ubi_via_write_points', false]] as const) {
      await influxd.query(`CREATE DATABASE ${db}`, undefined, 'POST');
      const client = createClient({ url: influxd.url, database: db, timeoutMs: 5000 }, { pool });
      await client.writeBody(body, { precision: 'u' });
      const got: unknown[] = [];
      for (const m of ['signal', 'event']) got.push(await influxd.rows(`SELECT * FROM "${m}" ORDER BY time`, db));
      // the field types too (an integer written as a float would read back as the same number)
      got.push(await influxd.rows('SHOW FIELD KEYS', db));
      rows.push(got);
    }
    assert.equal((rows[0]![0] as unknown[]).length, 2);
    assert.equal((rows[0]![1] as unknown[]).length, 1);
    assert.deepEqual(rows[1], rows[0]);
    // and its failures read the same to the writer: a missing database, a field type conflict
    for (const pool of [true, false]) {
      const missing = createClient({ url: influxd.url, database: 'ubi_no_such_db', timeoutMs: 5000 }, { pool });
      const e1 = await missing.writeBody(body, { precision: 'u' }).then(() => null, (e: unknown) => e);
      assert.equal(classify(e1).kind, 'missing db', `pool ${pool}: ${String(e1)}`);
      const conflict = createClient({ url: influxd.url, database: 'ubi_via_pool', timeoutMs: 5000 }, { pool });
      const e2 = await conflict.writeBody(Buffer.from('signal,vehicle=v1,signal=Vehicle.Speed count="ten" 1700000002000000'), { precision: 'u' }).then(() => null, (e: unknown) => e);
      assert.equal(classify(e2).kind, 'bad', `pool ${pool}: ${String(e2)}`);
      assert.match(classify(e2).message, /field type conflict/);
    }
  });

  it('quarantines malformed and out-of-schema points with a reason; the rest flows', async () => {
    const db = 'ubi_quarantine';
    const s = open({}, db);
    const good = (i: number) => ({ measurement: 'event', tags: { vehicle: 'v1', type: 'speeding' }, fields: { peak: i, note: 'ok' }, time: T0 + i });
    const bad = [
      { measurement: 'evnt', tags: { vehicle: 'v1', type: 'x' }, fields: { peak: 1 }, time: T0 },
      { measurement: 'event', tags: { vehicle: 'v1', type: 'x' }, fields: { peak: Number.NaN }, time: T0 },
      { measurement: 'event', tags: { vehicle: 'v1', type: 'x' }, fields: { peak: 1 }, time: T0 / 1000 }, // seconds, not ms
      { measurement: 'event', tags: { vehicle: 'v1', type: 'x', trip_id: 'abc' }, fields: { peak: 1 }, time: T0 },
      { measurement: 'event', tags: { type: 'x' }, fields: { peak: 1 }, time: T0 },
      'not a point',
    ];
    const r = await s.accept([good(1), ...bad, good(2)]);
    assert.equal(r.points, 2);
    assert.equal(r.quarantined, bad.length);
    const reasons = s.quarantine.read().map((e) => e.reason);
    for (const re of [/measurement: "evnt" is not in the schema/, /field peak: NaN is not a finite number/, /time: .* not ms since the epoch/, /tag "trip_id" is not in the schema/, /tag vehicle: missing/, /not a point/])
      assert.equal(reasons.filter((x) => re.test(x)).length, 1, `${re}: ${reasons.join(' | ')}`);
    // a point that passes validation but InfluxDB refuses (field type conflict): bisected out,
    // quarantined with InfluxDB's reason; the 299 good points of the same batches are written
    const pts = [];
    for (let i = 10; i < 310; i++) pts.push(i === 150 ? { ...good(i), fields: { peak: 1, note: 5 } } : good(i));
    await s.accept(pts);
    await s.writer!.drained();
    const rows = await influxd.rows(`SELECT count(peak) FROM "long"."event"`, db);
    assert.equal(rows[0]!.count, 2 + 299);
    const dbq = s.quarantine.read().filter((e) => e.stage === 'database');
    assert.equal(dbq.length, 1);
    assert.match(dbq[0]!.reason, /field type conflict/);
    assert.equal((dbq[0]!.point as WirePoint).timestamp, (T0 + 150) * 1000);
    assert.equal(s.stats().quarantined, bad.length + 1);
  });

  it('outage: influxd stopped while streaming and restarted: zero lost, none duplicated, order kept', async () => {
    const db = 'ubi_outage';
    const N = 12000;
    const client = createClient({ url: influxd.url, database: db, timeoutMs: 3000 });
    // per successful request: the point indexes, in the order the requests were sent (with 2
    // batches pipelined, responses may complete in either order; acknowledgement stays in order)
    const sent: Array<{ idx: number[]; ok: boolean }> = [];
    const spy = {
      queryRaw: client.queryRaw,
      writeBody: async (body: Buffer, o: WriteOptions) => {
        const rec = { idx: splitBody(body).map((l) => parseLine(l)!.fields.mean as number), ok: false };
        sent.push(rec);
        await client.writeBody(body, o);
        rec.ok = true;
      },
    };
    const s = open({ client: spy, influx: { url: influxd.url, database: db } });
    await waitFor(() => s.stats().state === 'connected', 10000, 'setup');
    let stopped = false;
    let restarted = false;
    for (let i = 0; i < N; i += 200) {
      const pts = [];
      for (let k = i; k < i + 200; k++) pts.push({ measurement: 'signal', tags: { vehicle: 'v1', signal: 'seq' }, fields: { mean: k }, time: T0 + k });
      const r = await s.accept(pts);
      assert.equal(r.points, 200);
      if (i >= N * 0.25 && !stopped) {
        stopped = true;
        await influxd.stop();
      }
      if (i >= N * 0.7 && !restarted) {
        await waitFor(() => s.stats().state === 'buffering', 10000, 'buffering state');
        assert.ok(s.stats().pending > 0, 'points wait in the outbox');
        restarted = true;
        await influxd.start();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await s.writer!.drained(20, 30000);
    const rows = await influxd.rows(`SELECT "mean" FROM "raw"."signal" ORDER BY time`, db);
    assert.equal(rows.length, N, 'exactly N points, none lost, none duplicated');
    for (let i = 0; i < N; i++) assert.equal(rows[i]!.mean, i);
    assert.equal(rows.at(-1)!.time, (T0 + N - 1) * 1000);
    // each point written exactly once; sent in order, except that a batch pipelined behind one that
    // met the outage can get through before that one's retry (at most one swap per outage)
    const delivered = sent.filter((r) => r.ok).map((r) => r.idx);
    const flat = delivered.flat();
    assert.deepEqual([...flat].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i), 'each point delivered once');
    let swaps = 0;
    for (let i = 1; i < delivered.length; i++) if (delivered[i]![0]! < delivered[i - 1]![0]!) swaps++;
    assert.ok(swaps <= 1, `${swaps} out-of-order batches: ${delivered.map((d) => `${d[0]}+${d.length}`).join(' ')}`);
    assert.ok(s.writer!.failures > 0, 'the outage was seen');
  });

  it('disk cap: with the database down, signals are dropped oldest first, events never; counters match', async () => {
    const db = 'ubi_cap';
    const s = open({ outbox: { capBytes: 60000, segmentBytes: 4000 } }, db);
    await waitFor(() => s.stats().state === 'connected', 10000, 'setup');
    await influxd.stop();
    let sig = 0;
    let ev = 0;
    for (let round = 0; round < 100; round++) {
      const pts: unknown[] = [];
      for (let k = 0; k < 20; k++, sig++) pts.push({ measurement: 'signal', tags: { vehicle: 'v1', signal: 'seq' }, fields: { mean: sig }, time: T0 + sig });
      pts.push({ measurement: 'event', tags: { vehicle: 'v1', type: 'harsh_brake' }, fields: { peak: ev }, time: T0 + ev++ });
      await s.accept(pts);
    }
    const st = s.stats();
    assert.equal(st.state, 'dropping');
    assert.ok(st.outbox.streams.signal!.dropped > 0);
    assert.equal(st.outbox.streams.event!.dropped, 0);
    await influxd.start();
    await s.writer!.drained(20, 30000);
    const events = await influxd.rows(`SELECT "peak" FROM "long"."event" ORDER BY time`, db);
    assert.deepEqual(events.map((r) => r.peak), Array.from({ length: ev }, (_, i) => i), 'every event arrives');
    const signals = await influxd.rows(`SELECT "mean" FROM "raw"."signal" ORDER BY time`, db);
    const dropped = s.stats().outbox.streams.signal!.dropped;
    assert.equal(signals.length + dropped, sig, `written ${signals.length} + dropped ${dropped} = appended ${sig}`);
    // oldest first: what arrived is the points written before the outage plus the newest ones
    const vals = signals.map((r) => r.mean as number);
    const firstGap = vals.findIndex((v, i) => v !== i);
    if (firstGap >= 0) assert.deepEqual(vals.slice(firstGap), Array.from({ length: vals.length - firstGap }, (_, i) => sig - (vals.length - firstGap) + i));
  });

  it('creates the database, retention policies and continuous queries once; they survive restarts', async () => {
    const db = 'ubi_setup';
    const s1 = open({ setup: { rawDuration: '7d', longDuration: 'INF' } }, db);
    await waitFor(() => s1.lastSetup !== undefined, 10000, 'setup');
    assert.deepEqual(s1.lastSetup!.created, ['database ubi_setup', 'retention policy raw', 'retention policy long', 'continuous query cq_signal_1m', 'continuous query cq_gateway_1m']);
    await s1.close();
    await influxd.stop();
    await influxd.start();
    const s2 = open({ setup: { rawDuration: '7d', longDuration: 'INF' } }, db);
    await waitFor(() => s2.lastSetup !== undefined, 10000, 'setup');
    assert.deepEqual(s2.lastSetup!.created, []);
    assert.deepEqual(s2.lastSetup!.altered, []);
    assert.equal(s2.lastSetup!.existing.length, 5);
    const rps = await influxd.rows(`SHOW RETENTION POLICIES ON "${db}"`);
    assert.deepEqual(rps.filter((r) => r.name === 'raw' || r.name === 'long').map((r) => [r.name, r.duration]), [['raw', '168h0m0s'], ['long', '0s']]);
    const cqs = (await influxd.query('SHOW CONTINUOUS QUERIES')).results![0]!.series!.find((x) => x.name === db)!;
    assert.deepEqual(cqs.values!.map((v) => v[0]).sort(), ['cq_gateway_1m', 'cq_signal_1m']);
    await s2.close();
    // a changed duration is altered, not duplicated
    const s3 = open({ setup: { rawDuration: '14d' } }, db);
    await waitFor(() => s3.lastSetup !== undefined, 10000, 'setup');
    assert.deepEqual(s3.lastSetup!.altered, ['retention policy raw']);
  });

  it('backfills the down-sampled series after late (replayed) data', async () => {
    const db = 'ubi_backfill';
    const s = open({}, db);
    await waitFor(() => s.stats().state === 'connected', 10000, 'setup');
    const old = Math.floor((Date.now() - 3 * 3600 * 1000) / 60000) * 60000; // 3 h ago, a minute boundary
    const pts = [];
    for (let i = 0; i < 180; i++) pts.push({ measurement: 'signal', tags: { vehicle: 'v9', signal: 'Vehicle.Speed' }, fields: { mean: i, min: i, max: i + 1, last: i, n: 2 }, time: old + i * 1000 });
    await s.accept(pts);
    await s.writer!.drained();
    const n = await s.runBackfill();
    assert.ok(n >= 3, `backfilled ${n}`);
    const rows = await influxd.rows(`SELECT * FROM "long"."signal_1m" WHERE vehicle='v9' ORDER BY time`, db);
    assert.deepEqual(
      rows.map((r) => [r.time, r.mean, r.min, r.max, r.n]),
      [0, 1, 2].map((m) => [(old + m * 60000) * 1000, m * 60 + 29.5, m * 60, m * 60 + 60, 120]),
    );
  });

  it("writes the store's own health as a gateway point (outbox depth, drops)", async () => {
    const db = 'ubi_health';
    open({ healthIntervalMs: 100, host: 'pi-7' }, db);
    await waitFor(async () => {
      try {
        return (await influxd.rows(`SELECT * FROM "raw"."gateway" WHERE host='pi-7'`, db)).length > 0;
      } catch {
        return false;
      }
    }, 10000, 'health point');
    const row = (await influxd.rows(`SELECT * FROM "raw"."gateway" WHERE host='pi-7' LIMIT 1`, db))[0]!;
    assert.equal(typeof row.outbox_bytes, 'number');
    assert.equal(row.outbox_dropped, 0);
    assert.ok((row.rss_bytes as number) > 1e6);
    assert.ok(Math.abs((row.time as number) / 1000 - Date.now()) < 10000, 'host time');
  });

  it('with no InfluxDB reachable keeps accepting, buffers within the cap and says so', async () => {
    const logs: string[] = [];
    const s = new Store({
      dir: fs.mkdtempSync(path.join(dir, 'dead-')),
      influx: { url: 'http://127.0.0.1:9', database: 'x', timeoutMs: 500 },
      log: (_l, m) => logs.push(m),
    });
    stores.push(s);
    const r = await s.accept([{ measurement: 'event', tags: { vehicle: 'v', type: 't' }, fields: { peak: 1 }, time: T0 }]);
    assert.equal(r.points, 1);
    await waitFor(() => s.stats().state === 'buffering', 5000, 'buffering');
    assert.equal(s.stats().pending, 1);
    assert.ok(logs.some((l) => /setup failed, buffering/.test(l)), logs.join('\n'));
  });
});

describe('store: scoring and incident records into InfluxDB (real influxd)', function () {
  this.timeout(30000);
  let influxd: Influxd;
  let dir: string;
  before(async () => {
    influxd = await Influxd.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-store-kinds-'));
  });
  after(async () => {
    await influxd.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ScoringEvent, TripSummary, Score, IncidentAlert + Incident land as event, trip, score, incident', async () => {
    const db = 'ubi_kinds';
    const s = new Store({ dir, influx: { url: influxd.url, database: db }, writer: { maxAgeMs: 20 }, healthIntervalMs: 0 });
    const t0 = T0 / 1000 + 0.25; // s
    const counts = { harsh_braking: 1, harsh_acceleration: 0, harsh_cornering: 0, speeding: 2, idling: 0, fatigue: 0 };
    const ev: ScoringEvent = { kind: 'event', id: `van-7/harsh_braking/${t0 * 1000}`, vehicle: 'van-7', driver: 'd-1', type: 'harsh_braking', t0, t1: t0 + 1.5, duration: 1.5, peak: 0.52, unit: 'g', peakT: t0 + 0.5, threshold: 0.4, speedAtStart: 63, position: { t: t0, lat: 52.1, lon: 4.3 }, accelSource: 'measured', configVersion: 'c1' };
    const trip = { kind: 'trip', id: 'van-7/trip/1', vehicle: 'van-7', driver: 'd-1', drivers: ['d-1'], t0: t0 - 600, t1: t0 + 600, duration: 1200, drivingSeconds: 1100, idleSeconds: 100, gapSeconds: 0, distance: 12.5, distanceSource: 'speed', speedDistance: 12.5, odometerDistance: null, maxSpeed: 88, startPosition: null, endPosition: { t: t0 + 600, lat: 52.2, lon: 4.4 }, counts, speedingSeconds: 30, speedingShare: 0.025, nightSeconds: 0, nightShare: 0, accelSources: ['measured'], score: 81.5, scoreStatus: 'ok', version: 'ubi-score/1', configVersion: 'c1', events: [] } as TripSummary;
    const score = { kind: 'score', scope: 'driver', key: 'd-1', driver: 'd-1', from: t0 - 86400, to: t0 + 700, distance: 40, duration: 3600, counts, ratePer100Km: counts, deductions: counts, speedingShare: 0.01, speedingDeduction: 1, score: null, status: 'insufficient_data', version: 'ubi-score/1', configVersion: 'c1', trips: ['a', 'b'], events: [] } as unknown as Score;
    const alert: IncidentAlert = { kind: 'incident_alert', id: 'van-7/incident/1', vehicle: 'van-7', t: t0 + 900, trigger: 'acceleration', peakG: 3.1, speedBefore: 45, position: null, moving: true, configVersion: 'c1' };
    const incident = { ...alert, kind: 'incident', triggers: [{ t: t0 + 900, trigger: 'acceleration', value: 3.1 }], previousFixes: [], peakG: 4.2, peakT: t0 + 900.1, accelSource: 'calibrated', deltaV: 22, speedAfter: 0, recording: { from: 0, to: 1, signals: [], t: [1, 2, 3], signal: [0, 0, 0], value: [1, 2, 3], texts: [] } } as Incident;
    const r = await s.accept([ev, trip, score, alert, { kind: 'calibration', vehicle: 'van-7' }]);
    await s.accept(incident);
    assert.equal(r.quarantined, 0, JSON.stringify(s.quarantine.read()));
    await s.writer!.drained();
    const e = await influxd.rows(`SELECT * FROM "long"."event"`, db);
    assert.deepEqual(e.map((x) => [x.time, x.vehicle, x.driver, x.type, x.event, x.peak, x.speed_kmh, x.lat]), [[Math.round(t0 * 1e6), 'van-7', 'd-1', 'harsh_braking', ev.id, 0.52, 63, 52.1]]);
    const t = await influxd.rows(`SELECT * FROM "long"."trip"`, db);
    assert.deepEqual(t.map((x) => [x.time, x.trip, x.distance_km, x.score, x.count_speeding, x.end_lat, x.start_lat]), [[Math.round((t0 + 600) * 1e6), 'van-7/trip/1', 12.5, 81.5, 2, 52.2, undefined]]); // no start fix: no such field
    const sc = await influxd.rows(`SELECT * FROM "long"."score"`, db);
    assert.deepEqual(sc.map((x) => [x.time, x.scope, x.driver, x.key, x.score, x.status, x.trips]), [[Math.round((t0 + 700) * 1e6), 'driver', 'd-1', 'd-1', undefined, 'insufficient_data', 2]]); // a null score is an absent field
    const inc = await influxd.rows(`SELECT * FROM "long"."incident"`, db);
    assert.deepEqual(inc.map((x) => [x.time, x.type, x.incident, x.stage, x.peak_g, x.delta_v_kmh, x.recording_samples]), [[Math.round((t0 + 900) * 1e6), 'acceleration', 'van-7/incident/1', 'recorded', 4.2, 22, 3]]);
    await s.close();
  });
});
