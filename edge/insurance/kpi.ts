// Insurance KPIs from the register and the claims ledger, for a period [from, to) of depot civil
// dates, as of a day (`asOf`, exclusive: what is known up to the end of the day before). The
// definitions are in DESIGN.md; each number here has a test computed by hand.
import { addYears, dayNumber, isoOfDay, localDate } from './dates.js';
import { mulDiv, ratio } from './money.js';
import type { PolicyRegister } from './register.js';
import { DEFAULT_MATCH, MIN_TERM_DAYS, SuccessorIndex, termDays, type MatchOptions } from './renewal.js';
import { LAPSE_REASONS, type ClaimEntry, type Policy } from './types.js';

export interface KpiOptions {
  from: string;
  to: string;
  asOf: string;
  timeZone: string;
  match?: MatchOptions;
  /** compute the same period a year earlier and the differences (default true) */
  compare?: boolean;
  /** monthly trend inside the period (default true) */
  trend?: boolean;
}

export interface RenewalSplit {
  renewable: number;
  renewed: number;
  rate: number | null;
}

export interface RenewalKpis extends RenewalSplit {
  /** policies expiring in the period excluded because their term was shorter than 183 days */
  excludedShortTerm: number;
  matchedBy: { 'vin+plate': number; vin: number };
  byClaims: { claimed: RenewalSplit; claim_free: RenewalSplit };
  byNewVehicle: { new: RenewalSplit; used: RenewalSplit };
  byDepot: Record<string, RenewalSplit>;
  byVehicleClass: Record<string, RenewalSplit>;
  byUse: Record<string, RenewalSplit>;
  byScheme: Record<string, RenewalSplit>;
  /** reasons of renewable policies not renewed (from their lapsed outcome; 'unknown' without one) */
  nonRenewalReasons: Record<string, number>;
  policies: Array<{ policyNumber: string; renewed: boolean; successor: string | null; by: 'vin+plate' | 'vin' | null }>;
}

export interface PremiumKpis {
  /** pro rata share of each policy's premium for its days inside the period */
  earnedCents: number;
  /** premiums of policies starting in the period */
  writtenCents: number;
  exposureDays: number;
  vehicleYears: number;
  /** earned premium per vehicle-year */
  averagePremiumPerVehicleCents: number | null;
}

export interface ClaimKpis {
  /** claims occurring in the period, rejected ones excluded */
  count: number;
  incurredCents: number;
  paidCents: number;
  /** claims per vehicle-year */
  frequency: number | null;
  averageClaimCents: number | null;
  lossRatioCalendarYear: number | null;
  lossRatioUnderwritingYear: number | null;
  underwritingYear: { writtenPolicies: number; earnedCents: number; incurredCents: number };
  reported: number;
  registered: number;
  registeredWithin24h: number;
  registeredWithin24hRate: number | null;
  closed: number;
  closingRate: number | null;
  outstandingCount: number;
  outstandingCents: number;
  averageDaysToClose: number | null;
  rejected: number;
}

export interface KpiCore {
  from: string;
  to: string;
  asOf: string;
  renewal: RenewalKpis;
  premium: PremiumKpis;
  claims: ClaimKpis;
}

export interface KpiReport extends KpiCore {
  previousYear?: KpiCore;
  /** this period minus the same period a year earlier, for the headline figures */
  change?: Record<string, number | null>;
  trend?: Array<{ month: string; renewable: number; renewed: number; renewalRate: number | null; earnedCents: number; incurredCents: number; lossRatio: number | null; claims: number }>;
}

const DAY = 86_400_000;

function overlapDays(p: Policy, from: number, to: number): number {
  return Math.max(0, Math.min(dayNumber(p.endDate)!, to) - Math.max(dayNumber(p.startDate)!, from));
}

/** round(premium x days / term), half up, exact */
function earned(p: Policy, days: number): number {
  return days === 0 ? 0 : mulDiv(p.premiumCents, days, termDays(p));
}

const split = (): RenewalSplit => ({ renewable: 0, renewed: 0, rate: null });
function add(m: Record<string, RenewalSplit>, k: string, renewed: boolean): void {
  const s = (m[k] ??= split());
  s.renewable++;
  if (renewed) s.renewed++;
}
function rates<T extends Record<string, RenewalSplit>>(m: T): T {
  for (const s of Object.values(m)) s.rate = ratio(s.renewed, s.renewable);
  return m;
}

