// ubi-can-in: reads a vehicle's CAN bus (SocketCAN or a replayed log) and emits FrameBatches.
// Output 1: { topic: "<vehicle>/<iface>", payload: FrameBatch }. Output 2: `gateway` points.
import type { Node, NodeAPI, NodeDef } from '../lib/red.js';
import { Status } from '../lib/status.js';
import { flushMessage } from '../lib/flush.js';
import type { CanBusNode } from '../ubi-can-bus/ubi-can-bus.js';
import { busConfigFrom, batchOptionsFrom } from '../../edge/can/bus-config.js';
import { planSource, openSource } from '../../edge/can/open-source.js';
import { IngestMonitor } from '../../edge/can/ingest-monitor.js';
import type { FrameBatch } from '../../edge/can/frame.js';
import type { FrameSource, SourceStatus, SourceWarning } from '../../edge/can/source.js';

interface CanInDef extends NodeDef {
  bus: string;
  maxFrames?: string | number;
  maxAgeMs?: string | number;
  statsInterval?: string | number;
}

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType('ubi-can-in', function (this: Node, def: CanInDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new Status(node);
    let source: FrameSource | undefined;
    let statsTimer: NodeJS.Timeout | undefined;
    let warnings = 0;

    const busNode = RED.nodes.getNode(def.bus) as CanBusNode | null;
    if (!busNode) {
      status.set('error', 'no CAN bus configured');
      node.error('bus: choose or create a CAN bus configuration');
    } else {
      try {
        const cfg = busConfigFrom(busNode.raw);
        const batch = batchOptionsFrom(def);
        const statsMs = Math.max(1, Number(def.statsInterval ?? 10)) * 1000;
        const plan = planSource(cfg);
        node.log(`${cfg.vehicle}: ${plan.describe}`);
        const monitor = new IngestMonitor(cfg.vehicle, cfg.bitrate, Date.now());
        const src = openSource(cfg, plan, batch);
        source = src;
        let lastState: SourceStatus = { state: 'starting' };
        src.on('batch', (b: FrameBatch) => {
          monitor.observe(b);
          node.send([{ topic: `${b.vehicle}/${b.iface}`, payload: b }, null]);
        });
        src.on('status', (s: SourceStatus) => {
          lastState = s;
          if (s.state === 'down' || s.state === 'retrying') {
            // the source's reason already names the interface
            status.set('error', s.reason ?? `${s.iface ?? ''} ${s.state}`.trim());
            node.warn(s.reason ?? `${s.iface ?? ''} ${s.state}`.trim());
          } else if (s.state === 'ended') {
            status.set('off', `ended: ${s.reason ?? 'end of log'}`);
            // after the last batch (the source flushes its batches before it ends)
            node.send([flushMessage(`${cfg.vehicle}/end`), null]);
          }
        });
        src.on('warning', (w: SourceWarning) => {
          // Counted always; logged for the first few so a garbage log doesn't flood the editor.
          if (++warnings <= 20) node.warn(`${w.where}: ${w.message}`);
        });
        statsTimer = setInterval(() => {
          const now = Date.now();
          const rates = monitor.sample(now);
          if (lastState.state === 'running' || lastState.state === 'starting') {
            status.set(rates.some((r) => r.framesPerSecond > 0) ? 'ok' : 'idle', IngestMonitor.statusText(rates));
          }
          const points = monitor.points(rates, src.counters(), now);
          if (points.length > 0) node.send([null, { topic: 'gateway', payload: points }]);
        }, statsMs);
        status.set('idle', plan.kind === 'replay' ? 'replaying log' : `opening ${plan.interfaces.join(', ')}`);
        src.start();
      } catch (e) {
        status.set('error', (e as Error).message);
        node.error((e as Error).message);
      }
    }

    node.on('close', (_removed, done) => {
      if (statsTimer) clearInterval(statsTimer);
      const closing = source ? source.close() : Promise.resolve();
      closing.then(
        () => done(),
        (err: unknown) => {
          node.error(`close: ${(err as Error).message}`);
          done();
        },
      );
    });
  });
};
