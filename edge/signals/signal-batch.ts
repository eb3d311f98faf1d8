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

// The builder fills its columns in place and hands out views of what it filled (no copy): the next
// batch is written after them in the same arrays, so a batch handed out is never written again. When
// the arrays are full, the samples of the batch being built move to new ones ("chunks"), sized for a
// few batches so moving is rare (and capped: a batch kept alive keeps its chunk, and Node-RED's
// cloneMessage copies a column's whole chunk, e.g. for a debug node wired to ubi-decode; a chunk of
// 2048 samples is 36 KB over the three columns, about what the 16 KB pool of earlier builds cost per
// copy, and 8192 was not measurably faster). Each column has an ArrayBuffer of its own.
/** samples per chunk at most, unless one batch needs more */
const CHUNK_MAX = 2048;
/** batches a new chunk is sized for */
const CHUNK_BATCHES = 8;

/** Builds SignalBatches without allocating per sample. */
export class SignalBatchBuilder {
  private t: Float64Array<ArrayBuffer>;
  private sig: Uint16Array<ArrayBuffer>;
  private val: Float64Array<ArrayBuffer>;
  // the columns' buffers (reading .buffer of a typed array is a call into the runtime)
  private tBuf: ArrayBuffer;
  private sigBuf: ArrayBuffer;
  private valBuf: ArrayBuffer;
  /** where the batch being built starts in the columns */
  private start = 0;
  /** end of the batch being built (start + count) */
  private end = 0;
  /** largest batch handed out, to size the next chunk */
  private biggest = 0;
  private readonly index = new Map<string, number>();
  /** the batch's signals: the first nSignals (reused: take() hands out a copy of exactly those) */
  private dict: SignalInfo[] = [];
  private nSignals = 0;
  private texts: TextSample[] = [];

  constructor(
    readonly vehicle: string,
    capacity = 1024,
  ) {
    this.t = new Float64Array((this.tBuf = new ArrayBuffer(capacity * 8)));
    this.sig = new Uint16Array((this.sigBuf = new ArrayBuffer(capacity * 2)));
    this.val = new Float64Array((this.valBuf = new ArrayBuffer(capacity * 8)));
  }

  get count(): number {
    return this.end - this.start;
  }

  /** Index of a signal in this batch's dictionary (added on first use). */
  signalIndex(info: SignalInfo): number {
    let i = this.index.get(info.name);
    if (i === undefined) {
      i = this.appendSignal(info);
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
    const i = this.nSignals;
    if (i >= 0xffff) throw new Error('more than 65535 distinct signals in one batch');
    if (i < this.dict.length) this.dict[i] = info;
    else this.dict.push(info);
    this.nSignals = i + 1;
    return i;
  }

  push(t: number, signal: number, value: number): void {
    let i = this.end;
    if (i === this.t.length) i = this.newChunk(1);
    this.t[i] = t;
    this.sig[i] = signal;
    this.val[i] = value;
    this.end = i + 1;
  }

  // Bulk writing, for callers that append many samples in one loop (the decode engine): reserve(n),
  // write samples i, i+1 ... into the columns, then commit(end). Avoids a call per sample.

  /** Makes room for n more samples; returns the index of the next sample in the columns (which may
   * be new arrays: read them after this). */
  reserve(n: number): number {
    if (this.end + n > this.t.length) this.newChunk(n);
    return this.end;
  }

  /** The columns being written; valid until the next reserve() or push(). */
  get timeColumn(): Float64Array {
    return this.t;
  }

  get signalColumn(): Uint16Array {
    return this.sig;
  }

  get valueColumn(): Float64Array {
    return this.val;
  }

  /** Ends a bulk write: samples up to `end` (exclusive) in the columns are the batch's. */
  commit(end: number): void {
    this.end = end;
  }

  pushText(t: number, name: string, value: string): void {
    this.texts.push({ t, name, value });
  }

  /** Hands out the batch built so far and starts the next; `source` becomes the batch's source. */
  take(source?: string): SignalBatch {
    const s = this.start;
    const e = this.end;
    const n = e - s;
    if (n > this.biggest) this.biggest = n;
    const t = new Float64Array(this.tBuf, s * 8, n);
    const signal = new Uint16Array(this.sigBuf, s * 2, n);
    const value = new Float64Array(this.valBuf, s * 8, n);
    const signals = this.dict.slice(0, this.nSignals);
    // no source property at all when none is given
    const b: SignalBatch =
      source === undefined ? { vehicle: this.vehicle, count: n, t, signal, value, signals, texts: this.texts } : { vehicle: this.vehicle, count: n, t, signal, value, signals, texts: this.texts, source };
    this.start = e;
    this.nSignals = 0;
    if (this.index.size > 0) this.index.clear();
    this.texts = [];
    return b;
  }

  /** Moves the batch being built to new columns with room for `more` samples (and then some);
   * returns where the next sample goes. */
  private newChunk(more: number): number {
    const n = this.end - this.start;
    // not kept at the size of the last chunk: after one huge batch, chunks go back to the cap
    const c = Math.max(16, 2 * (n + more), Math.min(CHUNK_MAX, CHUNK_BATCHES * Math.max(this.biggest, n)));
    const t = new Float64Array((this.tBuf = new ArrayBuffer(c * 8)));
    t.set(this.t.subarray(this.start, this.end));
    const s = new Uint16Array((this.sigBuf = new ArrayBuffer(c * 2)));
    s.set(this.sig.subarray(this.start, this.end));
    const v = new Float64Array((this.valBuf = new ArrayBuffer(c * 8)));
    v.set(this.val.subarray(this.start, this.end));
    this.t = t;
    this.sig = s;
    this.val = v;
    this.start = 0;
    this.end = n;
    return n;
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
