// Renewal quote: base premium x UBI factor (from the score band) x (1 - scheme discount), kept
// between a floor and a cap; or, when an underwriting rule fires, a referral to an underwriter
// instead. Integer cents and basis points throughout, each step rounded half up to the cent, and
// every input listed on the quote so it can be explained line by line.
import type { Score } from '../scoring/types.js';
import { formatCents, mulDiv } from './money.js';
import type { Policy, Scheme } from './types.js';

export interface ScoreBand {
  /** lowest score of the band (inclusive) */
  minScore: number;
  /** premium factor in basis points: 8500 = x0.85 */
  factorBp: number;
  label: string;
}

export interface ReferralRules {
  /** refer when the combined score is below this (null: rule off) */
  scoreBelow: number | null;
  /** refer when the policy year had more incidents/claims than this */
  claimsAbove: number | null;
  /** refer when the vehicle's or a driver's score counts more fatigue events than this */
  fatigueAbove: number | null;
  /** refer when the share of driving time over the limit exceeds this (0..1) */
  speedingShareAbove: number | null;
}

export interface QuoteConfig {
  /** highest first; the first band whose minScore <= score applies */
  bands: ScoreBand[];
  /** weight of the vehicle's score against its drivers' (distance-weighted) score, percent */
  vehicleWeightPct: number;
  floorCents: number;
  /** null: no cap */
  capCents: number | null;
  referral: ReferralRules;
}

export const DEFAULT_QUOTE_CONFIG: QuoteConfig = {
  bands: [
    { minScore: 90, factorBp: 8500, label: 'A (90+)' },
    { minScore: 80, factorBp: 9250, label: 'B (80-89)' },
    { minScore: 70, factorBp: 10000, label: 'C (70-79)' },
    { minScore: 60, factorBp: 11000, label: 'D (60-69)' },
    { minScore: 0, factorBp: 12500, label: 'E (<60)' },
  ],
  vehicleWeightPct: 50,
  floorCents: 25000,
  capCents: null,
  referral: { scoreBelow: 50, claimsAbove: 2, fatigueAbove: 5, speedingShareAbove: null },
};

/** Checks a quote configuration (from a node's JSON or the API); returns the problems, naming the field. */
export function quoteConfigProblems(c: unknown): string[] {
  const p: string[] = [];
  if (typeof c !== 'object' || c === null) return ['quote config: not an object'];
  const q = c as Partial<QuoteConfig>;
  if (!Array.isArray(q.bands) || q.bands.length === 0) p.push('bands: a non-empty list of {minScore, factorBp, label}');
  else {
    q.bands.forEach((b, i) => {
      if (typeof b?.minScore !== 'number' || b.minScore < 0 || b.minScore > 100) p.push(`bands[${i}].minScore: 0..100`);
      if (!Number.isInteger(b?.factorBp) || b.factorBp <= 0 || b.factorBp > 100000) p.push(`bands[${i}].factorBp: a positive integer (10000 = x1.00)`);
      if (typeof b?.label !== 'string') p.push(`bands[${i}].label: a string`);
      if (i > 0 && typeof b?.minScore === 'number' && b.minScore >= q.bands![i - 1]!.minScore) p.push(`bands[${i}].minScore: bands must go from the highest score down`);
    });
    if (q.bands.at(-1)?.minScore !== 0) p.push('bands: the last band must start at 0 so every score has a band');
  }
  if (typeof q.vehicleWeightPct !== 'number' || q.vehicleWeightPct < 0 || q.vehicleWeightPct > 100) p.push('vehicleWeightPct: 0..100');
  if (!Number.isSafeInteger(q.floorCents) || q.floorCents! < 0) p.push('floorCents: a non-negative integer');
  if (q.capCents !== null && (!Number.isSafeInteger(q.capCents) || q.capCents! < (q.floorCents ?? 0))) p.push('capCents: null or an integer >= floorCents');
  const r = q.referral as Partial<ReferralRules> | undefined;
  if (typeof r !== 'object' || r === null) p.push('referral: {scoreBelow, claimsAbove, fatigueAbove, speedingShareAbove}');
  else for (const k of ['scoreBelow', 'claimsAbove', 'fatigueAbove', 'speedingShareAbove'] as const) if (r[k] !== null && (typeof r[k] !== 'number' || r[k]! < 0)) p.push(`referral.${k}: null or a non-negative number`);
  return p;
}

export interface QuoteInputs {
  policy: Policy;
  scheme: Scheme | null;
  vehicleScore: Score | null;
  driverScores: Score[];
  /** claims/incidents in the policy year (from the claims ledger) */
  claims: number;
  /** the day the quote is made (depot calendar) */
  asOf: string;
  /** base premium; default: the expiring policy's premium */
  baseCents?: number;
}

export interface ScoreUsed {
  scope: 'vehicle' | 'driver';
  key: string;
  score: number | null;
  status: 'ok' | 'insufficient_data';
  distanceKm: number;
  fatigue: number;
  speedingShare: number;
  version: string;
  from: number;
  to: number;
}

export interface ReferralReason {
  rule: keyof ReferralRules;
  value: number;
  threshold: number;
  text: string;
}

interface Common {
  policyNumber: string;
  asOf: string;
  expiryDate: string;
  scores: ScoreUsed[];
  /** combined score (vehicle and drivers weighted), 1 decimal; null with 'insufficient_data' */
  score: number | null;
  scoreStatus: 'ok' | 'insufficient_data';
  claims: number;
}

export interface Quote extends Common {
  kind: 'quote';
  baseCents: number;
  band: string;
  factorBp: number;
  ubiPremiumCents: number;
  schemeId: string | null;
  discountBp: number;
  discountedCents: number;
  floorCents: number;
  capCents: number | null;
  limitedBy: 'floor' | 'cap' | null;
  premiumCents: number;
  /** the quote explained, one line per step */
  lines: string[];
}

