import assert from 'node:assert/strict';
import { DEFAULT_QUOTE_CONFIG, combinedScore, quoteConfigProblems, renewalQuote, type QuoteConfig, type Quote, type Referral } from '../../edge/insurance/quote.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { RenewalService } from '../../edge/insurance/service.js';
import { DEFAULT_SCHEDULE } from '../../edge/insurance/schedule.js';
import type { Policy, Scheme } from '../../edge/insurance/types.js';
import { policy as addPolicy, score } from './helpers.js';

const cfg: QuoteConfig = { ...DEFAULT_QUOTE_CONFIG, floorCents: 25000, capCents: 100000 };
const scheme: Scheme = { schemeId: 'ACME', name: 'Acme staff', holder: 'Acme', discountBp: 1250, payrollDeduction: true };
function pol(premiumCents: number): Policy {
  return { policyNumber: 'Q1', schemeId: 'ACME', holder: 'H', vin: 'WF0XXXTTGXKA00001', plate: 'AB12 CDE', drivers: [], startDate: '2024-04-01', endDate: '2025-04-01', premiumCents, channel: 'email', contact: 'a@b.example', depot: 'leeds', vehicleClass: 'van', use: 'goods', newVehicle: false };
}
const q = (x: Quote | Referral): Quote => {
  assert.equal(x.kind, 'quote', JSON.stringify(x));
  return x as Quote;
};

