// Matching a renewal to its predecessor (the seed's definition): the successor insures the same
// vehicle, found by VIN and plate, or by VIN alone when the plate changed; it starts no earlier than
// `earlyDays` before and no later than `graceDays` after the predecessor's expiry.
import { dayNumber } from './dates.js';
import { normalisePlate } from './tables.js';
import type { Policy } from './types.js';

export interface MatchOptions {
  earlyDays: number;
  graceDays: number;
}
export const DEFAULT_MATCH: MatchOptions = { earlyDays: 60, graceDays: 30 };

/** Minimum term (days) for a policy to count as renewable. */
export const MIN_TERM_DAYS = 183;

export interface Match {
  successor: Policy;
  by: 'vin+plate' | 'vin';
}

export function termDays(p: Policy): number {
  return dayNumber(p.endDate)! - dayNumber(p.startDate)!;
}

/** Indexes policies by VIN so matching a whole register stays linear. */
export class SuccessorIndex {
  private readonly byVin = new Map<string, Policy[]>();
  constructor(policies: readonly Policy[], private readonly opt: MatchOptions = DEFAULT_MATCH) {
    for (const p of policies) {
      const l = this.byVin.get(p.vin);
      if (l) l.push(p);
      else this.byVin.set(p.vin, [p]);
    }
  }

  successorOf(p: Policy): Match | null {
    const end = dayNumber(p.endDate)!;
    const start = dayNumber(p.startDate)!;
    let best: Match | null = null;
    let bestGap = Infinity;
    for (const q of this.byVin.get(p.vin) ?? []) {
      if (q.policyNumber === p.policyNumber) continue;
      const qs = dayNumber(q.startDate)!;
      if (qs <= start || qs < end - this.opt.earlyDays || qs > end + this.opt.graceDays) continue;
      const by = normalisePlate(q.plate) === normalisePlate(p.plate) ? 'vin+plate' : 'vin';
      // nearest start to the expiry wins; on a tie the one with the same plate
      const gap = Math.abs(qs - end) * 2 + (by === 'vin+plate' ? 0 : 1);
      if (gap < bestGap) ((best = { successor: q, by }), (bestGap = gap));
    }
    return best;
  }
}
