// KPIs on a small register and claims ledger; every expected number is worked out in the comments.
import assert from 'node:assert/strict';
import { computeKpis } from '../../edge/insurance/kpi.js';
import { kpiPoints } from '../../edge/insurance/points.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { validatePoint } from '../../edge/store/point.js';
import { policy } from './helpers.js';

const VIN = { A: 'AAAAAAAAAAAAAAAA1', B: 'BBBBBBBBBBBBBBBB1', C: 'CCCCCCCCCCCCCCCC1', D: 'DDDDDDDDDDDDDDDD1', E: 'EEEEEEEEEEEEEEEE1', F1: 'FFFFFFFFFFFFFFFF1', F2: 'FFFFFFFFFFFFFFFF2' };

function build(): PolicyRegister {
  const reg = new PolicyRegister(':memory:');
  reg.put('schemes', { scheme_id: 'S', name: 'Staff', holder: 'Acme', discount_pct: 10, payroll_deduction: true });
  // A1 renewed by A2: same VIN, plate written differently (case, spaces, hyphen) -> "vin+plate"
  policy(reg, { n: 'A1', vin: VIN.A, plate: 'AA 11 AAA', start: '2024-03-01', end: '2025-03-01', premium: '365.00', scheme: 'S' });
  policy(reg, { n: 'A2', vin: VIN.A, plate: 'aa11-aaa', start: '2025-03-01', end: '2026-03-01', premium: '730.00', scheme: 'S' });
  // B1 renewed by B2 9 days late with a new plate -> matched by VIN alone; a new vehicle, at the york depot
  policy(reg, { n: 'B1', vin: VIN.B, plate: 'BB1', start: '2024-06-01', end: '2025-06-01', premium: '1000.00', depot: 'york', cls: 'truck', isNew: true });
  policy(reg, { n: 'B2', vin: VIN.B, plate: 'NEW1', start: '2025-06-10', end: '2026-06-10', premium: '1200.00', depot: 'york', cls: 'truck' });
  // C1 sold: no successor, lapsed with reason 'sold' -> not renewed
  policy(reg, { n: 'C1', vin: VIN.C, start: '2024-07-01', end: '2025-07-01', premium: '500.00' });
  // D1: 120-day term -> not renewable
  policy(reg, { n: 'D1', vin: VIN.D, start: '2025-01-01', end: '2025-05-01', premium: '200.00' });
  // E1: no successor, no outcome -> reason 'unknown'; claimed in its term
  policy(reg, { n: 'E1', vin: VIN.E, start: '2024-09-01', end: '2025-09-01', premium: '800.00', cls: 'car' });
  // F1's plate moves to another vehicle (F2): same plate, different VIN -> not a renewal
  policy(reg, { n: 'F1', vin: VIN.F1, plate: 'FF1', start: '2024-10-01', end: '2025-10-01', premium: '365.00' });
  policy(reg, { n: 'F2', vin: VIN.F2, plate: 'FF1', start: '2025-10-01', end: '2026-10-01', premium: '365.00' });
  reg.put('outcomes', { policy_number: 'C1', outcome: 'lapsed', reason: 'sold', date: '2025-06-20' });
  const claim = (id: string, pol: string, vin: string, o: Record<string, string>): void => void reg.put('claims', { claim_id: id, policy_number: pol, vin, ...o });
  claim('K1', 'E1', VIN.E, { occurred_at: '2025-02-01T10:00:00Z', reported_at: '2025-02-01T10:05:00Z', registered_at: '2025-02-01T20:00:00Z', closed_at: '2025-03-03T10:05:00Z', status: 'closed', paid: '1500.00' });
  claim('K2', 'A2', VIN.A, { occurred_at: '2025-06-15T08:00:00Z', reported_at: '2025-06-15T08:01:00Z', registered_at: '2025-06-17T09:00:00Z', status: 'registered', paid: '200.00', reserve: '800.00' });
  claim('K3', 'B2', VIN.B, { occurred_at: '2025-11-20T12:00:00Z', reported_at: '2025-11-20T12:00:30Z', status: 'reported', reserve: '500.00' });
  claim('K4', 'C1', VIN.C, { occurred_at: '2025-03-10T12:00:00Z', reported_at: '2025-03-10T12:10:00Z', status: 'rejected' });
  claim('K5', 'A1', VIN.A, { occurred_at: '2024-12-20T12:00:00Z', reported_at: '2024-12-20T12:10:00Z', registered_at: '2024-12-20T13:00:00Z', closed_at: '2025-01-20T12:10:00Z', status: 'closed', paid: '300.00' });
  return reg;
}