export function computeKpiCore(policies: Policy[], claims: ClaimEntry[], outcomes: Map<string, { reason: string | null }>, o: KpiOptions): KpiCore {
  const from = dayNumber(o.from)!;
  const to = dayNumber(o.to)!;
  const asOf = dayNumber(o.asOf)!;
  const end = Math.min(to, asOf);
  const claimDay = (c: ClaimEntry): number => dayNumber(localDate(c.occurredAt, o.timeZone))!;
  const live = claims.filter((c) => c.status !== 'rejected');
  const claimsByPolicy = new Map<string, ClaimEntry[]>();
  for (const c of live) (claimsByPolicy.get(c.policyNumber) ?? claimsByPolicy.set(c.policyNumber, []).get(c.policyNumber)!).push(c);

  // ---- renewal rate
  const idx = new SuccessorIndex(policies, o.match ?? DEFAULT_MATCH);
  const r: RenewalKpis = {
    ...split(),
    excludedShortTerm: 0,
    matchedBy: { 'vin+plate': 0, vin: 0 },
    byClaims: { claimed: split(), claim_free: split() },
    byNewVehicle: { new: split(), used: split() },
    byDepot: {},
    byVehicleClass: {},
    byUse: {},
    byScheme: {},
    nonRenewalReasons: Object.fromEntries([...LAPSE_REASONS, 'unknown'].map((k) => [k, 0])),
    policies: [],
  };
  for (const p of policies) {
    const e = dayNumber(p.endDate)!;
    if (e < from || e >= to || e > asOf) continue;
    if (termDays(p) < MIN_TERM_DAYS) {
      r.excludedShortTerm++;
      continue;
    }
    const m = idx.successorOf(p);
    const renewed = m !== null;
    r.renewable++;
    if (renewed) (r.renewed++, r.matchedBy[m.by]++);
    else r.nonRenewalReasons[outcomes.get(p.policyNumber)?.reason ?? 'unknown']!++;
    const claimed = (claimsByPolicy.get(p.policyNumber) ?? []).some((c) => claimDay(c) >= dayNumber(p.startDate)! && claimDay(c) < e);
    const inc = (s: RenewalSplit): void => void (s.renewable++, renewed && s.renewed++);
    inc(claimed ? r.byClaims.claimed : r.byClaims.claim_free);
    inc(p.newVehicle ? r.byNewVehicle.new : r.byNewVehicle.used);
    add(r.byDepot, p.depot || 'unknown', renewed);
    add(r.byVehicleClass, p.vehicleClass || 'unknown', renewed);
    add(r.byUse, p.use || 'unknown', renewed);
    add(r.byScheme, p.schemeId ?? 'none', renewed);
    r.policies.push({ policyNumber: p.policyNumber, renewed, successor: m?.successor.policyNumber ?? null, by: m?.by ?? null });
  }
  r.rate = ratio(r.renewed, r.renewable);
  rates(r.byClaims);
  rates(r.byNewVehicle);
  rates(r.byDepot);
  rates(r.byVehicleClass);
  rates(r.byUse);
  rates(r.byScheme);

  // ---- premium and exposure
  let earnedCents = 0;
  let writtenCents = 0;
  let exposureDays = 0;
  for (const p of policies) {
    const d = overlapDays(p, from, end);
    earnedCents += earned(p, d);
    exposureDays += d;
    const s = dayNumber(p.startDate)!;
    if (s >= from && s < to && s <= asOf) writtenCents += p.premiumCents;
  }
  const premium: PremiumKpis = {
    earnedCents,
    writtenCents,
    exposureDays,
    vehicleYears: Math.round((exposureDays / 365) * 10000) / 10000,
    averagePremiumPerVehicleCents: exposureDays === 0 ? null : mulDiv(earnedCents, 365, exposureDays),
  };

  // ---- claims
  const inPeriod = claims.filter((c) => claimDay(c) >= from && claimDay(c) < end);
  const counted = inPeriod.filter((c) => c.status !== 'rejected');
  const incurred = (cs: ClaimEntry[]): number => cs.reduce((a, c) => a + c.paidCents + c.reserveCents, 0);
  const registered = counted.filter((c) => c.registeredAt !== null);
  const within24 = registered.filter((c) => c.registeredAt! - c.occurredAt <= DAY);
  const closed = counted.filter((c) => c.status === 'closed');
  const outstanding = counted.filter((c) => c.status === 'reported' || c.status === 'registered');
  const incurredCents = incurred(counted);
  // underwriting year: policies written (started) in the period, all their claims to date, premium earned to date
  const uw = policies.filter((p) => dayNumber(p.startDate)! >= from && dayNumber(p.startDate)! < to && dayNumber(p.startDate)! <= asOf);
  const uwNumbers = new Set(uw.map((p) => p.policyNumber));
  const uwEarned = uw.reduce((a, p) => a + earned(p, overlapDays(p, -Infinity, asOf)), 0);
  const uwIncurred = incurred(live.filter((c) => uwNumbers.has(c.policyNumber) && claimDay(c) < asOf));
  const closeDays = closed.map((c) => (c.closedAt! - c.reportedAt) / DAY);
  const cl: ClaimKpis = {
    count: counted.length,
    incurredCents,
    paidCents: counted.reduce((a, c) => a + c.paidCents, 0),
    frequency: exposureDays === 0 ? null : Math.round(((counted.length * 365) / exposureDays) * 10000) / 10000,
    averageClaimCents: counted.length === 0 ? null : mulDiv(incurredCents, 1, counted.length),
    lossRatioCalendarYear: ratio(incurredCents, earnedCents),
    lossRatioUnderwritingYear: ratio(uwIncurred, uwEarned),
    underwritingYear: { writtenPolicies: uw.length, earnedCents: uwEarned, incurredCents: uwIncurred },
    reported: counted.length,
    registered: registered.length,
    registeredWithin24h: within24.length,
    registeredWithin24hRate: ratio(within24.length, counted.length),
    closed: closed.length,
    closingRate: ratio(closed.length, registered.length),
    outstandingCount: outstanding.length,
    outstandingCents: outstanding.reduce((a, c) => a + c.reserveCents, 0),
    averageDaysToClose: closeDays.length === 0 ? null : Math.round((closeDays.reduce((a, b) => a + b, 0) / closeDays.length) * 100) / 100,
    rejected: inPeriod.length - counted.length,
  };
  return { from: o.from, to: o.to, asOf: o.asOf, renewal: r, premium, claims: cl };
}

