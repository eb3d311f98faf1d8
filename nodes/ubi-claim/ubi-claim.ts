// ubi-claim: Incidents in (from ubi-incident's second output); claim status messages out, one per
// change (pending, sent, acknowledged, rejected, dead, closed), for every claim of its insurer config,
// including the insurer's later callbacks. Wire the output to ubi-influx-out for `claim` points.
// The work is edge/insurance/claims' ClaimsService, owned by the ubi-insurer config node.
import type { Store } from '../../edge/store/store.js';
import type { Node, NodeAPI, NodeDef, NodeMessage } from '../lib/red.js';
import { Status } from '../lib/status.js';
import type { InsurerConfigNode } from '../ubi-insurer/ubi-insurer.js';
import type { ClaimStatus } from '../../edge/insurance/claims/types.js';
import type { Incident } from '../../edge/incidents/types.js';

interface ClaimDef extends NodeDef {
  insurer?: string;
  /** optional ubi-influx-config whose raw CAN archive the evidence frames are cut from */
  store?: string;
}

type Extractor = { extract(fromUs: number, toUs: number): Promise<Buffer> };

function isIncident(x: unknown): x is Incident {
  const i = x as Incident;
  return typeof x === 'object' && x !== null && i.kind === 'incident' && typeof i.id === 'string' && typeof i.t === 'number' && typeof i.recording === 'object';
}

/** The raw archive of a ubi-influx-config's store, when it has one that can cut windows. */
function archiveOf(cfg: unknown): Extractor | undefined {
  const a: unknown = (cfg as { store?: Store } | null)?.store?.archive;
  return a && typeof (a as Extractor).extract === 'function' ? (a as Extractor) : undefined;
}

export = function register(RED: NodeAPI): void {
  RED.nodes.registerType('ubi-claim', function (this: Node, def: ClaimDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new Status(node);
    const cfg = def.insurer ? (RED.nodes.getNode(def.insurer) as InsurerConfigNode | null) : null;
    const svc = cfg?.claims;
    if (!svc) {
      const why = !cfg ? 'no insurer configured' : (cfg.problem ?? 'insurer not ready');
      status.set('error', why);
      node.error(why);
      node.on('input', (_m, _s, done) => done());
      return;
    }
    const archive = def.store ? archiveOf(RED.nodes.getNode(def.store)) : undefined;
    if (archive) svc.setArchive(archive);

    const show = (): void => {
      const c = svc.counts();
      const open = (c.pending ?? 0) + (c.sent ?? 0);
      const dead = c.dead ?? 0;
      const done = (c.acknowledged ?? 0) + (c.closed ?? 0);
      const text = `${done} acknowledged${open ? `, ${open} in delivery` : ''}${dead ? `, ${dead} dead` : ''}${c.rejected ? `, ${c.rejected} rejected` : ''}${svc.lastError && open ? ` (${svc.lastError.slice(0, 30)})` : ''}`;
      status.set(dead ? 'error' : open ? 'warn' : done ? 'ok' : 'idle', done + open + dead ? text : 'no claims');
    };
    const onStatus = (s: ClaimStatus): void => {
      node.send({ topic: `${s.vehicle}/claim/${s.state}`, payload: s });
      show();
    };
    svc.on('status', onStatus);
    show();
    let bad = 0;

    node.on('input', (msg: NodeMessage, _send, done) => {
      if (!isIncident(msg.payload)) {
        const kind = (msg.payload as { kind?: unknown } | null)?.kind;
        if (kind !== 'incident_alert' && ++bad <= 10) node.warn(`not an Incident (kind ${JSON.stringify(kind)}): wire ubi-incident's second output here`);
        return done();
      }
      svc.submitIncident(msg.payload).then(
        () => done(),
        (e: unknown) => done(e as Error),
      );
    });
    node.on('close', (_removed, done) => {
      svc.off('status', onStatus);
      done();
    });
  });
};
