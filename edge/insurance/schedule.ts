// The renewal schedule: once a day at a configured time of the depot's time zone, find the
// policies 60, 30 and 15 days before expiry and emit reminders (the 15-day stage is a follow-up
// call repeated up to 3 times, `followUpEveryDays` apart, until an outcome is recorded). A
// reminder is claimed in the register (committed) before it is emitted, so none is ever sent twice
// for the same (policy, stage, attempt), across restarts; one whose emit never finished stays
// 'claimed' and is reported, not resent (at most once: a reminder sent twice costs more trust than
// one the call centre follows up by hand).
//
// Time comes from an injectable Clock; dates are the depot's civil dates (dates.ts).
import { addDays, daysBetween, isTimeZone, localDate, localIso, parseClockTime, zonedInstant } from './dates.js';
import type { PolicyRegister } from './register.js';
import { SuccessorIndex } from './renewal.js';
import type { Channel, Policy } from './types.js';

export interface ScheduleConfig {
  /** IANA zone of the depot, e.g. Europe/London */
  timeZone: string;
  /** daily run time "HH:MM" (24 h) on the depot's clock */
  runAt: string;
  /** days before expiry, highest first; the last one is the follow-up stage */
  stages: number[];
  /** attempts of the last stage (calls) */
  followUpAttempts: number;
  /** days between two follow-up attempts */
  followUpEveryDays: number;
}

export const DEFAULT_SCHEDULE: ScheduleConfig = { timeZone: 'UTC', runAt: '08:00', stages: [60, 30, 15], followUpAttempts: 3, followUpEveryDays: 3 };

export function scheduleProblems(c: ScheduleConfig): string[] {
  const p: string[] = [];
  if (!isTimeZone(c.timeZone)) p.push(`timeZone: "${c.timeZone}" is not an IANA time zone (e.g. Europe/London)`);
  if (!parseClockTime(c.runAt)) p.push(`runAt: "${c.runAt}" is not HH:MM (24 h)`);
  if (!Array.isArray(c.stages) || c.stages.length === 0 || c.stages.some((s, i) => !Number.isInteger(s) || s < 1 || s > 366 || (i > 0 && s >= c.stages[i - 1]!)))
    p.push('stages: whole days before expiry, highest first (e.g. 60, 30, 15)');
  if (!Number.isInteger(c.followUpAttempts) || c.followUpAttempts < 1 || c.followUpAttempts > 10) p.push('followUpAttempts: 1..10');
  if (!Number.isInteger(c.followUpEveryDays) || c.followUpEveryDays < 1) p.push('followUpEveryDays: a whole number of days >= 1');
  else if (Array.isArray(c.stages) && c.stages.length > 0 && (c.followUpAttempts - 1) * c.followUpEveryDays >= c.stages.at(-1)!) p.push('followUpEveryDays: the last attempt must fall before expiry');
  return p;
}

export interface Reminder {
  kind: 'reminder';
  policyNumber: string;
  holder: string;
  /** 'message' for the early stages, 'call' for the follow-up stage */
  action: 'message' | 'call';
  channel: Channel;
  contact: string;
  stage: number;
  attempt: number;
  maxAttempts: number;
  daysToExpiry: number;
  expiryDate: string;
  /** depot calendar date of the run */
  runDate: string;
  /** run instant with the depot's offset */
  runAt: string;
  vin: string;
  plate: string;
  depot: string;
  schemeId: string | null;
}

export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What is due for one policy on `today` (before looking at what was already sent). */
export function dueStage(p: Policy, today: string, cfg: ScheduleConfig): { stage: number; maxAttempt: number; daysToExpiry: number } | null {
  const d = daysBetween(today, p.endDate);
  if (d <= 0 || d > cfg.stages[0]!) return null;
  // the smallest stage the policy has reached: missed earlier stages are not sent late
  let stage = cfg.stages[0]!;
  for (const s of cfg.stages) if (d <= s) stage = s;
  const last = cfg.stages.at(-1)!;
  if (stage !== last) return { stage, maxAttempt: 1, daysToExpiry: d };
  const maxAttempt = Math.min(cfg.followUpAttempts, Math.floor((last - d) / cfg.followUpEveryDays) + 1);
  return { stage, maxAttempt, daysToExpiry: d };
}

export interface RunResult {
  runDate: string;
  reminders: Reminder[];
  /** policies whose first reminder of this cycle went out in this run (quote them now) */
  firstReminders: string[];
  /** reminders claimed by an earlier run whose emit never completed (a crash): not resent */
  uncertain: Array<{ policyNumber: string; stage: number; attempt: number; runDate: string }>;
}

/**
 * One run for the depot's date `today`. `emit` is called once per new reminder, after it is
 * claimed; an emit that throws aborts the run (what was emitted stays emitted, the rest is sent by
 * the next run).
 */
