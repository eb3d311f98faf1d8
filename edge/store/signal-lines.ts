// Closed signal windows -> lines of line protocol without a point object per window: the store's
// busiest stream (one point per signal per second per vehicle). The tags part of a (vehicle, signal)
// pair is made once by pointToLine() itself, so it is validated and escaped by the same rules; a
// window whose figures pointToLine() would refuse (a sum that overflowed, a time outside 2000..2200,
// a long text) gets undefined here and takes the general path, which quarantines it with its reason.
// The result is pointToLine(windowPoint(c)) byte for byte (tested).
import { fieldText } from './line.js';
import { MAX_MS, MAX_STRING, MIN_MS, pointToLine } from './point.js';
import { windowPoint, type ClosedWindow } from './signal-aggregator.js';

// a probe point's fields and time, cut off its line to leave the measurement and tags
const PROBE_MS = 1e12;
const PROBE_TAIL = ' last=1,max=1,mean=1,min=1,n=1 ' + String(PROBE_MS * 1000);

export class SignalLines {
  // vehicle -> signal -> "signal,<tags>" (null: pointToLine refuses these tags)
  private readonly heads = new Map<string, Map<string, string | null>>();

  constructor(private readonly defaultTags: Record<string, string>) {}

  /** The window's line, or undefined when it must go through pointToLine() (to be refused there). */
  line(c: ClosedWindow): string | undefined {
    const head = this.head(c.vehicle, c.signal);
    if (head === null) return undefined;
    const a = c.acc;
    if (!(a.w >= MIN_MS && a.w <= MAX_MS)) return undefined;
    let fields = '';
    if (a.n > 0) {
      const mean = a.sum / a.n;
      // min, max and last are finite samples; the sum may not be
      if (!Number.isFinite(mean)) return undefined;
      // sorted by name, as the client writes fields
      fields = 'last=' + String(a.last) + ',max=' + String(a.max) + ',mean=' + String(mean) + ',min=' + String(a.min) + ',n=' + String(a.n);
    }
    if (a.text !== undefined) {
      if (a.text.length > MAX_STRING) return undefined;
      fields += (fields === '' ? 'text=' : ',text=') + fieldText(a.text);
    }
    if (fields === '') return undefined;
    return head + ' ' + fields + ' ' + String(Math.round(a.w * 1000));
  }

  private head(vehicle: string, signal: string): string | null {
    let m = this.heads.get(vehicle);
    if (!m) this.heads.set(vehicle, (m = new Map()));
    let h = m.get(signal);
    if (h === undefined) {
      const probe = pointToLine(windowPoint({ vehicle, signal, acc: { w: PROBE_MS, sum: 1, min: 1, max: 1, last: 1, lastT: 0, n: 1, text: undefined, textT: 0 } }), this.defaultTags);
      h = typeof probe === 'string' && probe.endsWith(PROBE_TAIL) ? probe.slice(0, -PROBE_TAIL.length) : null;
      m.set(signal, h);
    }
    return h;
  }
}
