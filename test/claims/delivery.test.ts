// FNOL record, delivery through the outbox to the test insurer over HTTPS, retries, dead letters.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ClaimsService, FNOL_SCHEMA, fnolIdOf, fnolFromIncident, validateFnol, type ClaimStatus, type FnolRecord } from '../../edge/insurance/claims/index.js';
import type { StorePoint } from '../../edge/store/point.js';
import { validatePoint } from '../../edge/store/point.js';
import { makePki, TestInsurer, type Pki } from '../support/test-insurer.js';
import { incident, register, tmpdir, until, VEHICLES, VIN1 } from './helpers.js';

const SECRET = 'test-secret-0123456789abcdef';
const ROOT = path.resolve(__dirname, '../../..');

describe('claims: FNOL record', () => {
  it('is built from the incident and the policy, matches the published schema, and is stable', () => {
    const reg = register();
    const p = reg.getPolicy('POL-1')!;
    const i = incident(1);
    const r = fnolFromIncident(i, p, null, { test: true });
    assert.deepEqual(validateFnol(r), []);
    assert.equal(r.fnolId, fnolIdOf(i.id));
    assert.equal(r.fnolId, fnolFromIncident(structuredClone(i), p, null).fnolId, 'same incident, same id');
    assert.notEqual(r.fnolId, fnolIdOf(incident(2).id));
    assert.equal(JSON.stringify(fnolFromIncident(i, p, null, { test: true })), JSON.stringify(r), 'byte-identical on rebuild');
    assert.equal(r.source, 'automatic');
    assert.equal(r.test, true);
    assert.deepEqual(r.policy, { policyNumber: 'POL-1', documentType: 'FLEET_MOTOR' });
    assert.equal(r.vehicle.vin, VIN1);
    assert.equal(r.vehicle.plate, 'AB12 CDE');
    assert.equal(r.driver.driverId, 'D7');
    assert.equal(r.occurrence.dateTime, new Date(Math.round(i.t * 1000)).toISOString());
    assert.equal(r.occurrence.injuries, 'unknown');
    assert.match(r.occurrence.description, /6\.2 g at 54 km\/h/);
    assert.equal(r.location.latitude, i.position!.lat);
    assert.equal(r.location.positionTrusted, true);
    assert.equal(r.location.previousFixes.length, 2);
    assert.equal(r.crash!.peakG, 6.235);
    assert.equal(r.crash!.deltaVKmh, 22.5);
    assert.equal(r.crash!.speedBeforeKmh, 54.2);
    // an old fix is not trusted
    const stale = fnolFromIncident(incident(1, 'V1', { position: { t: T(1) - 30, lat: 56, lon: 10 } }), p, null);
    assert.equal(stale.location.positionTrusted, false);
    reg.close();
  });

  it('the published schema file is the schema the code enforces; broken records are named field by field', () => {
    const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/fnol.schema.json'), 'utf8')) as unknown;
    assert.deepEqual(file, FNOL_SCHEMA);
    const reg = register();
    const r = fnolFromIncident(incident(1), reg.getPolicy('POL-1')!, null) as unknown as Record<string, unknown>;
    const bad = structuredClone(r) as { vehicle: { vin: string }; location: { latitude: number }; extra?: number; occurrence: Partial<FnolRecord['occurrence']> };
    bad.vehicle.vin = 'SHORT';
    bad.location.latitude = 91;
    delete bad.occurrence.dateTime;
    bad.extra = 1;
    const fields = validateFnol(bad).map((e) => e.field).sort();
    assert.deepEqual(fields, ['extra', 'location.latitude', 'occurrence.dateTime', 'vehicle.vin']);
    reg.close();
  });
});

function T(n: number): number {
  return incident(n).t;
}

