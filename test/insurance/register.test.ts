import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { ValidationError } from '../../edge/insurance/types.js';
import { parseCsv } from '../../edge/insurance/csv.js';

const FIX = path.resolve(__dirname, '../../../test/fixtures/insurance');
const read = (f: string): string => fs.readFileSync(path.join(FIX, f), 'utf8');

describe('insurance: policy register', () => {
  let reg: PolicyRegister;
  beforeEach(() => {
    reg = new PolicyRegister(':memory:');
    assert.deepEqual(reg.importCsv('schemes', read('depot-schemes.csv')).errors, []);
  });
  afterEach(() => reg.close());

  it('imports the sample depot register: every row, money in cents, quoted commas and newlines kept', () => {
    const r = reg.importCsv('policies', read('depot-policies.csv'));
    assert.deepEqual(r.errors, []);
    assert.equal(r.imported, 8);
    const p5 = reg.getPolicy('P-1005')!;
    assert.equal(p5.contact, '1 Mill Lane\nYork YO1 0AA');
    assert.deepEqual(p5.drivers, ['drv-06', 'drv-07']);
    assert.equal(reg.getPolicy('P-1002')!.premiumCents, 135050);
    assert.equal(reg.getPolicy('P-1006')!.premiumCents, 89099);
    assert.equal(reg.getPolicy('P-1006')!.schemeId, null);
    assert.equal(reg.getPolicy('P-1004')!.holder, 'Khan, Amir');
    assert.equal(reg.getScheme('ACME-STAFF')!.discountBp, 1250);
    assert.equal(reg.getScheme('ACME-STAFF')!.payrollDeduction, true);
  });

  it('reports each bad row with its line and field and imports all the good ones', () => {
    const r = reg.importCsv('policies', read('depot-policies-bad.csv'));
    assert.equal(r.rows, 10);
    assert.equal(r.imported, 3);
    assert.deepEqual(
      reg.listPolicies().map((p) => p.policyNumber),
      ['P-2001', 'P-2004', 'P-2010'],
    );
    const got = r.errors.map((e) => `${e.line}:${e.field ?? '-'}`);
    assert.deepEqual(got, ['3:start_date', '4:vin', '7:end_date', '8:scheme_id', '9:policy_number', '10:-', '11:premium', '11:new_vehicle']);
    assert.match(r.errors[0]!.reason, /2023-02-29.*not an ISO date/);
    assert.match(r.errors[5]!.reason, /4 fields, the header has 15/);
    assert.match(r.errors[4]!.reason, /already on line 2/);
    // the good row after the two-line quoted field
    assert.equal(reg.getPolicy('P-2004')!.holder, 'Good, quoted\nover two lines');
    assert.equal(reg.getPolicy('P-2010')!.premiumCents, 1230);
    assert.equal(reg.getPolicy('P-2010')!.newVehicle, false);
  });

  it('refuses a file whose header names an unknown column or lacks a required one, naming them', () => {
    const r = reg.importCsv('policies', 'policy_number,holder,vim\nP-1,X,WF0XXXTTGXKA00011\n');
    assert.equal(r.imported, 0);
    const fields = r.errors.map((e) => e.field).sort();
    assert.ok(fields.includes('vim'));
    for (const f of ['vin', 'plate', 'start_date', 'end_date', 'premium', 'channel', 'contact']) assert.ok(fields.includes(f), f);
    assert.ok(r.errors.every((e) => e.line === 1));
  });

  it('reports an unterminated quote and keeps the rows before it', () => {
    const text = read('depot-policies.csv').split('\n').slice(0, 3).join('\n') + '\nP-9,"broken,\n';
    const r = reg.importCsv('policies', text);
    assert.equal(r.imported, 2);
    assert.deepEqual(r.errors, [{ line: 4, reason: 'unterminated quoted field' }]);
  });

  it('exports CSV that imports back to the same register', () => {
    reg.importCsv('policies', read('depot-policies.csv'));
    const out = reg.exportCsv('policies');
    const other = new PolicyRegister(':memory:');
    other.importCsv('schemes', reg.exportCsv('schemes'));
    const r = other.importCsv('policies', out);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(other.listPolicies(), reg.listPolicies());
    assert.deepEqual(other.listSchemes(), reg.listSchemes());
    assert.equal(parseCsv(out).records.length, 9);
    other.close();
  });

  it('validates JSON records with errors naming each field; outcomes and claims check their references', () => {
    assert.throws(
      () => reg.put('policies', { policy_number: 'X-1', holder: 'H', vin: 'short', plate: 'A1', start_date: '2025-01-01', end_date: '2026-01-01', premium: -5, channel: 'fax', contact: 'c' }),
      (e: unknown) => e instanceof ValidationError && e.errors.map((x) => x.field).join(',') === 'vin,premium,channel',
    );
    assert.throws(() => reg.put('outcomes', { policy_number: 'NOPE', outcome: 'lapsed', reason: 'price', date: '2025-01-01' }), /policy_number: policy "NOPE" is not in the register/);
    reg.importCsv('policies', read('depot-policies.csv'));
    assert.throws(() => reg.put('outcomes', { policy_number: 'P-1003', outcome: 'lapsed', date: '2025-01-01' }), /reason: required when the outcome is lapsed/);
    assert.throws(
      () => reg.put('claims', { claim_id: 'C1', policy_number: 'P-1003', vin: 'WF0XXXTTGXKA00001', occurred_at: '2025-01-01T10:00:00Z', reported_at: '2025-01-01T10:01:00Z', status: 'reported' }),
      /vin: WF0XXXTTGXKA00001 is not the VIN of policy P-1003/,
    );
    assert.throws(() => reg.put('claims', { claim_id: 'C1', policy_number: 'P-1003', vin: 'WF0XXXTTGXKA00003', occurred_at: '2025-01-01 10:00', reported_at: '2025-01-01T10:01:00Z', status: 'reported' }), /occurred_at: .*not an ISO date-time with an offset/);
    const o = reg.put('outcomes', { policy_number: 'P-1003', outcome: 'lapsed', reason: 'Competitor', date: '2025-06-01' });
    assert.equal(o.reason, 'competitor');
  });

  it('records a typed claim entry (epoch ms, cents) through the same validation, and lists it back', () => {
    reg.importCsv('policies', read('depot-policies.csv'));
    const entry = {
      claimId: 'fnol-abc',
      policyNumber: 'P-1003',
      vin: 'WF0XXXTTGXKA00003',
      occurredAt: Date.parse('2025-03-04T05:06:07.000Z'),
      reportedAt: Date.parse('2025-03-04T05:07:00.000Z'),
      registeredAt: null,
      closedAt: null,
      status: 'reported' as const,
      paidCents: 0,
      reserveCents: 123456,
      source: 'automatic' as const,
    };
    const stored = reg.recordClaim(entry);
    assert.deepEqual(reg.listClaims({ policyNumber: 'P-1003' }), [stored]);
    assert.equal(stored.occurredAt, entry.occurredAt);
    assert.equal(stored.reserveCents, 123456);
    assert.throws(() => reg.recordClaim({ ...entry, claimId: 'fnol-x', vin: 'WF0XXXTTGXKA00001' }), /vin: WF0XXXTTGXKA00001 is not the VIN of policy P-1003/);
  });

  it('keeps its data in a file across reopen', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-reg-'));
    try {
      const f = path.join(dir, 'register.db');
      const a = new PolicyRegister(f);
      a.importCsv('schemes', read('depot-schemes.csv'));
      a.importCsv('policies', read('depot-policies.csv'));
      a.close();
      const b = new PolicyRegister(f);
      assert.equal(b.listPolicies().length, 8);
      b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
