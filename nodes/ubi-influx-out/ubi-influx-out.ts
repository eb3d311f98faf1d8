// ubi-influx-out: hands any message kind to the Store of its InfluxDB config node: points (a
// StorePoint or an array, e.g. ubi-can-in's gateway output), SignalBatch (aggregated per window),
// FrameBatch (to the raw CAN archive when one is configured) and registered kinds. done() is called
// once the data is in the durable outbox. Status: points/s written, outbox depth and state.
import type { Node, NodeAPI, NodeDef } from '../lib/red.js';
import { Status, type StatusKind } from '../lib/status.js';
import type { InfluxConfigNode } from '../ubi-influx-config/ubi-influx-config.js';
import { statusLine } from '../../edge/store/status-text.js';

interface InfluxOutDef extends NodeDef {
  influx: string;
}

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType('ubi-influx-out', function (this: Node, def: InfluxOutDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new Status(node);
    const cfg = RED.nodes.getNode(def.influx) as InfluxConfigNode | null;
    let timer: NodeJS.Timeout | undefined;
    if (!cfg) {
      status.set('error', 'no InfluxDB configured');
      node.error('influx: choose or create an InfluxDB configuration');
    } else if (!cfg.store) {
      status.set('error', cfg.problem ?? 'InfluxDB configuration failed');
    } else {
      const show = () => {
        const s = cfg.store;
        if (!s) return;
        const line = statusLine(s.stats());
        status.set(line.kind as StatusKind, line.text);
      };
      show();
      timer = setInterval(show, 1000);
    }

    node.on('input', (msg, _send, done) => {
      const s = cfg?.store;
      if (!s) return done(new Error(cfg?.problem ?? 'no InfluxDB configured'));
      if (msg.flush === true) {
        // end of a log: write the 1 s signal windows still open instead of waiting for more data
        s.flushSignals().then(
          () => done(),
          (e: unknown) => done(e as Error),
        );
        return;
      }
      s.accept(msg.payload).then(
        (r) => {
          if (r.quarantined > 0) node.warn(`${r.quarantined} item(s) quarantined: ${s.quarantine.read().at(-1)?.reason ?? ''} (see ${s.quarantine.file})`);
          done();
        },
        (e: unknown) => done(e as Error),
      );
    });

    node.on('close', (_removed, done) => {
      if (timer) clearInterval(timer);
      done();
    });
  });
};
