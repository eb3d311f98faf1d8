// The insurance REST router mounted on a bare express app, as the host mounts it under /api/v1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { createInsuranceRouter } from '../../edge/server/insurance-api.js';
import { DEFAULT_QUOTE_CONFIG } from '../../edge/insurance/quote.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { DEFAULT_SCHEDULE } from '../../edge/insurance/schedule.js';
import { RenewalService } from '../../edge/insurance/service.js';
import { score } from './helpers.js';

const FIX = path.resolve(__dirname, '../../../test/fixtures/insurance');
const read = (f: string): string => fs.readFileSync(path.join(FIX, f), 'utf8');

describe('insurance: REST router', () => {
  let server: http.Server;
  let base: string;
  let reg: PolicyRegister;
  before(async () => {
    reg = new PolicyRegister(':memory:');
    const service = new RenewalService(reg, { ...DEFAULT_SCHEDULE, timeZone: 'Europe/London' }, DEFAULT_QUOTE_CONFIG);
    const app = express();
    app.use('/api/v1', createInsuranceRouter({ service, now: () => Date.parse('2025-01-30T09:00:00Z') }));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    reg.close();
  });

  const call = async (method: string, p: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: Record<string, unknown>; text: string }> => {
    const res = await fetch(base + p, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': type } } : {}) });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* CSV */
    }
    return { status: res.status, json, text };
  };

  it('imports CSV and reports bad rows by line; exports it back', async () => {
    let r = await call('POST', '/import/schemes', read('depot-schemes.csv'), 'text/csv');
    assert.equal(r.status, 200);
    assert.equal(r.json.imported, 2);
    r = await call('POST', '/import/policies', read('depot-policies-bad.csv'), 'text/csv');
    assert.equal(r.status, 200);
    assert.equal(r.json.imported, 3);
    assert.equal((r.json.errors as unknown[]).length, 8);
    r = await call('POST', '/import/policies', read('depot-policies.csv'), 'text/csv');
    assert.equal(r.json.imported, 8);
    r = await call('POST', '/import/policies', 'nope\n1\n', 'text/csv');
    assert.equal(r.status, 422);
    r = await call('POST', '/import/policies', { a: 1 });
    assert.equal(r.status, 415);
    r = await call('POST', '/import/nothing', 'x', 'text/csv');
    assert.equal(r.status, 404);
    r = await call('GET', '/export/policies');
    assert.equal(r.status, 200);
    assert.match(r.text, /^policy_number,scheme_id,holder,vin/);
    assert.equal(r.text.split('\r\n').filter((l) => l.startsWith('P-')).length, 11);
  });

  it('validates JSON bodies with 400s naming the fields', async () => {
    let r = await call('POST', '/policies', { policy_number: 'X-1', holder: 'H', vin: 'WF0XXXTTGXKA00099', plate: 'AB1', start_date: '2025-02-30', end_date: '2026-01-01', premium: '12.345', channel: 'email', contact: 'x@y.example' });
    assert.equal(r.status, 400);
    assert.deepEqual((r.json.errors as Array<{ field: string }>).map((e) => e.field), ['start_date', 'premium']);
    r = await call('POST', '/policies', '{"broken', 'application/json');
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'body: not valid JSON');
    r = await call('POST', '/outcomes', { policy_number: 'P-1003', outcome: 'lapsed', date: '2025-06-30' });
    assert.equal(r.status, 400);
    assert.match(String(r.json.error), /reason: required/);
    r = await call('POST', '/outcomes', { policy_number: 'P-1003', outcome: 'lapsed', reason: 'price', date: '2025-06-30' });
    assert.equal(r.status, 201);
    r = await call('POST', '/quotes', { policy_number: 'P-1001', when: 'now' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.errors, [{ field: 'when', reason: 'unknown field (expected: policy_number, as_of)' }]);
    r = await call('GET', '/kpis?from=2025-13-01');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.errors, [{ field: 'from', reason: '"2025-13-01" is not an ISO date YYYY-MM-DD' }]);
    r = await call('GET', '/renewals/due?days=0');
    assert.equal(r.status, 400);
    r = await call('GET', '/nothing');
    assert.equal(r.status, 404);
    assert.match(String(r.json.error), /no such endpoint/);
  });

  it('quotes, refers, lists renewals due and KPIs', async () => {
    // P-1004 (60 days out) and P-1001 (60 days out tomorrow) are already renewed in the register (P-1008, P-1007): no reminders
    let r = await call('GET', '/renewals/due?days=7');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.due, [{ date: '2025-01-30', policyNumber: 'P-1005', stage: 30, daysToExpiry: 30 }, { date: '2025-01-30', policyNumber: 'P-1006', stage: 30, daysToExpiry: 29 }]);
    reg.putScore(score('vehicle', 'WDB9066331S000004', 91));
    r = await call('POST', '/quotes', { policy_number: 'P-1004' });
    assert.equal(r.status, 200);
    // 1500.00 x 0.85 = 1275.00; NORTHWAY 10 % -> 1147.50
    assert.equal(r.json.kind, 'quote');
    assert.equal(r.json.premiumCents, 114750);
    reg.putScore(score('vehicle', 'WF0XXXTTGXKA00002', 30));
    r = await call('POST', '/quotes', { policy_number: 'P-1002', as_of: '2025-03-16' });
    assert.equal(r.json.kind, 'referral');
    r = await call('GET', '/referrals');
    assert.deepEqual((r.json.referrals as Array<{ policyNumber: string }>).map((x) => x.policyNumber), ['P-1002']);
    r = await call('POST', '/quotes', { policy_number: 'NOPE' });
    assert.equal(r.status, 404);
    r = await call('GET', '/kpis?from=2025-01-01&to=2026-01-01&asOf=2025-12-31');
    assert.equal(r.status, 200);
    const ren = r.json.renewal as { renewable: number; renewed: number; excludedShortTerm: number };
    // expiring in 2025: P-1001 (renewed by P-1007), P-1002, P-1003, P-1004 (renewed by P-1008, new plate), P-1006 (365 days from 29 Feb 2024);
    // P-1005 (181 days) excluded; P-2001/P-2004/P-2010 from the bad file expire on 1 January 2025 too
    assert.equal(ren.excludedShortTerm, 1);
    assert.equal(ren.renewable, 8);
    assert.equal(ren.renewed, 2);
  });

  it('serves its OpenAPI description', async () => {
    const r = await call('GET', '/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.json.openapi, '3.0.3');
    const paths = Object.keys(r.json.paths as object);
    for (const p of ['/policies', '/renewals/due', '/quotes', '/referrals', '/outcomes', '/kpis', '/import/{table}']) assert.ok(paths.includes(p), p);
    assert.deepEqual((r.json.servers as Array<{ url: string }>)[0], { url: '/api/v1' });
  });
});
