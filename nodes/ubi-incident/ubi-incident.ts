// ubi-incident: SignalBatches in; preliminary crash alerts (output 1, at once), incidents with their
// recording (output 2, after the post-window) and sensor-disturbance notes (output 3). The work is
// edge/incidents' IncidentEngine; this node builds it, feeds it msg.payload, sends what it returns.
import type { Node, NodeAPI, NodeDef, NodeMessage } from '../lib/red.js';
import { Status } from '../lib/status.js';
import type { SignalBatch } from '../../edge/signals/signal-batch.js';
import type { IncidentOutput } from '../../edge/incidents/index.js';
import { buildIncidentEngine, type BuiltIncidents, type IncidentSettings } from '../../edge/incidents/settings.js';
import { signalBatchProblem } from '../../edge/scoring/settings.js';

interface IncidentDef extends NodeDef {
  accelThresholdG?: string | number;
  preS?: string | number;
  postS?: string | number;
  crashSignals?: string;
  overrides?: string;
  mergeS?: string | number;
}

type Send = (m: (NodeMessage | NodeMessage[] | null)[]) => void;
const PORT: Record<IncidentOutput['kind'], number> = { incident_alert: 0, incident: 1, sensor_disturbance: 2 };
const TOPIC: Record<IncidentOutput['kind'], string> = { incident_alert: 'incident/alert', incident: 'incident', sensor_disturbance: 'sensor_disturbance' };

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType('ubi-incident', function (this: Node, def: IncidentDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new Status(node);
    const settings: IncidentSettings = {
      accelThresholdG: def.accelThresholdG ?? '',
      preS: def.preS ?? '',
      postS: def.postS ?? '',
      crashSignals: def.crashSignals ?? '',
      overrides: def.overrides ?? '',
      mergeS: def.mergeS ?? 0.2,
    };
    let built: BuiltIncidents | undefined;
    let badInput = 0;
    const n = { alerts: 0, incidents: 0, disturbances: 0 };

    // counts change rarely (one per crash), so the status is set when they change: no timer needed
    const showCounts = (): void => {
      if (n.alerts + n.incidents + n.disturbances === 0) return void status.set('ok', 'watching, no incident');
      const open = n.alerts - n.incidents;
      status.set(
        n.incidents + open > 0 ? 'warn' : 'ok',
        `${n.incidents} incident${n.incidents === 1 ? '' : 's'}${open > 0 ? `, ${open} recording` : ''}${n.disturbances ? `, ${n.disturbances} sensor disturbance${n.disturbances === 1 ? '' : 's'}` : ''}`,
      );
    };

    try {
      built = buildIncidentEngine(settings);
      node.log(built.describe);
      status.set('idle', 'waiting for signals');
    } catch (e) {
      const problems = (e as { problems?: string[] }).problems;
      status.set('error', problems?.[0] ?? (e as Error).message);
      node.error((e as Error).message);
    }

    const send = (outs: IncidentOutput[], fn: Send): void => {
      if (outs.length === 0) return;
      const ports: NodeMessage[][] = [[], [], []];
      for (const o of outs) {
        ports[PORT[o.kind]]!.push({ topic: `${o.vehicle}/${TOPIC[o.kind]}`, payload: o });
        if (o.kind === 'incident_alert') n.alerts++;
        else if (o.kind === 'incident') n.incidents++;
        else n.disturbances++;
      }
      fn(ports.map((p) => (p.length === 0 ? null : p.length === 1 ? p[0]! : p)));
      showCounts();
    };

    node.on('input', (msg, sendFn, done) => {
      if (!built) return done();
      try {
        if (msg.flush === true) {
          // end of a replayed log: incidents whose post-window the data did not reach go out now
          const outs = built.engine.finish();
          built = buildIncidentEngine(settings);
          send(outs, sendFn as Send);
          return done();
        }
        const problem = signalBatchProblem(msg.payload);
        if (problem) {
          if (++badInput <= 10) node.warn(problem);
          return done();
        }
        if (n.alerts + n.incidents + n.disturbances === 0) status.set('ok', 'watching, no incident');
        send(built.engine.push(msg.payload as SignalBatch), sendFn as Send);
        done();
      } catch (e) {
        done(e as Error);
      }
    });

    node.on('close', (_removed, done) => {
      // An incident whose alert went out must not vanish with a redeploy: flush it (recording cut
      // at the last sample) and send it. Downstream nodes may already be stopping, so each one is
      // also written to the log with its id. Samples still in the merge window are dropped.
      const engine = built?.engine;
      built = undefined;
      if (engine) {
        try {
          const outs = engine.finish().filter((o) => o.kind === 'incident');
          for (const o of outs) node.warn(`closing: sending incident ${o.kind === 'incident' ? o.id : ''} with its recording cut at the last sample`);
          if (outs.length) node.send([null, outs.map((o) => ({ topic: `${o.vehicle}/incident`, payload: o })) as unknown as NodeMessage, null]);
        } catch (e) {
          node.error(`close: ${(e as Error).message}`);
        }
      }
      done();
    });
  });
};