export interface Referral extends Common {
  kind: 'referral';
  reasons: ReferralReason[];
  baseCents: number;
}

function used(s: Score): ScoreUsed {
  return { scope: s.scope === 'driver' ? 'driver' : 'vehicle', key: s.key, score: s.score, status: s.status, distanceKm: s.distance, fatigue: s.counts.fatigue, speedingShare: s.speedingShare, version: s.version, from: s.from, to: s.to };
}

/** The combined score: the vehicle's and the drivers' distance-weighted mean, by vehicleWeightPct; null when neither has enough data. */
export function combinedScore(vehicle: Score | null, drivers: Score[], vehicleWeightPct: number): number | null {
  const v = vehicle && vehicle.status === 'ok' && vehicle.score !== null ? vehicle.score : null;
  const okDrivers = drivers.filter((d) => d.status === 'ok' && d.score !== null && d.distance > 0);
  const dist = okDrivers.reduce((a, d) => a + d.distance, 0);
  const d = okDrivers.length > 0 ? okDrivers.reduce((a, x) => a + x.score! * x.distance, 0) / dist : null;
  let s: number | null;
  if (v !== null && d !== null) s = (v * vehicleWeightPct + d * (100 - vehicleWeightPct)) / 100;
  else s = v ?? d;
  return s === null ? null : Math.round(s * 10) / 10;
}

const pct = (bp: number): string => `${(bp / 100).toFixed(2).replace(/\.?0+$/, '')} %`;

export function renewalQuote(inp: QuoteInputs, cfg: QuoteConfig): Quote | Referral {
  const scores = [...(inp.vehicleScore ? [inp.vehicleScore] : []), ...inp.driverScores].map(used);
  const score = combinedScore(inp.vehicleScore, inp.driverScores, cfg.vehicleWeightPct);
  const baseCents = inp.baseCents ?? inp.policy.premiumCents;
  const common: Common = { policyNumber: inp.policy.policyNumber, asOf: inp.asOf, expiryDate: inp.policy.endDate, scores, score, scoreStatus: score === null ? 'insufficient_data' : 'ok', claims: inp.claims };

  const reasons: ReferralReason[] = [];
  const r = cfg.referral;
  if (r.scoreBelow !== null && score !== null && score < r.scoreBelow) reasons.push({ rule: 'scoreBelow', value: score, threshold: r.scoreBelow, text: `score ${score} is below ${r.scoreBelow}` });
  if (r.claimsAbove !== null && inp.claims > r.claimsAbove) reasons.push({ rule: 'claimsAbove', value: inp.claims, threshold: r.claimsAbove, text: `${inp.claims} claims/incidents in the policy year (more than ${r.claimsAbove})` });
  const fatigue = Math.max(0, ...scores.map((s) => s.fatigue));
  if (r.fatigueAbove !== null && fatigue > r.fatigueAbove) reasons.push({ rule: 'fatigueAbove', value: fatigue, threshold: r.fatigueAbove, text: `${fatigue} fatigue violations (more than ${r.fatigueAbove})` });
  const speeding = Math.max(0, ...scores.map((s) => s.speedingShare));
  if (r.speedingShareAbove !== null && speeding > r.speedingShareAbove) reasons.push({ rule: 'speedingShareAbove', value: speeding, threshold: r.speedingShareAbove, text: `${Math.round(speeding * 1000) / 10} % of driving time over the limit (more than ${r.speedingShareAbove * 100} %)` });
  if (reasons.length > 0) return { kind: 'referral', ...common, reasons, baseCents };

  const band = score === null ? null : cfg.bands.find((b) => score >= b.minScore)!;
  const factorBp = band ? band.factorBp : 10000;
  const ubiPremiumCents = mulDiv(baseCents, factorBp, 10000);
  const discountBp = inp.scheme?.discountBp ?? 0;
  const discountedCents = mulDiv(ubiPremiumCents, 10000 - discountBp, 10000);
  let premiumCents = discountedCents;
  let limitedBy: Quote['limitedBy'] = null;
  if (premiumCents < cfg.floorCents) ((premiumCents = cfg.floorCents), (limitedBy = 'floor'));
  if (cfg.capCents !== null && premiumCents > cfg.capCents) ((premiumCents = cfg.capCents), (limitedBy = 'cap'));
  const lines = [
    `base premium ${formatCents(baseCents)}`,
    band ? `score ${score} -> band ${band.label}: x${(factorBp / 10000).toFixed(4).replace(/0+$/, '').replace(/\.$/, '')} = ${formatCents(ubiPremiumCents)}` : `score: insufficient data -> base kept: ${formatCents(ubiPremiumCents)}`,
    inp.scheme ? `scheme ${inp.scheme.name} discount ${pct(discountBp)} = ${formatCents(discountedCents)}` : `no scheme discount = ${formatCents(discountedCents)}`,
    ...(limitedBy === 'floor' ? [`raised to the floor ${formatCents(cfg.floorCents)}`] : limitedBy === 'cap' ? [`limited to the cap ${formatCents(cfg.capCents!)}`] : []),
    `renewal premium ${formatCents(premiumCents)}`,
  ];
  return {
    kind: 'quote',
    ...common,
    baseCents,
    band: band ? band.label : 'insufficient_data',
    factorBp,
    ubiPremiumCents,
    schemeId: inp.scheme?.schemeId ?? null,
    discountBp,
    discountedCents,
    floorCents: cfg.floorCents,
    capCents: cfg.capCents,
    limitedBy,
    premiumCents,
    lines,
  };
}