describe('claims: delivery to the insurer over HTTPS', function () {
  this.timeout(30000);
  let pki: Pki;
  let insurer: TestInsurer;
  const services: ClaimsService[] = [];
  before(() => {
    pki = makePki();
  });
  beforeEach(async () => {
    insurer = new TestInsurer(pki, SECRET);
    await insurer.start();
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await insurer.close();
  });

  function open(dir: string, extra: Partial<ConstructorParameters<typeof ClaimsService>[0]> = {}): { svc: ClaimsService; statuses: ClaimStatus[]; points: StorePoint[] } {
    const svc = new ClaimsService({
      dir,
      register: register(),
      vehicles: VEHICLES,
      endpoint: { url: insurer.url, secret: SECRET, ca: pki.caCert, timeoutMs: 400 },
      retry: { baseMs: 20, maxMs: 150 },
      ...extra,
    });
    services.push(svc);
    const statuses: ClaimStatus[] = [];
    const points: StorePoint[] = [];
    svc.on('status', (s) => statuses.push(s));
    svc.on('point', (p) => points.push(p));
    return { svc, statuses, points };
  }

  it('an incident becomes one acknowledged claim: signed, keyed, schema-valid; pending -> sent -> acknowledged as claim points', async () => {
    const reg = register();
    const { svc, statuses, points } = open(tmpdir('ok'), { register: reg });
    await svc.start();
    const s0 = await svc.submitIncident(incident(1));
    assert.equal(s0.state, 'pending');
    await until(() => svc.get(s0.fnolId)?.state === 'acknowledged', 5000, 'acknowledged');
    assert.equal(insurer.claims.size, 1);
    const stored = insurer.claims.get(s0.fnolId)!;
    assert.ok(stored, 'keyed by fnolId');
    assert.deepEqual(insurer.refusals, []);
    const c = svc.get(s0.fnolId)!;
    assert.equal(c.claimNumber, stored.claimNumber);
    assert.equal(c.reply!.httpStatus, 201);
    assert.equal(c.reply!.receivedAt, stored.firstAt);
    assert.deepEqual(statuses.map((s) => s.state), ['pending', 'sent', 'acknowledged']);
    for (const p of points) assert.ok(validatePoint(p).ok, JSON.stringify(validatePoint(p)));
    assert.deepEqual(points.map((p) => p.tags.status), ['pending', 'sent', 'acknowledged']);
    assert.equal(points[2]!.fields.claim_number, stored.claimNumber);
    // the same incident again (a replay, a redeploy): no second claim
    const again = await svc.submitIncident(incident(1));
    assert.equal(again.fnolId, s0.fnolId);
    assert.equal(again.state, 'acknowledged');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(insurer.requests, 1);
    // the register's claims ledger has it as registered
    const led = reg.listClaims();
    assert.equal(led.length, 1);
    assert.equal(led[0]!.claimId, s0.fnolId);
    assert.equal(led[0]!.status, 'registered');
    assert.equal(svc.pending(), 0, 'outbox drained');
  });

  it('500s, dropped connections before and after storing, timeouts, slow replies: retried with back-off, one claim, same number', async () => {
    const { svc, statuses } = open(tmpdir('retry'));
    await svc.start();
    for (const mode of ['500', 'drop-before', 'drop-after', 'timeout-after'] as const) {
      insurer.mode = mode;
      const before = insurer.requests;
      const n = ['500', 'drop-before', 'drop-after', 'timeout-after'].indexOf(mode) + 1;
      const s = await svc.submitIncident(incident(n));
      await until(() => insurer.requests >= before + 3, 8000, `${mode}: three attempts`);
      assert.notEqual(svc.get(s.fnolId)!.state, 'acknowledged');
      assert.match(svc.get(s.fnolId)!.reason ?? '', /attempt \d+: /);
      insurer.mode = 'slow';
      await until(() => svc.get(s.fnolId)?.state === 'acknowledged', 8000, `${mode}: acknowledged`);
      insurer.mode = 'none';
      const c = svc.get(s.fnolId)!;
      assert.ok(c.attempts >= 4, `${mode}: attempts ${c.attempts}`);
      assert.equal(c.claimNumber, insurer.claims.get(s.fnolId)!.claimNumber);
    }
    assert.equal(insurer.claims.size, 4, 'one claim per incident');
    const stored = [...insurer.claims.values()];
    assert.ok(stored.some((c) => c.requests > 1), 'a repeated key answered with the same claim');
    assert.equal(new Set(stored.map((c) => c.claimNumber)).size, 4);
    assert.equal(statuses.filter((s) => s.state === 'sent').length, 4, 'sent once per claim, not per attempt');
  });

  it('a 4xx is a dead letter with the reason, and does not hold up the next claim; a claim without a policy is dead too', async () => {
    const { svc } = open(tmpdir('dead'));
    await svc.start();
    const a = incident(1);
    insurer.rejectKeys.add(fnolIdOf(a.id));
    const sa = await svc.submitIncident(a);
    const sb = await svc.submitIncident(incident(2));
    await until(() => svc.get(sb.fnolId)?.state === 'acknowledged', 5000, 'second acknowledged');
    const ca = svc.get(sa.fnolId)!;
    assert.equal(ca.state, 'dead');
    assert.match(ca.reason!, /HTTP 422: policy not known/);
    assert.equal(ca.reply!.httpStatus, 422);
    const nop = await svc.submitIncident(incident(3, 'V9'));
    assert.equal(nop.state, 'dead');
    assert.match(nop.reason!, /no policy in force for vehicle "V9"/);
    assert.equal(insurer.claims.size, 1);
  });

  it('a wrong shared secret is refused by the insurer (401, dead letter); an untrusted server certificate is never sent to', async () => {
    const { svc } = open(tmpdir('auth'), { endpoint: { url: insurer.url, secret: 'another-secret-0123456789', ca: pki.caCert, timeoutMs: 400 } });
    await svc.start();
    const s = await svc.submitIncident(incident(1));
    await until(() => svc.get(s.fnolId)?.state === 'dead', 5000, 'dead');
    assert.match(svc.get(s.fnolId)!.reason!, /HTTP 401: signature: no match/);
    // without our CA the TLS handshake fails: retried, never delivered
    const { svc: svc2 } = open(tmpdir('ca'), { endpoint: { url: insurer.url, secret: SECRET, timeoutMs: 400 } });
    await svc2.start();
    const s2 = await svc2.submitIncident(incident(2));
    await until(() => (svc2.get(s2.fnolId)?.attempts ?? 0) >= 2, 5000, 'two attempts');
    assert.equal(svc2.get(s2.fnolId)!.state, 'sent');
    assert.match(svc2.get(s2.fnolId)!.reason!, /certificate|self.signed|issuer/i);
    assert.equal(insurer.claims.size, 0);
  });

  it('mutual TLS: the client certificate is presented when configured', async () => {
    await insurer.close();
    insurer = new TestInsurer(pki, SECRET, { requireClientCert: true });
    await insurer.start();
    const { svc } = open(tmpdir('mtls'), { endpoint: { url: insurer.url, secret: SECRET, ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey, timeoutMs: 1000 } });
    await svc.start();
    const s = await svc.submitIncident(incident(1));
    await until(() => svc.get(s.fnolId)?.state === 'acknowledged', 5000, 'acknowledged');
  });

  it('claims queued while the insurer is down survive a restart and are delivered after it', async () => {
    const dir = tmpdir('restart');
    insurer.mode = '500';
    const first = open(dir);
    await first.svc.start();
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) ids.push((await first.svc.submitIncident(incident(n))).fnolId);
    await until(() => insurer.requests >= 2, 5000, 'attempts');
    await first.svc.close();
    services.splice(services.indexOf(first.svc), 1);
    insurer.mode = 'none';
    const second = open(dir);
    await second.svc.start();
    await until(() => ids.every((id) => second.svc.get(id)?.state === 'acknowledged'), 5000, 'all acknowledged');
    assert.equal(insurer.claims.size, 3);
    assert.equal(second.svc.pending(), 0);
  });
});
