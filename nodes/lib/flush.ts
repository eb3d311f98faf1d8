// End of a replayed log travels down the flow as a message with `flush: true` and no data, so every
// node can close what it holds open (down-sampling windows, trips, incidents waiting for their
// post-window, the store's 1 s signal windows) instead of waiting for data that will never come.
//
// ubi-can-in sends it when a replay ends; ubi-decode closes its windows, sends what they held, and
// passes the flush on both outputs; ubi-score, ubi-incident and ubi-influx-out close what they hold.
import type { NodeMessage } from './red.js';

export function flushMessage(topic: string): NodeMessage {
  return { topic, flush: true, payload: null };
}

/** A copy of msg without flush and _msgid, to carry other properties onto data messages. */
export function withoutFlush(msg: NodeMessage): NodeMessage {
  const base = { ...msg };
  delete base._msgid;
  delete base.flush;
  return base;
}
