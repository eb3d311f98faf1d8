// SignalBatch: decoded, normalised signals of one vehicle, between ubi-decode and the scoring,
// incident and store nodes. Columnar like FrameBatch: one sample is (t, signal, value).
//
// Signal names are COVESA VSS paths (Vehicle.Speed, Vehicle.Acceleration.Longitudinal ...) in the
// units listed by VSS (km/h, m/s^2, deg/s, degrees, rpm ...). Values that are text (VIN, driver
// card id, trouble codes) travel in `texts`, not as numbers.

export interface SignalInfo {
  /** VSS path, or `<Message>.<Signal>` for signals without a VSS mapping */
  name: string;
  unit: string;
  /** computed from other signals (e.g. acceleration from speed), not measured by the vehicle */
  derived: boolean;
  /** where it came from: DBC message/signal, J1939 PGN/SPN and source address, OBD PID */
  source?: string;
}

export interface TextSample {
  t: number;
  name: string;
  value: string;
}

export interface SignalBatch {
  vehicle: string;
  count: number;
  /** seconds since the epoch, the frames' own time; ascending within a batch */
  t: Float64Array;
  /** index into `signals` */
  signal: Uint16Array;
  value: Float64Array;
  /** dictionary of the signals this batch's samples refer to */
  signals: readonly SignalInfo[];
  texts: TextSample[];
  /**
   * Where the samples came from (ubi-decode: the CAN interface). Samples of one source are in time
   * order across batches; the scoring and incident engines merge sources by time.
   */
  source?: string;
}

export interface Sample {
  t: number;
  name: string;
  value: number;
}

// Pool the columns of small batches are carved from: one ArrayBuffer allocation per POOL_SIZE bytes
// instead of one per batch (most batches hold a few dozen samples). Small enough that a batch kept
// alive holds little. Node-RED's cloneMessage would copy the whole pool buffer once per column, which
// is why ubi-decode's batches reach our read-only nodes uncopied (nodes/lib/share.ts).
const POOL_SIZE = 16384;
let pool = new ArrayBuffer(POOL_SIZE);
let poolOffset = 0;

/** Builds SignalBatches without allocating per sample. */
export class SignalBatchBuilder {
  private t: Float64Array;
  private sig: Uint16Array;
  private val: Float64Array;
  private n = 0;
  private readonly index = new Map<string, number>();
  private dict: SignalInfo[] = [];
  private texts: TextSample[] = [];

  constructor(
    readonly vehicle: string,
    private capacity = 1024,
  ) {
    this.t = new Float64Array(capacity);
    this.sig = new Uint16Array(capacity);
    this.val = new Float64Array(capacity);
  }

  get count(): number {
    return this.n;
  }

  /** Index of a signal in this batch's dictionary (added on first use). */
  signalIndex(info: SignalInfo): number {
    let i = this.index.get(info.name);
    if (i === undefined) {
      if (this.dict.length >= 0xffff) throw new Error('more than 65535 distinct signals in one batch');
      i = this.dict.length;
      this.dict.push(info);
      this.index.set(info.name, i);
    }
    return i;
  }

  /**
   * Adds a signal to this batch's dictionary without looking its name up: for callers that keep
   * their own per-batch index and so know the name is not in the dictionary yet (the decode engine).
   * Do not mix with signalIndex() in one batch.
   */
  appendSignal(info: SignalInfo): number {
    const i = this.dict.length;
    if (i >= 0xffff) throw new Error('more than 65535 distinct signals in one batch');
    this.dict.push(info);
    return i;
  }

  push(t: number, signal: number, value: number): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    this.t[i] = t;
    this.sig[i] = signal;
    this.val[i] = value;
  }

  pushText(t: number, name: string, value: string): void {
    this.texts.push({ t, name, value });
  }

  take(): SignalBatch {
    const n = this.n;
    // the three columns (times, values, then signal ids: 8-byte aligned) side by side in one
    // ArrayBuffer, carved from a shared pool for small batches (as Node's Buffer pool does)
    const bytes = n * 18;
    let buf: ArrayBuffer;
    let off = 0;
    if (bytes > POOL_SIZE >>> 1) buf = new ArrayBuffer(bytes);
    else {
      if (poolOffset + bytes > POOL_SIZE) {
        pool = new ArrayBuffer(POOL_SIZE);
        poolOffset = 0;
      }
      buf = pool;
      off = poolOffset;
      poolOffset += (bytes + 7) & ~7;
    }
    const t = new Float64Array(buf, off, n);
    const value = new Float64Array(buf, off + n * 8, n);
    const signal = new Uint16Array(buf, off + n * 16, n);
    const st = this.t;
    const sv = this.val;
    const ss = this.sig;
    for (let i = 0; i < n; i++) {
      t[i] = st[i]!;
      value[i] = sv[i]!;
      signal[i] = ss[i]!;
    }
    const b: SignalBatch = {
      vehicle: this.vehicle,
      count: n,
      t,
      signal,
      value,
      signals: this.dict,
      texts: this.texts,
    };
    this.n = 0;
    this.dict = [];
    if (this.index.size > 0) this.index.clear();
    this.texts = [];
    return b;
  }

  private grow(): void {
    const c = this.capacity * 2;
    const t = new Float64Array(c);
    t.set(this.t);
    const s = new Uint16Array(c);
    s.set(this.sig);
    const v = new Float64Array(c);
    v.set(this.val);
    this.t = t;
    this.sig = s;
    this.val = v;
    this.capacity = c;
  }
}

/** Samples as plain objects (tests, function nodes). */
export function toSamples(b: SignalBatch): Sample[] {
  const out = new Array<Sample>(b.count);
  for (let i = 0; i < b.count; i++) out[i] = { t: b.t[i]!, name: b.signals[b.signal[i]!]!.name, value: b.value[i]! };
  return out;
}

/** Builds a batch from plain samples; units and flags from `infos` (by name), else unit '' and not derived. */
export function fromSamples(vehicle: string, samples: readonly Sample[], infos: readonly SignalInfo[] = []): SignalBatch {
  const byName = new Map(infos.map((i) => [i.name, i]));
  const b = new SignalBatchBuilder(vehicle, Math.max(1, samples.length));
  for (const s of samples) b.push(s.t, b.signalIndex(byName.get(s.name) ?? { name: s.name, unit: '', derived: false }), s.value);
  return b.take();
}
