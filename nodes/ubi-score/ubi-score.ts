// ubi-score: SignalBatches in; behaviour events, trip summaries, scores and IMU calibrations out
// (outputs 1-4). The work is edge/scoring's ScoringEngine; this node builds it from its fields,
// feeds it msg.payload and sends what it returns. Time is the samples' own time.
import type { Node, NodeAPI, NodeDef, NodeMessage } from '../lib/red.js';
import { Status } from '../lib/status.js';
import type { SignalBatch } from '../../edge/signals/signal-batch.js';
import type { ScoringOutput } from '../../edge/scoring/index.js';
import { buildScoringEngine, signalBatchProblem, type BuiltScoring, type ScoringSettings } from '../../edge/scoring/settings.js';

interface ScoreDef extends NodeDef {
  vehicleClass?: string;
  overrides?: string;
  timeZone?: string;
  roster?: string;
  mergeS?: string | number;
  statsInterval?: string | number;
}

const PORT: Record<ScoringOutput['kind'], number> = { event: 0, trip: 1, score: 2, calibration: 3 };

function topicOf(o: ScoringOutput): string {
  switch (o.kind) {
    case 'event':
      return `${o.vehicle}/event/${o.type}`;
    case 'trip':
      return `${o.vehicle}/trip`;
    case 'score':
      return `score/${o.scope}/${o.key}`;
    case 'calibration':
      return `${o.vehicle}/calibration`;
  }
}

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType('ubi-score', function (this: Node, def: ScoreDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new Status(node);
    const settings: ScoringSettings = {
      vehicleClass: def.vehicleClass ?? 'van',
      overrides: def.overrides ?? '',
      timeZone: def.timeZone ?? '',
      roster: def.roster ?? '',
      mergeS: def.mergeS ?? 1,
    };
    let built: BuiltScoring | undefined;
    let timer: NodeJS.Timeout | undefined;
    let badInput = 0;
    const n = { events: 0, trips: 0, scores: 0 };
    let lastScore = '';

    const showCounts = (): void => {
      if (!built) return;
      if (n.events + n.trips + n.scores === 0) return void status.set('idle', 'no events yet');
      status.set('ok', `${n.events} event${n.events === 1 ? '' : 's'}, ${n.trips} trip${n.trips === 1 ? '' : 's'}${lastScore ? `, last score ${lastScore}` : ''}`);
    };

    try {
      built = buildScoringEngine(settings);
      node.log(built.describe);
      status.set('idle', 'waiting for signals');
      const everyMs = Math.max(1, Number(def.statsInterval ?? 1) || 1) * 1000;
      timer = setInterval(showCounts, everyMs);
    } catch (e) {
      // bad thresholds JSON, roster line, time zone: red status naming the field, never a crash
      const msg = (e as Error).message;
      const problems = (e as { problems?: string[] }).problems;
      status.set('error', problems?.[0] ?? msg);
      node.error(msg);
    }

    const send = (outs: ScoringOutput[], fn: (m: (NodeMessage | NodeMessage[] | null)[]) => void): void => {
      if (outs.length === 0) return;
      const ports: NodeMessage[][] = [[], [], [], []];
      for (const o of outs) {
        ports[PORT[o.kind]]!.push({ topic: topicOf(o), payload: o });
        if (o.kind === 'event') n.events++;
        else if (o.kind === 'trip') n.trips++;
        else if (o.kind === 'score') {
          n.scores++;
          if (o.scope === 'trip' || lastScore === '') lastScore = o.score === null ? 'n/a (too short)' : String(Math.round(o.score));
        }
      }
      fn(ports.map((p) => (p.length === 0 ? null : p.length === 1 ? p[0]! : p)));
    };

    node.on('input', (msg, sendFn, done) => {
      if (!built) return done();
      try {
        if (msg.flush === true) {
          // end of a replayed log: close open episodes and trips, then start afresh
          const outs = built.engine.finish();
          built = buildScoringEngine(settings);
          send(outs, sendFn as (m: (NodeMessage | NodeMessage[] | null)[]) => void);
          showCounts();
          return done();
        }
        const problem = signalBatchProblem(msg.payload);
        if (problem) {
          if (++badInput <= 10) node.warn(problem);
          return done();
        }
        send(built.engine.push(msg.payload as SignalBatch), sendFn as (m: (NodeMessage | NodeMessage[] | null)[]) => void);
        done();
      } catch (e) {
        done(e as Error);
      }
    });

    node.on('close', (_removed, done) => {
      // Pending state (samples in the merge window, open episodes and trips, rolling windows) is
      // dropped, not flushed: a trip cut by a redeploy would be scored on half its data. Send
      // msg.flush first to close them (e.g. at the end of a replay).
      if (timer) clearInterval(timer);
      built = undefined;
      done();
    });
  });
};