describe('insurance: KPIs', () => {
  let reg: PolicyRegister;
  before(() => (reg = build()));
  after(() => reg.close());
  const k = () => computeKpis(reg, { from: '2025-01-01', to: '2026-01-01', asOf: '2026-01-01', timeZone: 'UTC' });

  it('renewal rate: 183-day rule, VIN+plate, changed plate by VIN, sold and moved plate not renewed', () => {
    const r = k().renewal;
    // renewable: A1 B1 C1 E1 F1 (D1's 120 days excluded); renewed: A1 (vin+plate), B1 (vin)
    assert.equal(r.excludedShortTerm, 1);
    assert.equal(r.renewable, 5);
    assert.equal(r.renewed, 2);
    assert.equal(r.rate, 0.4);
    assert.deepEqual(r.matchedBy, { 'vin+plate': 1, vin: 1 });
    assert.deepEqual(
      r.policies.map((p) => [p.policyNumber, p.successor, p.by]),
      [['A1', 'A2', 'vin+plate'], ['B1', 'B2', 'vin'], ['C1', null, null], ['E1', null, null], ['F1', null, null]],
    );
    assert.deepEqual(r.nonRenewalReasons, { price: 0, competitor: 0, sold: 1, scrapped: 0, other: 0, unknown: 2 });
  });

  it('renewal rate splits: claimed vs claim-free, new vehicles, depot, class, use, scheme', () => {
    const r = k().renewal;
    // claimed in their term: A1 (K5, 20 Dec 2024; renewed) and E1 (K1; not renewed); K4 on C1 was rejected
    assert.deepEqual(r.byClaims, { claimed: { renewable: 2, renewed: 1, rate: 0.5 }, claim_free: { renewable: 3, renewed: 1, rate: 0.3333 } });
    assert.deepEqual(r.byNewVehicle, { new: { renewable: 1, renewed: 1, rate: 1 }, used: { renewable: 4, renewed: 1, rate: 0.25 } });
    assert.deepEqual(r.byDepot, { leeds: { renewable: 4, renewed: 1, rate: 0.25 }, york: { renewable: 1, renewed: 1, rate: 1 } });
    assert.deepEqual(r.byVehicleClass, { van: { renewable: 3, renewed: 1, rate: 0.3333 }, truck: { renewable: 1, renewed: 1, rate: 1 }, car: { renewable: 1, renewed: 0, rate: 0 } });
    assert.deepEqual(r.byUse, { goods: { renewable: 5, renewed: 2, rate: 0.4 } });
    assert.deepEqual(r.byScheme, { S: { renewable: 1, renewed: 1, rate: 1 }, none: { renewable: 4, renewed: 1, rate: 0.25 } });
  });

  it('earned premium pro rata, exposure, average premium per vehicle-year', () => {
    const p = k().premium;
    // days in 2025 / term, x premium (cents), half up:
    // A1 59/365 x 36500 = 5900; A2 306/365 x 73000 = 61200; B1 151/365 x 100000 = 41369.86 -> 41370;
    // B2 205/365 x 120000 = 67397.26 -> 67397; C1 181/365 x 50000 = 24794.52 -> 24795; D1 120/120 x 20000;
    // E1 243/365 x 80000 = 53260.27 -> 53260; F1 273/365 x 36500 = 27300; F2 92/365 x 36500 = 9200
    assert.equal(p.earnedCents, 310422);
    assert.equal(p.exposureDays, 1630);
    assert.equal(p.vehicleYears, 4.4658);
    assert.equal(p.writtenCents, 73000 + 120000 + 20000 + 36500); // A2 B2 D1 F2 started in 2025
    assert.equal(p.averagePremiumPerVehicleCents, 69512); // 310422 x 365 / 1630 = 69511.67
  });

  it('claims: loss ratios (calendar and underwriting year), frequency, average, registration, closing, outstanding', () => {
    const c = k().claims;
    // 2025: K1 1500 paid, K2 200 paid + 800 reserve, K3 500 reserve; K4 rejected; K5 is 2024
    assert.equal(c.count, 3);
    assert.equal(c.rejected, 1);
    assert.equal(c.incurredCents, 300000);
    assert.equal(c.paidCents, 170000);
    assert.equal(c.averageClaimCents, 100000);
    assert.equal(c.frequency, 0.6718); // 3 x 365 / 1630
    assert.equal(c.lossRatioCalendarYear, 0.9664); // 300000 / 310422
    // underwriting year 2025: A2 B2 D1 F2, earned to date 61200 + 67397 + 20000 + 9200 = 157797; their claims K2 + K3 = 150000
    assert.deepEqual(c.underwritingYear, { writtenPolicies: 4, earnedCents: 157797, incurredCents: 150000 });
    assert.equal(c.lossRatioUnderwritingYear, 0.9506);
    assert.equal(c.reported, 3);
    assert.equal(c.registered, 2);
    assert.equal(c.registeredWithin24h, 1); // K1 after 10 h; K2 after 49 h
    assert.equal(c.registeredWithin24hRate, 0.3333);
    assert.equal(c.closed, 1);
    assert.equal(c.closingRate, 0.5);
    assert.equal(c.outstandingCount, 2);
    assert.equal(c.outstandingCents, 130000);
    assert.equal(c.averageDaysToClose, 30);
  });

  it('compares with the same period a year earlier and gives a monthly trend', () => {
    const r = k();
    const prev = r.previousYear!;
    // 2024 earned: A1 306/365 x 36500 = 30600; B1 214/365 x 100000 = 58630.1 -> 58630; C1 184/365 x 50000 = 25205.5 -> 25205 (half up of .479);
    // E1 122/365 x 80000 = 26739.7 -> 26740; F1 92/365 x 36500 = 9200
    assert.equal(prev.premium.earnedCents, 30600 + 58630 + 25205 + 26740 + 9200);
    assert.equal(prev.claims.incurredCents, 30000);
    assert.equal(prev.claims.lossRatioCalendarYear, 0.1995); // 30000 / 150375
    assert.equal(prev.renewal.rate, null);
    assert.equal(r.change!.loss_ratio_cy, 0.7669);
    assert.equal(r.change!.renewal_rate, null);
    assert.equal(r.trend!.length, 12);
    assert.deepEqual(r.trend!.map((m) => m.renewable), [0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0]);
    assert.deepEqual(r.trend!.map((m) => m.claims), [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
    assert.equal(r.trend![2]!.renewalRate, 1); // March: A1
  });

  it('turns the report into valid kpi points for the store', () => {
    const pts = kpiPoints(k(), 'Europe/London', 'leeds');
    for (const p of pts) assert.equal(validatePoint(p).ok, true, JSON.stringify(validatePoint(p)));
    const all = pts.find((p) => p.tags.split === 'all')!;
    assert.equal(all.time, Date.parse('2025-01-01T00:00:00Z'));
    assert.equal(all.fields.renewal_rate, 0.4);
    assert.equal(all.fields.earned_premium, 3104.22);
    assert.equal(all.fields.earned_premium_cents, 310422);
    assert.ok(pts.some((p) => p.tags.split === 'depot' && p.tags.group === 'york' && p.fields.renewal_rate === 1));
  });
});
