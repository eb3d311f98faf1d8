// Lets ubi-decode's SignalBatches reach our own read-only consumers without Node-RED's deep copy.
//
// Node-RED deep-copies a message for every delivery but the first of a node.send (RED.util.
// cloneMessage, lodash cloneDeep), so each recipient may change its copy without the others seeing
// it. For a SignalBatch that copy is costly out of all proportion: cloneDeep copies every typed-array
// column together with its whole ArrayBuffer (a batch is a view into its builder's chunk of up to
// 2048 samples per column, so each copy drags up to 36 KB along)
// and then re-assigns the copy element by element through a list of index keys. In the default flow
// ubi-decode's first output goes to ubi-score and ubi-incident (one copy per batch) and its second
// output is sent in the same send (a second copy): measured with bench/memory at 36,000 frames/s,
// these copies were 86 of the 145 MB/s the whole process allocated on the JS heap, plus their
// ArrayBuffers, and so most of what sized V8's heap.
//
// The copy is skipped only when nobody could observe the sharing: the message comes from ubi-decode
// (which builds a fresh message and batch for every send and never touches them again) and *every*
// recipient of that message object is one of our nodes that only reads its input message and payload
// (listed below; none keeps the message or writes into the batch's columns). Any other recipient on
// the same output (a function, debug, link or change node, a subflow) gets Node-RED's usual copies.
//
// Uses Node-RED's documented messaging hook onSend (Node-RED >= 2), whose SendEvents carry the
// `cloneMessage` flag; without RED.hooks (an embedding that does not hand it to nodes) nothing
// changes and Node-RED copies as before.
import type { NodeAPI, NodeMessage } from './red.js';

/** nodes whose sent messages and payloads are fresh per send and never touched after it */
const SOURCES: ReadonlySet<string> = new Set(['ubi-decode']);
/** nodes that never change their input message or its payload, nor keep it past their handler */
const READ_ONLY: ReadonlySet<string> = new Set(['ubi-score', 'ubi-incident', 'ubi-influx-out']);

export const SHARE_HOOK = 'onSend.ubiEdgeSharedBatches';

interface SendEvent {
  msg: NodeMessage;
  source: { id: string; node?: { type?: string } };
  destination: { id: string };
  cloneMessage: boolean;
}

export interface Hooks {
  has(id: string): boolean;
  add(id: string, fn: (events: SendEvent[]) => void): void;
}

/** Registers the hook once per runtime (the hooks are process-wide); a no-op without RED.hooks. */
export function shareReadOnlyBatches(RED: NodeAPI): void {
  const hooks = (RED as NodeAPI & { hooks?: Hooks }).hooks;
  if (!hooks || typeof hooks.has !== 'function' || hooks.has(SHARE_HOOK)) return;
  hooks.add(SHARE_HOOK, (events) => unclone(events, (id) => RED.nodes.getNode(id) as { type?: string } | null));
}

/** Clears cloneMessage on the events whose message goes only to read-only nodes of ours. Exported for tests. */
export function unclone(events: SendEvent[], getNode: (id: string) => { type?: string } | null): void {
  const n = events.length;
  if (n === 0) return;
  const type = events[0]!.source.node?.type;
  if (type === undefined || !SOURCES.has(type)) return;
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    if (!e.cloneMessage) continue;
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      const f = events[j]!;
      if (f.msg !== e.msg) continue;
      const d = getNode(f.destination.id);
      ok = d !== null && d !== undefined && d.type !== undefined && READ_ONLY.has(d.type);
    }
    if (ok) e.cloneMessage = false;
  }
}
