// Faults, with real processes and servers: InfluxDB down during the replay and back, the insurer
// answering 500 and recovering, garbage lines in the log, the appliance killed -9 and restarted
// (twice: with the claim still queued, and after it was acknowledged), a DBC with a syntax error.
// Expectations come from `ubi-edge score` on the clean log and from the injected crash (one).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Influxd } from '../support/influxd.js';
import { makePki, TestInsurer, type Pki } from '../support/test-insurer.js';
import { buildTruckCrashLog, GNSS_DBC, DEMO_DBC, type TruckCrashLog } from '../support/e2e-log.js';
import { Appliance, applianceEnv, cliScore, count, E2E, e2eFlows, IDS, idleDefaultFlows, makeRegister, until, type FlowNode, type Kinded } from '../support/e2e-appliance.js';

const { SECRET, VEHICLE, VIN } = E2E;

type ClaimsList = { counts: Record<string, number>; claims: Array<{ fnolId: string; state: string; attempts: number; claimNumber: string | null; record: { crash: { incidentId: string } } }> };

describe('faults: real processes, real servers', function () {
  this.timeout(180000);
  let dir: string;
  let log: TruckCrashLog;
  let expected: Kinded[];
  let pki: Pki;
  let insurer: TestInsurer;
  const apps: Appliance[] = [];
  const dbs: Influxd[] = [];

  const want = (k: string) => expected.filter((x) => x.kind === k);
  const wantCounts = () => ({ event: want('event').length, trip: want('trip').length, score: want('score').length, incident: want('incident').length });
  const influxCounts = async (db: Influxd) => ({ event: await count(db, 'event'), trip: await count(db, 'trip'), score: await count(db, 'score'), incident: await count(db, 'incident', `stage='recorded'`) });
  /** Waits until InfluxDB holds exactly what the CLI computed (ids compared too), and stays so. */
  async function assertExactlyExpected(db: Influxd, what: string): Promise<void> {
    let got = {};
    await until(
      async () => {
        got = await influxCounts(db);
        return JSON.stringify(got) === JSON.stringify(wantCounts());
      },
      60000,
      `${what}: InfluxDB to hold ${JSON.stringify(wantCounts())} (has ${JSON.stringify(got)})`,
      250,
    );
    const events = await db.rows(`SELECT * FROM "long"."event"`, 'ubi');
    assert.deepEqual(events.map((e) => e.event).sort(), want('event').map((e) => e.id).sort(), `${what}: the same events`);
    const trips = await db.rows(`SELECT * FROM "long"."trip"`, 'ubi');
    assert.deepEqual(trips.map((t) => t.trip), want('trip').map((t) => t.id), `${what}: the same trip`);
    const inc = await db.rows(`SELECT * FROM "long"."incident"`, 'ubi');
    assert.deepEqual(inc.map((i) => i.incident), want('incident').map((i) => i.id), `${what}: the same incident`);
  }
  async function claims(app: Appliance): Promise<ClaimsList> {
    const r = await app.api<ClaimsList>('/claims');
    assert.equal(r.status, 200);
    return r.body;
  }
  async function setUp(tag: string): Promise<{ app: Appliance; db: Influxd; defaults: FlowNode[] }> {
    const db = await Influxd.start();
    dbs.push(db);
    const data = path.join(dir, tag, 'data');
    fs.mkdirSync(data, { recursive: true });
    makeRegister(path.join(data, 'register.db'), log.t0);
    const flowFile = path.join(dir, tag, 'flows.json');
    const defaults = idleDefaultFlows(flowFile);
    const app = new Appliance(data, flowFile, applianceEnv(db, insurer));
    apps.push(app);
    await app.start();
    app.setPassword();
    return { app, db, defaults };
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-faults-'));
    log = buildTruckCrashLog(path.join(dir, 'truck-crash.log'));
    expected = cliScore(log.file, dir);
    assert.equal(want('incident').length, 1);
    fs.mkdirSync(path.join(dir, 'pki'));
    pki = makePki(path.join(dir, 'pki'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), pki.caCert);
    insurer = new TestInsurer(pki, SECRET);
    await insurer.start();
  });
  after(async () => {
    for (const a of apps) await a.stop();
    await insurer?.close();
    for (const d of dbs) await d.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('InfluxDB down, the insurer failing, garbage lines in the log', () => {
    let app: Appliance;
    let db: Influxd;
    let garbage: string;
    const bad: Array<{ line: number; text: string }> = [];

    before(async () => {
      // the same log with garbage lines at known places
      const lines = fs.readFileSync(log.file, 'utf8').split('\n');
      const inserts = new Map([
        [10, 'this is not a candump line'],
        [30000, '(1794855700.000000) can0 XYZ#0011'],
        [60000, '(1794855'],
        [90000, 'can1 009#DEADBEEF'],
      ]);
      const out: string[] = [];
      lines.forEach((l, i) => {
        const ins = inserts.get(i);
        if (ins !== undefined) {
          out.push(ins);
          bad.push({ line: out.length, text: ins });
        }
        out.push(l);
      });
      garbage = path.join(dir, 'garbage.log');
      fs.writeFileSync(garbage, out.join('\n'));
      ({ app, db } = await setUp('down'));
      // the idle flows created the database; now it goes away and the insurer fails
      await until(async () => (await db.query('SHOW DATABASES')).results?.[0]?.series?.[0]?.values?.some((v) => v[0] === 'ubi'), 20000, 'database created');
      await db.stop();
      insurer.mode = '500';
      const flows = (await app.flows()).flows;
      await app.deploy(e2eFlows(flows, { replayFile: garbage, caFile: path.join(dir, 'ca.pem'), vehicles: { [VEHICLE]: VIN } }), { [IDS.insurer]: { secret: SECRET } });
    });

    it('the insurer answering 500: the claim stays queued and is retried, then filed exactly once when it recovers', async () => {
      const before = insurer.requests;
      await until(() => insurer.requests - before >= 3, 60000, 'three attempts at the failing insurer', 100);
      const q = await claims(app);
      assert.equal(q.claims.length, 1);
      assert.notEqual(q.claims[0]!.state, 'acknowledged');
      assert.equal(q.claims[0]!.record.crash.incidentId, want('incident')[0]!.id);
      assert.equal(insurer.claims.size, 0, 'a 500 stores nothing');
      insurer.mode = 'none';
      const ok = await until(async () => (await claims(app)).claims.find((c) => c.state === 'acknowledged'), 30000, 'acknowledged', 100);
      assert.ok(ok.attempts >= 4, `attempts ${ok.attempts}`);
      assert.equal(insurer.claims.size, 1);
      assert.equal([...insurer.claims.values()][0]!.requests, 1, 'stored once');
      assert.equal(ok.claimNumber, [...insurer.claims.values()][0]!.claimNumber);
    });

    it('InfluxDB stopped during the replay and restarted: nothing lost, nothing duplicated (exactly what the CLI computed, every signal window)', async () => {
      // the replay ran while the database was down (the claim above was filed from its crash)
      assert.equal(db.running, false);
      await db.start();
      await assertExactlyExpected(db, 'after the outage');
      const span = Math.floor(log.t1) - Math.floor(log.t0) + 1;
      // signals drain after the events (their stream is lower priority): wait for the windows
      let times: number[] = [];
      await until(
        async () => {
          times = (await db.rows(`SELECT "n" FROM "raw"."signal" WHERE vehicle='${VEHICLE}' AND signal='Vehicle.Speed'`, 'ubi')).map((r) => (r.time as number) / 1e6);
          return times.length >= span - 8;
        },
        30000,
        `Vehicle.Speed windows (${times.length} of ${span})`,
        250,
      );
      assert.ok(times.length <= span, `${times.length} windows over ${span} s`);
      assert.deepEqual(times.slice(1).filter((t, i) => t - times[i]! !== 1), [], 'no missing window');
      const claimPts = await until(async () => {
        const r = await db.rows(`SELECT * FROM "long"."claim"`, 'ubi').catch(() => []);
        return r.some((p) => p.status === 'acknowledged') ? r : null;
      }, 20000, 'claim points', 250);
      assert.equal(claimPts.filter((p) => p.status === 'acknowledged').length, 1);
    });

    it('garbage lines: each named by file:line in the log, everything else flows', () => {
      for (const b of bad) assert.match(app.text, new RegExp(`garbage\\.log:${b.line}\\b`), `line ${b.line} (${b.text}) named`);
      assert.equal(app.running, true);
    });
  });

  describe('the appliance killed -9 and restarted', () => {
    let app: Appliance;
    let db: Influxd;
    let defaults: FlowNode[];

    before(async () => {
      insurer.claims.clear();
      insurer.mode = 'none';
      ({ app, db, defaults } = await setUp('kill'));
    });

    it('killed with the claim queued (insurer failing): after the restart the same claim is filed once; the replayed data is not duplicated', async () => {
      insurer.mode = '500';
      const before = insurer.requests;
      await app.deploy(e2eFlows(defaults, { replayFile: log.file, caFile: path.join(dir, 'ca.pem'), vehicles: { [VEHICLE]: VIN } }), { [IDS.insurer]: { secret: SECRET } });
      await until(() => insurer.requests > before, 60000, 'the claim attempted', 50);
      const queued = (await claims(app)).claims;
      assert.equal(queued.length, 1);
      await app.kill9();
      insurer.mode = 'none';
      await app.start(); // the saved flows: replays the log again from its start
      const ok = await until(async () => (await claims(app)).claims.find((c) => c.state === 'acknowledged'), 60000, 'acknowledged after the restart', 100);
      assert.equal(ok.fnolId, queued[0]!.fnolId);
      await assertExactlyExpected(db, 'after kill -9 and the replay again');
      assert.equal((await claims(app)).claims.length, 1, 'one claim');
      assert.equal(insurer.claims.size, 1, 'one claim at the insurer');
    });

    it('killed after the acknowledgement: nothing acknowledged is lost, no second claim', async () => {
      const fnol = [...insurer.claims.keys()][0]!;
      const requests = insurer.requests;
      await app.kill9();
      const restarted = Date.now();
      await app.start();
      // the whole log is replayed again (the crash included): bus health counts every frame of it
      await until(
        async () => {
          const r = await db.rows(`SELECT last("frames_total") AS n FROM "raw"."gateway" WHERE time > ${restarted}ms AND iface =~ /.+/ GROUP BY iface`, 'ubi');
          return r.reduce((a, x) => a + (x.n as number), 0) === log.lines;
        },
        60000,
        `the replay of all ${log.lines} frames after the restart`,
        250,
      );
      // the replay runs again and the incident recurs: wait for its trip (the end of the log) to be written again
      const c = await until(async () => (await claims(app)).claims, 30000, 'claims API after restart', 100);
      assert.deepEqual(c.map((x) => [x.fnolId, x.state]), [[fnol, 'acknowledged']]);
      await assertExactlyExpected(db, 'after the second kill -9');
      // the incident of the replay reached ubi-claim again by now (the trip closes after it): still one claim
      const after = (await claims(app)).claims;
      assert.deepEqual(after.map((x) => [x.fnolId, x.state]), [[fnol, 'acknowledged']]);
      assert.equal(insurer.claims.size, 1);
      assert.equal(insurer.requests, requests, 'an acknowledged claim is not sent again');
    });

    it('a DBC with a syntax error: the decoder names file:line:col, the process stays up, /healthz ok', async () => {
      const broken = path.join(dir, 'broken-gnss.dbc');
      const text = fs.readFileSync(GNSS_DBC, 'utf8').split('\n');
      const at = text.findIndex((l) => l.startsWith(' SG_ AccelerationX')) + 1;
      text[at - 1] = ' SG_ AccelerationX : 1|10@1+ (0.125,-64) [-64|63.875 "m/s^2" Vector__XXX';
      fs.writeFileSync(broken, text.join('\n'));
      const flows = (await app.flows()).flows.map((n) => (n.id === IDS.decode ? { ...n, interfaces: `can0: ${DEMO_DBC}, j1939\ncan1: ${broken}` } : n));
      const mark = app.text.length;
      await app.deploy(flows);
      await until(() => new RegExp(`\\[error\\] \\[ubi-decode:[^\\]]*\\] .*broken-gnss\\.dbc:${at}:\\d+`).test(app.text.slice(mark)), 20000, `an error naming broken-gnss.dbc:${at}`, 100);
      const h = await app.health();
      assert.equal(h.status, 200);
      assert.equal(h.body.status, 'ok');
      assert.equal(app.running, true);
      // and the rest of the appliance still answers
      assert.equal((await app.api<ClaimsList>('/claims')).status, 200);
    });
  });
});
