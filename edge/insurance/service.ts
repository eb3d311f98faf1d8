// The renewal flow over one register: the daily run (reminders, then a quote or a referral for each
// policy whose first reminder of the cycle just went out) and quotes on demand. What the node and
// the REST API both use.
import { daysBetween, localDate } from './dates.js';
import { renewalQuote, type QuoteConfig, type Quote, type Referral } from './quote.js';
import type { PolicyRegister } from './register.js';
import { runReminders, type Reminder, type RunResult, type ScheduleConfig } from './schedule.js';
import type { Policy } from './types.js';

export interface RunSink {
  reminder(r: Reminder): void;
  quote(q: Quote): void;
  referral(r: Referral): void;
}

export class RenewalService {
  constructor(
    readonly register: PolicyRegister,
    readonly schedule: ScheduleConfig,
    readonly quoteConfig: QuoteConfig,
  ) {}

  today(now: number): string {
    return localDate(now, this.schedule.timeZone);
  }

  /** Claims whose loss occurred inside the policy's term (depot calendar). */
  claimsInTerm(p: Policy): number {
    return this.register.listClaims({ policyNumber: p.policyNumber }).filter((c) => {
      const d = localDate(c.occurredAt, this.schedule.timeZone);
      return d >= p.startDate && d < p.endDate && c.status !== 'rejected';
    }).length;
  }

  /** Prices the renewal of `policyNumber` as of `asOf` and stores the decision; null when no such policy. */
  quote(policyNumber: string, asOf: string, at: number): Quote | Referral | null {
    const p = this.register.getPolicy(policyNumber);
    if (!p) return null;
    const scheme = p.schemeId ? this.register.getScheme(p.schemeId) : null;
    const vehicleScore = this.register.getScore('vehicle', p.vin) ?? this.register.getScore('vehicle', p.plate);
    const driverScores = p.drivers.map((d) => this.register.getScore('driver', d)).filter((s) => s !== null);
    const q = renewalQuote({ policy: p, scheme, vehicleScore, driverScores, claims: this.claimsInTerm(p), asOf }, this.quoteConfig);
    this.register.putDecision(p.policyNumber, q.kind, at, q);
    return q;
  }

  /** One daily run at instant `now`. */
  run(now: number, sink: RunSink): RunResult & { quotes: Quote[]; referrals: Referral[] } {
    const res = runReminders(this.register, this.schedule, now, (r) => sink.reminder(r));
    const quotes: Quote[] = [];
    const referrals: Referral[] = [];
    for (const n of res.firstReminders) {
      const q = this.quote(n, res.runDate, now)!;
      if (q.kind === 'quote') (quotes.push(q), sink.quote(q));
      else (referrals.push(q), sink.referral(q));
    }
    return { ...res, quotes, referrals };
  }

  /** days to expiry of a policy on the depot calendar at `now` */
  daysToExpiry(p: Policy, now: number): number {
    return daysBetween(this.today(now), p.endDate);
  }
}