describe('insurance: renewal quote', () => {
  it('base x band factor x scheme discount, each step to the cent', () => {
    // 900.00 x 0.85 (score 92, band A) = 765.00; x (1 - 12.5 %) = 669.375 -> 669.38 (half up)
    const a = q(renewalQuote({ policy: pol(90000), scheme, vehicleScore: score('vehicle', 'v', 92), driverScores: [], claims: 0, asOf: '2025-02-01' }, cfg));
    assert.equal(a.band, 'A (90+)');
    assert.equal(a.ubiPremiumCents, 76500);
    assert.equal(a.discountedCents, 66938);
    assert.equal(a.premiumCents, 66938);
    assert.equal(a.limitedBy, null);
    assert.deepEqual(a.lines, ['base premium 900.00', 'score 92 -> band A (90+): x0.85 = 765.00', 'scheme Acme staff discount 12.5 % = 669.38', 'renewal premium 669.38']);
    // 999.99 x 0.925 (score 85, band B) = 924.99075 -> 924.99; no scheme
    const b = q(renewalQuote({ policy: { ...pol(99999), schemeId: null }, scheme: null, vehicleScore: score('vehicle', 'v', 85), driverScores: [], claims: 0, asOf: '2025-02-01' }, cfg));
    assert.equal(b.ubiPremiumCents, 92499);
    assert.equal(b.premiumCents, 92499);
  });

  it('keeps the base with insufficient data (the discount still applies)', () => {
    const a = q(renewalQuote({ policy: pol(80000), scheme, vehicleScore: score('vehicle', 'v', null), driverScores: [score('driver', 'd', null)], claims: 0, asOf: '2025-02-01' }, cfg));
    assert.equal(a.scoreStatus, 'insufficient_data');
    assert.equal(a.band, 'insufficient_data');
    assert.equal(a.factorBp, 10000);
    assert.equal(a.ubiPremiumCents, 80000);
    assert.equal(a.premiumCents, 70000); // 800 x 0.875
  });

  it('raises to the floor and limits to the cap', () => {
    // 280.00 x 0.85 = 238.00 x 0.875 = 208.25 -> floor 250.00
    const f = q(renewalQuote({ policy: pol(28000), scheme, vehicleScore: score('vehicle', 'v', 95), driverScores: [], claims: 0, asOf: '2025-02-01' }, cfg));
    assert.equal(f.discountedCents, 20825);
    assert.equal(f.premiumCents, 25000);
    assert.equal(f.limitedBy, 'floor');
    // 1000.00 x 1.25 (score 55, band E) = 1250.00, no scheme -> cap 1000.00
    const c = q(renewalQuote({ policy: pol(100000), scheme: null, vehicleScore: score('vehicle', 'v', 55), driverScores: [], claims: 0, asOf: '2025-02-01' }, cfg));
    assert.equal(c.ubiPremiumCents, 125000);
    assert.equal(c.premiumCents, 100000);
    assert.equal(c.limitedBy, 'cap');
    assert.equal(c.lines.at(-2), 'limited to the cap 1000.00');
  });

  it('combines vehicle and distance-weighted driver scores', () => {
    // drivers: (90 x 300 + 60 x 100) / 400 = 82.5; with the vehicle's 80 at 50 %: 81.25 -> 81.3
    assert.equal(combinedScore(score('vehicle', 'v', 80), [score('driver', 'a', 90, { distance: 300 }), score('driver', 'b', 60, { distance: 100 }), score('driver', 'c', null)], 50), 81.3);
    assert.equal(combinedScore(null, [score('driver', 'a', 90, { distance: 300 })], 50), 90);
    assert.equal(combinedScore(score('vehicle', 'v', 70), [], 25), 70);
    assert.equal(combinedScore(score('vehicle', 'v', null), [], 50), null);
  });

  it('refers to an underwriter instead of quoting when a rule fires, listing every reason', () => {
    const r = renewalQuote({ policy: pol(100000), scheme, vehicleScore: score('vehicle', 'v', 45, { fatigue: 6 }), driverScores: [], claims: 3, asOf: '2025-02-01' }, cfg);
    assert.equal(r.kind, 'referral');
    assert.deepEqual((r as Referral).reasons.map((x) => [x.rule, x.value, x.threshold]), [
      ['scoreBelow', 45, 50],
      ['claimsAbove', 3, 2],
      ['fatigueAbove', 6, 5],
    ]);
    // exactly at the thresholds: no referral
    assert.equal(renewalQuote({ policy: pol(100000), scheme, vehicleScore: score('vehicle', 'v', 50, { fatigue: 5 }), driverScores: [], claims: 2, asOf: '2025-02-01' }, cfg).kind, 'quote');
    const sp = renewalQuote({ policy: pol(100000), scheme, vehicleScore: score('vehicle', 'v', 88, { speedingShare: 0.12 }), driverScores: [], claims: 0, asOf: '2025-02-01' }, { ...cfg, referral: { ...cfg.referral, speedingShareAbove: 0.1 } });
    assert.equal(sp.kind, 'referral');
  });

  it('rejects a bad configuration naming the field', () => {
    assert.deepEqual(quoteConfigProblems(DEFAULT_QUOTE_CONFIG), []);
    const p = quoteConfigProblems({ ...DEFAULT_QUOTE_CONFIG, bands: [{ minScore: 80, factorBp: 0.9, label: 'x' }], capCents: 10 });
    assert.ok(p.some((x) => x.startsWith('bands[0].factorBp')));
    assert.ok(p.some((x) => x.startsWith('bands: the last band must start at 0')));
    assert.ok(p.some((x) => x.startsWith('capCents')));
  });

  it('the service quotes from stored scores and the claims ledger of the policy year', () => {
    const reg = new PolicyRegister(':memory:');
    reg.put('schemes', { scheme_id: 'ACME', name: 'Acme staff', holder: 'Acme', discount_pct: '12.5', payroll_deduction: 'yes' });
    addPolicy(reg, { n: 'S1', vin: 'WF0XXXTTGXKA00009', start: '2024-04-01', end: '2025-04-01', premium: '900.00', scheme: 'ACME', drivers: 'd1' });
    reg.putScore(score('vehicle', 'WF0XXXTTGXKA00009', 92));
    reg.putScore(score('vehicle', 'WF0XXXTTGXKA00009', 40, { to: 1_600_000_000 })); // older: ignored
    reg.putScore(score('driver', 'd1', 92));
    const svc = new RenewalService(reg, DEFAULT_SCHEDULE, cfg);
    const a = q(svc.quote('S1', '2025-02-01', 0)!);
    assert.equal(a.premiumCents, 66938);
    for (const [id, at] of [['C1', '2024-05-01T10:00:00Z'], ['C2', '2024-08-01T10:00:00Z'], ['C3', '2025-01-01T10:00:00Z'], ['C0', '2024-03-01T10:00:00Z']] as const)
      reg.put('claims', { claim_id: id, policy_number: 'S1', vin: 'WF0XXXTTGXKA00009', occurred_at: at, reported_at: at, status: 'reported' });
    const r = svc.quote('S1', '2025-02-01', 0)!;
    assert.equal(r.kind, 'referral'); // 3 claims in the term (C0 is before it) > 2
    assert.equal(r.claims, 3);
    assert.equal(reg.decisions('referral').length, 1);
    assert.equal(svc.quote('NOPE', '2025-02-01', 0), null);
    reg.close();
  });
});