export function headline(k: KpiCore): Record<string, number | null> {
  return {
    renewal_rate: k.renewal.rate,
    renewable: k.renewal.renewable,
    renewed: k.renewal.renewed,
    earned_premium_cents: k.premium.earnedCents,
    written_premium_cents: k.premium.writtenCents,
    vehicle_years: k.premium.vehicleYears,
    avg_premium_per_vehicle_cents: k.premium.averagePremiumPerVehicleCents,
    loss_ratio_cy: k.claims.lossRatioCalendarYear,
    loss_ratio_uy: k.claims.lossRatioUnderwritingYear,
    claim_frequency: k.claims.frequency,
    avg_claim_cents: k.claims.averageClaimCents,
    claims_reported: k.claims.reported,
    claims_registered: k.claims.registered,
    registered_24h_rate: k.claims.registeredWithin24hRate,
    closing_rate: k.claims.closingRate,
    outstanding_count: k.claims.outstandingCount,
    outstanding_cents: k.claims.outstandingCents,
    avg_days_to_close: k.claims.averageDaysToClose,
  };
}

export function computeKpis(reg: PolicyRegister, o: KpiOptions): KpiReport {
  for (const k of ['from', 'to', 'asOf'] as const) if (dayNumber(o[k]) === null) throw new RangeError(`${k}: "${o[k]}" is not an ISO date`);
  if (o.to <= o.from) throw new RangeError(`to: ${o.to} is not after from ${o.from}`);
  const policies = reg.listPolicies();
  const claims = reg.listClaims();
  const outcomes = new Map(reg.listOutcomes().map((x) => [x.policyNumber, { reason: x.reason }]));
  const report: KpiReport = computeKpiCore(policies, claims, outcomes, o);
  if (o.compare !== false) {
    const prev = computeKpiCore(policies, claims, outcomes, { ...o, from: addYears(o.from, -1), to: addYears(o.to, -1), asOf: addYears(o.asOf, -1) });
    report.previousYear = prev;
    const a = headline(report);
    const b = headline(prev);
    report.change = Object.fromEntries(Object.keys(a).map((k) => [k, a[k] === null || b[k] === null ? null : Math.round((a[k]! - b[k]!) * 10000) / 10000]));
  }
  if (o.trend !== false) {
    report.trend = [];
    let m = o.from.slice(0, 7) + '-01';
    while (m < o.to) {
      const next = isoOfDay(dayNumber(m)! + 32).slice(0, 7) + '-01';
      const f = m < o.from ? o.from : m;
      const t = next > o.to ? o.to : next;
      const k = computeKpiCore(policies, claims, outcomes, { ...o, from: f, to: t });
      report.trend.push({ month: m.slice(0, 7), renewable: k.renewal.renewable, renewed: k.renewal.renewed, renewalRate: k.renewal.rate, earnedCents: k.premium.earnedCents, incurredCents: k.claims.incurredCents, lossRatio: k.claims.lossRatioCalendarYear, claims: k.claims.count });
      m = next;
    }
  }
  return report;
}
