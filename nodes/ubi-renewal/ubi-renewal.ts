// ubi-renewal: the renewal flow of edge/insurance in a flow. A daily run (depot time zone) sends
// reminders (output 1), quotes (2) and underwriter referrals (3) for policies whose first reminder
// went out, and `renewal`/`kpi` points for ubi-influx-out (4). Input: Score records (kept for
// quotes), or a command by topic: run, import/<table>, outcome, kpi.
import type { Node, NodeAPI, NodeDef, NodeMessage } from '../lib/red.js';
import { Status } from '../lib/status.js';
import { isIsoDate, localDate, localIso, parseInstant } from '../../edge/insurance/dates.js';
import { computeKpis } from '../../edge/insurance/kpi.js';
import { kpiPoints, renewalPoint } from '../../edge/insurance/points.js';
import { DEFAULT_QUOTE_CONFIG, quoteConfigProblems, type QuoteConfig } from '../../edge/insurance/quote.js';
import { PolicyRegister } from '../../edge/insurance/register.js';
import { RenewalScheduler, dueWithin, scheduleProblems, type ScheduleConfig } from '../../edge/insurance/schedule.js';
import { RenewalService } from '../../edge/insurance/service.js';
import { TABLES, type TableName } from '../../edge/insurance/tables.js';
import { ValidationError } from '../../edge/insurance/types.js';
import type { Score } from '../../edge/scoring/types.js';
import type { StorePoint } from '../../edge/store/point.js';

interface RenewalDef extends NodeDef {
  db?: string;
  timeZone?: string;
  runAt?: string;
  stages?: string;
  followUpAttempts?: string | number;
  followUpEveryDays?: string | number;
  quoteConfig?: string;
  depot?: string;
}

function isScore(x: unknown): x is Score {
  const s = x as Partial<Score> | null;
  return typeof s === 'object' && s !== null && s.kind === 'score' && (s.scope === 'vehicle' || s.scope === 'driver' || s.scope === 'trip') && typeof s.key === 'string' && typeof s.to === 'number';
}