export function runReminders(reg: PolicyRegister, cfg: ScheduleConfig, now: number, emit: (r: Reminder) => void): RunResult {
  const today = localDate(now, cfg.timeZone);
  const runAt = localIso(now, cfg.timeZone);
  const all = reg.listPolicies();
  const succ = new SuccessorIndex(all);
  const result: RunResult = { runDate: today, reminders: [], firstReminders: [], uncertain: [] };
  const last = cfg.stages.at(-1)!;
  for (const p of reg.listPolicies({ endFrom: addDays(today, 1), endTo: addDays(today, cfg.stages[0]!) })) {
    const due = dueStage(p, today, cfg);
    if (!due) continue;
    if (reg.getOutcome(p.policyNumber) || succ.successorOf(p)) continue; // outcome known: no more reminders
    const sent = reg.reminders(p.policyNumber);
    let attempt = 1;
    if (due.stage === last) {
      const prev = sent.filter((r) => r.stage === last).sort((a, b) => b.attempt - a.attempt)[0];
      if (prev) {
        attempt = prev.attempt + 1;
        if (attempt > due.maxAttempt || daysBetween(prev.runDate, today) < cfg.followUpEveryDays) continue;
      }
    }
    const key = { policyNumber: p.policyNumber, stage: due.stage, attempt };
    const first = sent.length === 0;
    if (!reg.claimReminder(key, today, now)) continue;
    const r: Reminder = {
      kind: 'reminder',
      policyNumber: p.policyNumber,
      holder: p.holder,
      action: due.stage === last ? 'call' : 'message',
      channel: p.channel,
      contact: p.contact,
      stage: due.stage,
      attempt,
      maxAttempts: due.stage === last ? cfg.followUpAttempts : 1,
      daysToExpiry: due.daysToExpiry,
      expiryDate: p.endDate,
      runDate: today,
      runAt,
      vin: p.vin,
      plate: p.plate,
      depot: p.depot,
      schemeId: p.schemeId,
    };
    emit(r);
    reg.markReminderSent(key, now);
    result.reminders.push(r);
    if (first) result.firstReminders.push(p.policyNumber);
  }
  result.uncertain = reg
    .reminders()
    .filter((r) => r.state === 'claimed')
    .map((r) => ({ policyNumber: r.policyNumber, stage: r.stage, attempt: r.attempt, runDate: r.runDate }));
  return result;
}

/** Reminders that will fall due in the next `days` days from `today` (for the status and the API); nothing is claimed. */
export function dueWithin(reg: PolicyRegister, cfg: ScheduleConfig, today: string, days: number): Array<{ date: string; policyNumber: string; stage: number; daysToExpiry: number }> {
  const out: Array<{ date: string; policyNumber: string; stage: number; daysToExpiry: number }> = [];
  const all = reg.listPolicies();
  const succ = new SuccessorIndex(all);
  const candidates = reg.listPolicies({ endFrom: addDays(today, 1), endTo: addDays(today, cfg.stages[0]! + days) }).filter((p) => !reg.getOutcome(p.policyNumber) && !succ.successorOf(p));
  for (const p of candidates) {
    const sent = new Set(reg.reminders(p.policyNumber).map((r) => r.stage));
    for (let i = 0; i < days; i++) {
      const date = addDays(today, i);
      const d = dueStage(p, date, cfg);
      if (d && !sent.has(d.stage)) {
        out.push({ date, policyNumber: p.policyNumber, stage: d.stage, daysToExpiry: d.daysToExpiry });
        sent.add(d.stage);
      }
    }
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.policyNumber < b.policyNumber ? -1 : 1));
}

/** The next instant strictly after `after` at which the depot clock reads cfg.runAt. */
export function nextRunAt(after: number, cfg: ScheduleConfig): number {
  const { hh, mm } = parseClockTime(cfg.runAt)!;
  let day = localDate(after, cfg.timeZone);
  for (let i = 0; i < 3; i++) {
    const t = zonedInstant(day, hh, mm, cfg.timeZone);
    if (t > after) return t;
    day = addDays(day, 1);
  }
  throw new Error('nextRunAt: no run time found'); // unreachable for real zones
}

const LAST_RUN = 'schedule.last_run_date';

/**
 * Runs runReminders daily. On start, a run missed today (the time has passed and no run finished
 * today, e.g. the appliance was off or crashed mid-run) happens at once.
 */
export class RenewalScheduler {
  private timer: unknown = undefined;
  private stopped = true;

  constructor(
    private readonly reg: PolicyRegister,
    private readonly cfg: ScheduleConfig,
    private readonly onRun: (now: number) => void,
    private readonly clock: Clock = systemClock,
  ) {
    const p = scheduleProblems(cfg);
    if (p.length > 0) throw new RangeError(p.join('; '));
  }

  start(): void {
    this.stopped = false;
    const now = this.clock.now();
    const today = localDate(now, this.cfg.timeZone);
    const { hh, mm } = parseClockTime(this.cfg.runAt)!;
    if (now >= zonedInstant(today, hh, mm, this.cfg.timeZone) && this.reg.getMeta(LAST_RUN) !== today) this.fire();
    else this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** The next scheduled run (ms), or null when stopped. */
  next: number | null = null;

  private arm(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const at = nextRunAt(now, this.cfg);
    this.next = at;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      // a timer can fire early after a clock change: wait again until it is really time
      if (this.clock.now() < at) this.arm();
      else this.fire();
    }, at - now);
  }

  private fire(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const today = localDate(now, this.cfg.timeZone);
    try {
      if (this.reg.getMeta(LAST_RUN) !== today) {
        this.onRun(now);
        this.reg.setMeta(LAST_RUN, today);
      }
    } finally {
      this.arm();
    }
  }
}
