// REST: manual FNOL (400 naming fields, same queue, idempotent), claim views, evidence download, and
// the insurer's callback (signature checked, forged and stale refused), on a bare express app.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ClaimsService, sign, type ClaimStatus } from '../../edge/insurance/claims/index.js';
import { createClaimsRouter, createInsurerCallbackRouter } from '../../edge/server/claims-api.js';
import type { PolicyRegister } from '../../edge/insurance/register.js';
import { makePki, TestInsurer, type Pki } from '../support/test-insurer.js';
import { incident, register, tmpdir, until, VEHICLES, VIN1 } from './helpers.js';

const SECRET = 'api-test-secret-0123456789abcdef';

describe('claims: REST API and insurer callback', function () {
  this.timeout(30000);
  let pki: Pki;
  let insurer: TestInsurer;
  let svc: ClaimsService | null;
  let reg: PolicyRegister;
  let server: http.Server;
  let base = '';
  const statuses: ClaimStatus[] = [];

  before(async () => {
    pki = makePki();
    insurer = new TestInsurer(pki, SECRET);
    await insurer.start();
    reg = register();
    svc = new ClaimsService({ dir: tmpdir('api'), register: reg, vehicles: VEHICLES, endpoint: { url: insurer.url, secret: SECRET, ca: pki.caCert, timeoutMs: 500 }, retry: { baseMs: 20, maxMs: 100 } });
    svc.on('status', (s) => statuses.push(s));
    await svc.start();
    const app = express();
    app.use('/api/v1', createClaimsRouter({ claims: () => svc }));
    app.use('/insurer/callback', createInsurerCallbackRouter({ claims: () => svc }));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await svc?.close();
    reg.close();
    await new Promise<void>((r) => server.close(() => r()));
    await insurer.close();
  });

  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; text: string }> => {
    const res = await fetch(base + p, { method, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  };
  const fields = (j: Record<string, unknown>): string[] => ((j.errors as Array<{ field: string }>) ?? []).map((e) => e.field).sort();

  it('a bad manual FNOL gets a 400 naming every bad field', async () => {
    let r = await call('POST', '/api/v1/claims', { vin: 'NOT-A-VIN', occurredAt: '2024-01-10 10:00', latitude: 91, colour: 'red' });
    assert.equal(r.status, 400);
    assert.deepEqual(fields(r.json), ['colour', 'description', 'latitude', 'longitude', 'occurredAt', 'vin']);
    assert.match(r.json.error as string, /vin: must be a VIN/);
    r = await call('POST', '/api/v1/claims', {});
    assert.deepEqual(fields(r.json), ['description', 'occurredAt', 'vin']);
    r = await call('POST', '/api/v1/claims', '{"vin": ');
    assert.equal(r.status, 400);
    assert.deepEqual(fields(r.json), ['body']);
    r = await call('POST', '/api/v1/claims', { vin: VIN1, occurredAt: '2099-01-01T00:00:00Z', description: 'x', injuries: 'maybe', test: 'yes' });
    assert.deepEqual(fields(r.json), ['injuries', 'occurredAt', 'test']);
    r = await call('POST', '/api/v1/claims', { vin: 'WVWZZZ1JZXW000001', occurredAt: '2024-01-10T10:00:00+01:00', description: 'scrape' });
    assert.equal(r.status, 400);
    assert.match(r.json.error as string, /vin: no policy in force/);
    assert.equal(insurer.requests, 0, 'nothing sent for bad input');
  });

  it('a manual FNOL goes through the same queue: 201, then acknowledged; the same report again is the same claim', async () => {
    const body = { plate: 'ab12-cde', occurredAt: '2024-01-10T10:00:00+01:00', description: 'Scrape on the nearside door in the depot yard', driverId: 'D7', latitude: 56.1, longitude: 10.2, test: true };
    const r = await call('POST', '/api/v1/claims', body);
    assert.equal(r.status, 201, r.text);
    const id = r.json.fnolId as string;
    assert.match(id, /^fnol-m-/);
    await until(() => svc!.get(id)?.state === 'acknowledged', 5000, 'acknowledged');
    const again = await call('POST', '/api/v1/claims', body);
    assert.equal(again.status, 200);
    assert.equal(again.json.fnolId, id);
    const one = await call('GET', `/api/v1/claims/${id}`);
    assert.equal(one.json.state, 'acknowledged');
    const rec = one.json.record as { source: string; vehicle: { vin: string }; occurrence: { dateTime: string; trigger: string } };
    assert.equal(rec.source, 'manual');
    assert.equal(rec.vehicle.vin, VIN1);
    assert.equal(rec.occurrence.dateTime, '2024-01-10T09:00:00.000Z');
    assert.equal(one.json.claimNumber, insurer.claims.get(id)!.claimNumber);
    const list = await call('GET', '/api/v1/claims?state=acknowledged');
    assert.ok((list.json.claims as Array<{ fnolId: string }>).some((c) => c.fnolId === id));
    assert.equal((await call('GET', '/api/v1/claims?state=lost')).status, 400);
    assert.equal((await call('GET', '/api/v1/claims/fnol-00000000000')).status, 404);
    assert.equal((await call('GET', '/api/v1/claims/schema.json')).json.title, 'ubi-edge first notice of loss (FNOL)');
  });

  it('the evidence bundle is downloadable and verified', async () => {
    const s = await svc!.submitIncident(incident(5));
    const ev = await call('GET', `/api/v1/claims/${s.fnolId}/evidence`);
    assert.equal(ev.status, 200);
    assert.equal(ev.json.verified, true);
    assert.equal(ev.json.sha256, svc!.get(s.fnolId)!.record.evidence!.sha256);
    const manifest = ev.json.manifest as { files: Array<{ name: string; sha256: string }> };
    for (const f of manifest.files) {
      const res = await fetch(`${base}/api/v1/claims/${s.fnolId}/evidence/${f.name}`);
      assert.equal(res.status, 200);
      assert.equal(crypto.createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex'), f.sha256, f.name);
    }
    assert.equal((await call('GET', `/api/v1/claims/${s.fnolId}/evidence/..%2Fclaims.db`)).status, 404);
    assert.equal((await call('GET', `/api/v1/claims/${s.fnolId}/evidence/claims.db`)).status, 404);
  });

  it('the insurer callback: a signed update closes the claim; forged, unsigned, stale and replayed-on-another-body requests are refused', async () => {
    const s = await svc!.submitIncident(incident(6));
    await until(() => svc!.get(s.fnolId)?.state === 'acknowledged', 5000, 'acknowledged');
    const num = svc!.get(s.fnolId)!.claimNumber!;
    const payload = { fnolId: s.fnolId, status: 'closed', claimNumber: num, settledAmountCents: 123456, closedDate: '2024-02-01' };
    const post = (body: string, sig?: string) => call('POST', '/insurer/callback', body, sig ? { 'UBI-Signature': sig } : {});
    const body = JSON.stringify(payload);
    // forged: signed with another secret
    let r = await post(body, sign('not-the-shared-secret-000', body, Date.now()));
    assert.equal(r.status, 401);
    assert.match(r.json.error as string, /no match/);
    // unsigned
    assert.equal((await post(body)).status, 401);
    // stale (replayed a day later)
    assert.equal((await post(body, sign(SECRET, body, Date.now() - 86400_000))).status, 401);
    // a valid signature of another body
    const other = JSON.stringify({ ...payload, settledAmountCents: 99999999 });
    assert.equal((await post(other, sign(SECRET, body, Date.now()))).status, 401);
    // the admin's Basic auth does not stand in for the signature
    assert.equal((await call('POST', '/insurer/callback', body, { Authorization: 'Basic ' + Buffer.from('admin:admin').toString('base64') })).status, 401);
    assert.equal(svc!.get(s.fnolId)!.state, 'acknowledged', 'nothing changed');
    // signed, but bad fields: 400 naming them
    const badBody = JSON.stringify({ fnolId: s.fnolId, status: 'paid', settledAmountCents: -1 });
    r = await post(badBody, sign(SECRET, badBody, Date.now()));
    assert.equal(r.status, 400);
    assert.deepEqual(fields(r.json), ['settledAmountCents', 'status']);
    // genuine
    r = await post(body, insurer.callback(payload).signature);
    assert.equal(r.status, 200, r.text);
    const c = svc!.get(s.fnolId)!;
    assert.equal(c.state, 'closed');
    assert.equal(c.settledAmountCents, 123456);
    assert.equal(c.closedDate, '2024-02-01');
    assert.equal(statuses.at(-1)!.state, 'closed');
    const led = reg.listClaims().find((x) => x.claimId === s.fnolId)!;
    assert.equal(led.status, 'closed');
    assert.equal(led.paidCents, 123456);
    // an unknown claim
    const unk = JSON.stringify({ fnolId: 'fnol-0000000000000000', status: 'closed' });
    assert.equal((await post(unk, sign(SECRET, unk, Date.now()))).status, 404);
  });

  it('503 when no claims service is configured', async () => {
    const keep = svc;
    svc = null;
    try {
      assert.equal((await call('GET', '/api/v1/claims')).status, 503);
      assert.equal((await call('POST', '/insurer/callback', '{}')).status, 503);
    } finally {
      svc = keep;
    }
  });
});