/** Builds the engine objects from the node's config; throws with every problem named. */
function buildRenewal(def: RenewalDef): { service: RenewalService; schedule: ScheduleConfig } {
  const schedule: ScheduleConfig = {
    timeZone: (def.timeZone ?? '').trim() || 'UTC',
    runAt: (def.runAt ?? '').trim() || '08:00',
    stages: String(def.stages ?? '60,30,15').split(',').map((s) => Number(s.trim())),
    followUpAttempts: Number(def.followUpAttempts ?? 3),
    followUpEveryDays: Number(def.followUpEveryDays ?? 3),
  };
  const problems = scheduleProblems(schedule);
  let quote: QuoteConfig = DEFAULT_QUOTE_CONFIG;
  if ((def.quoteConfig ?? '').trim() !== '') {
    try {
      quote = { ...DEFAULT_QUOTE_CONFIG, ...(JSON.parse(def.quoteConfig!) as Partial<QuoteConfig>) };
      problems.push(...quoteConfigProblems(quote).map((p) => `quote config: ${p}`));
    } catch (e) {
      problems.push(`quote config: not JSON (${(e as Error).message})`);
    }
  }
  const db = (def.db ?? '').trim();
  if (db === '') problems.push('register file: required (e.g. /var/lib/ubi-edge/register.db)');
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return { service: new RenewalService(new PolicyRegister(db), schedule, quote), schedule };
}

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType('ubi-renewal', function (this: Node, def: RenewalDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new Status(node);
    let service: RenewalService | undefined;
    let scheduler: RenewalScheduler | undefined;
    const depot = (def.depot ?? '').trim();

    const showDue = (now: number): void => {
      if (!service) return;
      const today = localDate(now, service.schedule.timeZone);
      const due = dueWithin(service.register, service.schedule, today, 7);
      const next = scheduler?.next ? localIso(scheduler.next, service.schedule.timeZone).slice(5, 16).replace('T', ' ') : '-';
      status.set(due.length > 0 ? 'ok' : 'idle', `${due.length} reminder${due.length === 1 ? '' : 's'} due this week · next run ${next}`);
    };

    const runAt = (now: number, base: NodeMessage = {}): void => {
      const svc = service!;
      const points: StorePoint[] = [];
      const today = localDate(now, svc.schedule.timeZone);
      const stageOf = new Map<string, number>();
      const res = svc.run(now, {
        reminder: (r) => {
          stageOf.set(r.policyNumber, r.stage);
          node.send([{ ...base, topic: `reminder/${r.channel}`, payload: r }, null, null, null]);
        },
        quote: (q) => node.send([null, { ...base, topic: `quote/${q.policyNumber}`, payload: q }, null, null]),
        referral: (r) => node.send([null, null, { ...base, topic: `referral/${r.policyNumber}`, payload: r }, null]),
      });
      const decided = new Map([...res.quotes, ...res.referrals].map((d) => [d.policyNumber, d]));
      for (const r of res.reminders) {
        const p = svc.register.getPolicy(r.policyNumber)!;
        points.push(renewalPoint({ policyNumber: p.policyNumber, endDate: p.endDate, depot: p.depot || depot }, today, now, r.stage, decided.get(p.policyNumber) ?? null));
      }
      if (points.length > 0) node.send([null, null, null, { ...base, topic: 'renewal', payload: points }]);
      if (res.uncertain.length > 0) node.warn(`${res.uncertain.length} reminder(s) claimed by an interrupted run were not confirmed sent (not resent): ${res.uncertain.map((u) => `${u.policyNumber} ${u.stage}/${u.attempt}`).join(', ')}`);
      showDue(now);
    };

    try {
      const built = buildRenewal(def);
      service = built.service;
      scheduler = new RenewalScheduler(service.register, built.schedule, (now) => runAt(now));
      scheduler.start();
      showDue(Date.now());
    } catch (e) {
      status.set('error', (e as Error).message);
      node.error((e as Error).message);
    }

    node.on('input', (msg, _send, done) => {
      if (!service) return done();
      try {
        const topic = typeof msg.topic === 'string' ? msg.topic : '';
        // the instant to act at: msg.time (ISO with offset) for replays and tests, else the clock
        let now = Date.now();
        if (msg.time !== undefined) {
          const t = typeof msg.time === 'string' ? parseInstant(msg.time) : null;
          if (t === null) throw new Error('msg.time: an ISO date-time with an offset (2025-03-01T08:00:00+01:00)');
          now = t;
        }
        const base: NodeMessage = { ...msg };
        delete base._msgid;
        if (topic === 'run') runAt(now, base);
        else if (topic.startsWith('import/')) {
          const table = topic.slice(7);
          if (!Object.hasOwn(TABLES, table)) throw new Error(`msg.topic: import/<table> with table one of ${Object.keys(TABLES).join(', ')}`);
          if (typeof msg.payload !== 'string') throw new Error('msg.payload: the CSV text');
          const r = service.register.importCsv(table as TableName, msg.payload);
          if (r.errors.length > 0) node.warn(`import ${table}: ${r.imported} of ${r.rows} rows imported; ${r.errors.slice(0, 10).map((e) => `line ${e.line}${e.field ? ` ${e.field}` : ''}: ${e.reason}`).join('; ')}${r.errors.length > 10 ? ` ... and ${r.errors.length - 10} more` : ''}`);
          showDue(now);
        } else if (topic === 'outcome') {
          service.register.put('outcomes', (msg.payload ?? {}) as Record<string, unknown>);
          showDue(now);
        } else if (topic === 'kpi') {
          const p = (msg.payload ?? {}) as { from?: unknown; to?: unknown };
          const today = localDate(now, service.schedule.timeZone);
          const from = typeof p.from === 'string' && isIsoDate(p.from) ? p.from : `${today.slice(0, 4)}-01-01`;
          const to = typeof p.to === 'string' && isIsoDate(p.to) ? p.to : `${Number(today.slice(0, 4)) + 1}-01-01`;
          const report = computeKpis(service.register, { from, to, asOf: today, timeZone: service.schedule.timeZone });
          node.send([null, null, null, { ...base, topic: 'kpi', payload: kpiPoints(report, service.schedule.timeZone, depot || undefined), report }]);
        } else if (isScore(msg.payload) || (Array.isArray(msg.payload) && msg.payload.every(isScore))) {
          for (const s of Array.isArray(msg.payload) ? (msg.payload as Score[]) : [msg.payload as Score]) service.register.putScore(s);
        } else throw new Error('msg: a Score (payload.kind "score") or topic run | import/<table> | outcome | kpi');
        done();
      } catch (e) {
        done(e instanceof ValidationError ? new Error(`outcome: ${e.message}`) : (e as Error));
      }
    });

    node.on('close', (_removed, done) => {
      scheduler?.stop();
      service?.register.close();
      scheduler = undefined;
      service = undefined;
      done();
    });
  });
};
