import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addDays, zonedInstant } from '../../edge/insurance/dates.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { DEFAULT_SCHEDULE, RenewalScheduler, dueWithin, nextRunAt, runReminders, type Clock, type Reminder, type ScheduleConfig } from '../../edge/insurance/schedule.js';
import { policy } from './helpers.js';

const cfg = (o: Partial<ScheduleConfig> = {}): ScheduleConfig => ({ ...DEFAULT_SCHEDULE, timeZone: 'UTC', runAt: '08:00', ...o });

/** Runs the daily job every day from `from` to `to` inclusive at 08:00 in the zone; returns "date stage/attempt policy". */
function daily(reg: PolicyRegister, c: ScheduleConfig, from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) runReminders(reg, c, zonedInstant(d, 8, 0, c.timeZone), (r) => out.push(`${r.runDate} ${r.stage}/${r.attempt} ${r.policyNumber} d=${r.daysToExpiry}`));
  return out;
}

/** A fake clock: timers fire in time order as the test advances it. */
class FakeClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  pending(): number {
    return this.timers.length;
  }
  advanceTo(t: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > t) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = t;
  }
}

describe('insurance: renewal schedule', () => {
  let reg: PolicyRegister;
  beforeEach(() => (reg = new PolicyRegister(':memory:')));
  afterEach(() => reg.close());

  it('sends 60, 30 and three 15-day calls 3 days apart across month ends (expiry 31 March 2025)', () => {
    policy(reg, { n: 'P1', start: '2024-03-31', end: '2025-03-31', channel: 'phone', contact: '+44 113 496 0001' });
    assert.deepEqual(daily(reg, cfg(), '2025-01-01', '2025-04-05'), [
      '2025-01-30 60/1 P1 d=60', // 59 days to 31 March = 1 Feb (28-day February), so 60 = 30 Jan
      '2025-03-01 30/1 P1 d=30',
      '2025-03-16 15/1 P1 d=15',
      '2025-03-19 15/2 P1 d=12',
      '2025-03-22 15/3 P1 d=9',
    ]);
  });

  it('counts 29 February in a leap year (expiry 30 March 2024 and 29 February 2024)', () => {
    policy(reg, { n: 'L1', start: '2023-03-30', end: '2024-03-30' });
    policy(reg, { n: 'L2', start: '2023-02-28', end: '2024-02-29' });
    const got = daily(reg, cfg({ followUpAttempts: 1 }), '2023-12-01', '2024-03-31');
    assert.deepEqual(got, [
      '2023-12-31 60/1 L2 d=60',
      '2024-01-30 30/1 L2 d=30',
      '2024-01-30 60/1 L1 d=60',
      '2024-02-14 15/1 L2 d=15',
      '2024-02-29 30/1 L1 d=30',
      '2024-03-15 15/1 L1 d=15',
    ]);
  });

  it('uses the depot time zone for "today": the same instant is 60 days out in Auckland and 61 in Los Angeles', () => {
    policy(reg, { n: 'Z1', start: '2024-03-31', end: '2025-03-31' });
    const instant = Date.parse('2025-01-29T20:00:00Z'); // Auckland 30 Jan 09:00 (+13), Los Angeles 29 Jan 12:00 (-8)
    const la: Reminder[] = [];
    runReminders(reg, cfg({ timeZone: 'America/Los_Angeles' }), instant, (r) => la.push(r));
    assert.equal(la.length, 0);
    const nz: Reminder[] = [];
    runReminders(reg, cfg({ timeZone: 'Pacific/Auckland' }), instant, (r) => nz.push(r));
    assert.equal(nz.length, 1);
    assert.equal(nz[0]!.runDate, '2025-01-30');
    assert.equal(nz[0]!.runAt, '2025-01-30T09:00:00+13:00');
  });

  it('runs once a day at the depot time through both DST changes (Europe/London, 01:30)', () => {
    policy(reg, { n: 'D1', start: '2024-05-20', end: '2025-05-20' }); // 60 days before = 21 March
    const c = cfg({ timeZone: 'Europe/London', runAt: '01:30' });
    const clock = new FakeClock(Date.parse('2025-03-28T12:00:00Z'));
    const runs: string[] = [];
    const s = new RenewalScheduler(reg, c, (now) => runs.push(new Date(now).toISOString()), clock);
    s.start(); // 01:30 has passed today and nothing ran yet: a catch-up run at once
    clock.advanceTo(Date.parse('2025-04-01T12:00:00Z'));
    s.stop();
    assert.equal(clock.pending(), 0);
    clock.t = Date.parse('2025-10-24T12:00:00Z'); // switched off for months: one catch-up run on start
    const s2 = new RenewalScheduler(reg, c, (now) => runs.push(new Date(now).toISOString()), clock);
    s2.start();
    clock.advanceTo(Date.parse('2025-10-28T12:00:00Z'));
    s2.stop();
    assert.deepEqual(runs, [
      '2025-03-28T12:00:00.000Z',
      '2025-03-29T01:30:00.000Z', // GMT
      '2025-03-30T01:30:00.000Z', // 01:30 does not exist (01:00 -> 02:00): 02:30 BST
      '2025-03-31T00:30:00.000Z', // BST
      '2025-04-01T00:30:00.000Z',
      '2025-10-24T12:00:00.000Z',
      '2025-10-25T00:30:00.000Z',
      '2025-10-26T00:30:00.000Z', // 01:30 happens twice (02:00 -> 01:00): only the first
      '2025-10-27T01:30:00.000Z', // GMT again
      '2025-10-28T01:30:00.000Z',
    ]);
  });

  it('computes run instants in zones with a DST gap at the run time (New York 02:30 on 9 March 2025)', () => {
    const c = cfg({ timeZone: 'America/New_York', runAt: '02:30' });
    assert.equal(new Date(nextRunAt(Date.parse('2025-03-08T08:00:00Z'), c)).toISOString(), '2025-03-09T07:30:00.000Z'); // 03:30 EDT
    assert.equal(new Date(nextRunAt(Date.parse('2025-03-09T07:30:00Z'), c)).toISOString(), '2025-03-10T06:30:00.000Z'); // 02:30 EDT
    assert.equal(new Date(nextRunAt(Date.parse('2025-11-01T12:00:00Z'), c)).toISOString(), '2025-11-02T07:30:00.000Z'); // 02:30 EST after the fall-back
  });

  it('a restart in the middle of a run sends nothing twice and finishes the run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-sched-'));
    try {
      const file = path.join(dir, 'register.db');
      let r1 = new PolicyRegister(file);
      for (const n of ['R1', 'R2', 'R3', 'R4']) policy(r1, { n, start: '2024-06-01', end: '2025-06-01' }); // 60 days before = 2 April
      const c = cfg({ timeZone: 'Europe/Berlin', runAt: '07:00' });
      const delivered: string[] = [];
      const clock = new FakeClock(Date.parse('2025-04-01T12:00:00Z'));
      let n = 0;
      const s1 = new RenewalScheduler(r1, c, (now) => {
        runReminders(r1, c, now, (r) => {
          delivered.push(r.policyNumber);
          if (++n === 2) throw new Error('power cut'); // the 2nd reminder went out, then the process died
        });
      }, clock);
      s1.start();
      assert.throws(() => clock.advanceTo(Date.parse('2025-04-02T06:00:00Z')), /power cut/);
      s1.stop();
      r1.close();
      assert.deepEqual(delivered, ['R1', 'R2']);
      // restart later the same day: the missed run is caught up at once, sending only what is left
      r1 = new PolicyRegister(file);
      clock.t = Date.parse('2025-04-02T09:00:00Z');
      const results: ReturnType<typeof runReminders>[] = [];
      const s2 = new RenewalScheduler(r1, c, (now) => void results.push(runReminders(r1, c, now, (r) => delivered.push(r.policyNumber))), clock);
      s2.start();
      assert.deepEqual(delivered, ['R1', 'R2', 'R3', 'R4']);
      assert.deepEqual(results[0]!.uncertain, [{ policyNumber: 'R2', stage: 60, attempt: 1, runDate: '2025-04-02' }]);
      // and a third start the same day runs nothing
      s2.stop();
      const s3 = new RenewalScheduler(r1, c, () => assert.fail('ran twice in a day'), clock);
      s3.start();
      s3.stop();
      // an explicit extra run the same day finds nothing new either
      assert.equal(runReminders(r1, c, clock.t, () => assert.fail('sent twice')).reminders.length, 0);
      r1.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops the calls once an outcome is recorded, skips stages missed before import, and lists what is due this week', () => {
    policy(reg, { n: 'O1', start: '2024-05-01', end: '2025-05-01' });
    policy(reg, { n: 'O2', start: '2024-04-20', end: '2025-04-20' }); // imported late: 25 days out on 26 March
    const c = cfg();
    assert.deepEqual(dueWithin(reg, c, '2025-03-26', 7), [
      { date: '2025-03-26', policyNumber: 'O1', stage: 60, daysToExpiry: 36 }, // 60-day stage not reached before import: still within its window
      { date: '2025-03-26', policyNumber: 'O2', stage: 30, daysToExpiry: 25 }, // past the 60-day window: straight to 30
      { date: '2025-04-01', policyNumber: 'O1', stage: 30, daysToExpiry: 30 },
    ]);
    assert.deepEqual(daily(reg, c, '2025-03-26', '2025-04-16'), [
      '2025-03-26 30/1 O2 d=25',
      '2025-03-26 60/1 O1 d=36',
      '2025-04-01 30/1 O1 d=30',
      '2025-04-05 15/1 O2 d=15',
      '2025-04-08 15/2 O2 d=12',
      '2025-04-11 15/3 O2 d=9',
      '2025-04-16 15/1 O1 d=15',
    ]);
    reg.put('outcomes', { policy_number: 'O1', outcome: 'lapsed', reason: 'price', date: '2025-04-17' });
    assert.deepEqual(daily(reg, c, '2025-04-17', '2025-05-01'), []);
    // a successor policy for the same vehicle also ends the reminders
    policy(reg, { n: 'S1', vin: 'SUCCESSVEH0000001', start: '2024-07-01', end: '2025-07-01' });
    policy(reg, { n: 'S2', vin: 'SUCCESSVEH0000001', start: '2025-07-01', end: '2026-07-01' });
    assert.deepEqual(daily(reg, c, '2025-05-01', '2025-06-30').filter((x) => x.includes('S1')), []);
  });
});
