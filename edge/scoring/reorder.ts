// Per-vehicle time merge. SignalBatches of one vehicle arrive per CAN interface (one decoder output
// per FrameBatch), so consecutive batches overlap in time: can0's 50 ms, then can1's 50 ms. The
// detectors need one time-ordered stream sorted by (time, texts first, signal name rank, source name,
// arrival).
//
// Each source (batch.source: the interface; '' when a batch names none) keeps its own run of held
// samples. A source's samples come in time order, so a run is appended to, not inserted into (a
// sample that steps back within its source is inserted by binary search). Release is by watermark:
// a sample is safe once every source still sending has passed its time (a source that has not sent
// for `horizonS` no longer holds the others back), and at the latest `horizonS` after the newest
// time seen. The sources are not known in advance, so for the first `horizonS` of data only the
// horizon releases (every source sending from the start has shown up by then); a source that starts
// later may find part of its first batch late. Released ranges are merged across runs and handed to
// the consumer in place (no copy): with sources that keep sending, a sample waits about one batch,
// not `horizonS`.
// A sample older than what was already released is passed on at once (counted in `late`); each
// detector ignores what steps back on its own stream.
//
// Columnar: held samples live in typed arrays (time, value, kind, key, ref), so the merge allocates
// nothing per sample and nothing on the heap when a run resizes. A sample's key is 2 * (id of its
// name) + (1 if its SignalInfo is derived): consumers can index per-signal tables by it instead of
// looking the SignalInfo up. ref is the number of its SignalInfo in a table of the objects seen
// (the very object the batch named: the incident recordings carry it), or for a text the number of
// its TextSample in its run's list.

import type { SignalBatch, SignalInfo, TextSample } from '../signals/signal-batch.js';

/** Receives released samples as columns and the range [from, to) to read. */
export type ReleasedVisitor = (
  ts: Float64Array,
  vs: Float64Array,
  ks: Uint8Array,
  keys: Int32Array,
  refs: ReleasedRefs,
  from: number,
  to: number,
) => void;

/** What a released sample refers to, by its position in the columns handed out with it. */
export interface ReleasedRefs {
  /** the TextSample of text sample i (ks[i] === 0) */
  text(i: number): TextSample;
  /** the SignalInfo of numeric sample i (ks[i] === 1) */
  info(i: number): SignalInfo;
}

/** SignalInfo objects by number: a decoder hands out the same few objects batch after batch. */
class InfoTable {
  list: SignalInfo[] = [];
  ids = new Map<SignalInfo, number>();
  /** renumber (drop the objects no held sample uses) when the list reaches this */
  limit = 1024;

  id(info: SignalInfo): number {
    let id = this.ids.get(info);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(info);
      this.ids.set(info, id);
    }
    return id;
  }
}

/** Columns start (and shrink back to) this many samples: a run refills its free space between compactions. */
const MIN_CAPACITY = 1024;
/** a run's columns shrink when more than this many times what it needs ... */
const SHRINK_AT = 16;
/** ... to this many times (rounded up to a power of two) */
const GROW_TO = 4;

/** Samples in columns: a source's held samples (sorted; [head, n) held, [head, cut) released by the
 * last push and not yet visited), or the late samples of the last push ([0, n)). */
class Run implements ReleasedRefs {
  t = new Float64Array(MIN_CAPACITY);
  v = new Float64Array(MIN_CAPACITY);
  /** key (see above) */
  key = new Int32Array(MIN_CAPACITY);
  /** 0: text, 1: numeric */
  k = new Uint8Array(MIN_CAPACITY);
  /** numeric: number of its SignalInfo in infos; text: textBase + position in texts */
  ref = new Int32Array(MIN_CAPACITY);
  /** the TextSamples of this run's texts, in arrival order; the first is number textBase */
  texts: TextSample[] = [];
  textBase = 0;
  head = 0;
  n = 0;
  /** newest time this source sent */
  lastT = -Infinity;
  /** end of what the current release takes from this run */
  cut = 0;
  /** position in name order (ties between sources) */
  order = 0;
  /**
   * The dictionary of this source's previous batch and its keys: a decoder hands out the same
   * SignalInfo objects batch after batch, mostly at the same positions, so a key is a pointer
   * comparison instead of a name lookup.
   */
  readonly dict: Array<SignalInfo | undefined> = [];
  /** by dictionary position: key (-1: not wanted), and rank of its name as of rankEpoch */
  dictKey = new Int32Array(64);
  dictRank = new Int32Array(64);
  /** by dictionary position: number of the SignalInfo in infos */
  dictInfo = new Int32Array(64);
  rankEpoch = -1;

  constructor(
    readonly name: string,
    private readonly infos: InfoTable,
  ) {}

  text(i: number): TextSample {
    return this.texts[this.ref[i]! - this.textBase]!;
  }

  info(i: number): SignalInfo {
    return this.infos.list[this.ref[i]!]!;
  }

  /** Empties the run (the late samples of a push). */
  clear(): void {
    this.head = this.n = 0;
    // setting an array's length is a runtime call, and most pushes bring no late text
    if (this.texts.length > 0) this.texts.length = 0;
    this.textBase = 0;
  }

  /** Forgets the texts no held sample refers to (those before the oldest one still held). */
  private dropTexts(): void {
    let min = this.textBase + this.texts.length;
    const k = this.k;
    const ref = this.ref;
    for (let j = this.head; j < this.n; j++) if (k[j] === 0 && ref[j]! < min) min = ref[j]!;
    const d = min - this.textBase;
    if (d === 0) return;
    const texts = this.texts;
    texts.copyWithin(0, d);
    texts.length -= d;
    this.textBase = min;
  }

  /** true when the columns are more than SHRINK_AT times what `more` samples after the held ones need */
  oversized(more: number): boolean {
    return (this.n - this.head + more) * SHRINK_AT < this.t.length && this.t.length > MIN_CAPACITY;
  }

  /**
   * Makes room for `more` samples after the held ones: compacts them to the start, or resizes the
   * columns: to twice what is needed when more than half would be taken, to the power of two at
   * least GROW_TO times what is needed when oversized() (a burst, e.g. the first merge window, does
   * not keep its memory, nor a working set that no longer fits the caches, for the life of the
   * process).
   */
  makeRoom(more = 1): void {
    // texts are few: a scan of the held kinds now and then keeps their list short
    if (this.texts.length > 0) this.dropTexts();
    const h = this.head;
    const live = this.n - h;
    const need = live + more;
    const cap = this.t.length;
    const grow = need * 2 > cap;
    if (grow || this.oversized(more)) {
      let c = MIN_CAPACITY;
      while (need * (grow ? 2 : GROW_TO) > c) c *= 2;
      const t = new Float64Array(c);
      t.set(this.t.subarray(h, this.n));
      const v = new Float64Array(c);
      v.set(this.v.subarray(h, this.n));
      const key = new Int32Array(c);
      key.set(this.key.subarray(h, this.n));
      const k = new Uint8Array(c);
      k.set(this.k.subarray(h, this.n));
      const r = new Int32Array(c);
      r.set(this.ref.subarray(h, this.n));
      this.t = t;
      this.v = v;
      this.key = key;
      this.k = k;
      this.ref = r;
    } else if (h > 0) {
      this.t.copyWithin(0, h, this.n);
      this.v.copyWithin(0, h, this.n);
      this.key.copyWithin(0, h, this.n);
      this.k.copyWithin(0, h, this.n);
      this.ref.copyWithin(0, h, this.n);
    }
    this.head = 0;
    this.n = live;
  }
}

export class Reorderer {
  private readonly runs: Run[] = [];
  private maxT = -Infinity;
  /** time of the first sample: until horizonS of data has come, only the horizon releases (sources still appear) */
  private firstT = Infinity;
  private warm = false;
  private released = -Infinity;
  late = 0;

  /** name -> name id; rank[name id] orders names as strings compare (equal names share an id) */
  private readonly nameIds = new Map<string, number>();
  private names: string[] = [];
  private rank = new Int32Array(16);
  /** counts re-rankings (a new name), so cached ranks know when they are stale */
  private rankEpoch = 0;
  /** by key: 1 kept, 0 not wanted, -1 not asked yet */
  private keepByKey = new Int8Array(64).fill(-1);

  private readonly infos = new InfoTable();
  /** late samples of the last push / flush, handed out before the released ranges */
  private readonly lateRun = new Run('', this.infos);
  /** what the last push / flush released: false until visitReleased() has merged it */
  private pending = false;

  /**
   * keep: which numeric signals the consumer wants (asked once per name and derived flag); the others
   * are dropped on arrival, before they cost a copy and a merge. Texts are always kept.
   */
  constructor(
    private readonly horizonS: number,
    private readonly keep?: (info: SignalInfo) => boolean,
  ) {}

  /** key of a numeric signal, or -1 when the consumer does not want it */
  private keyOf(info: SignalInfo): number {
    const key = 2 * this.nameId(info.name) + (info.derived ? 1 : 0);
    if (!this.keep) return key;
    if (key >= this.keepByKey.length) {
      const k = new Int8Array(Math.max(key + 1, this.keepByKey.length * 2)).fill(-1);
      k.set(this.keepByKey);
      this.keepByKey = k;
    }
    let w = this.keepByKey[key]!;
    if (w < 0) this.keepByKey[key] = w = this.keep(info) ? 1 : 0;
    return w === 1 ? key : -1;
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id !== undefined) return id;
    id = this.names.length;
    this.names.push(name);
    this.nameIds.set(name, id);
    if (this.rank.length < this.names.length) this.rank = new Int32Array(this.rank.length * 2);
    const order = this.names.map((_, i) => i).sort((a, b) => (this.names[a]! < this.names[b]! ? -1 : this.names[a]! > this.names[b]! ? 1 : 0));
    for (let k = 0; k < order.length; k++) this.rank[order[k]!] = k;
    this.rankEpoch++;
    return id;
  }

  private run(name: string): Run {
    // a handful of sources: a scan beats a Map (batches of one vehicle alternate between them)
    const runs = this.runs;
    for (let i = 0; i < runs.length; i++) if (runs[i]!.name === name) return runs[i]!;
    const r = new Run(name, this.infos);
    runs.push(r);
    runs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (let i = 0; i < runs.length; i++) runs[i]!.order = i;
    return r;
  }

  /** Brings the run's dictionary cache (keys and ranks by position) up to this batch's dictionary. */
  private dictKeys(run: Run, sigs: readonly SignalInfo[]): void {
    if (this.infos.list.length >= this.infos.limit) this.renumberInfos();
    if (run.dictKey.length < sigs.length) {
      const c = sigs.length * 2;
      const d = new Int32Array(c);
      d.set(run.dictKey);
      run.dictKey = d;
      const di = new Int32Array(c);
      di.set(run.dictInfo);
      run.dictInfo = di;
      run.dictRank = new Int32Array(c);
      run.rankEpoch = -1;
    }
    const dict = run.dict;
    const dictKey = run.dictKey;
    for (let k = 0; k < sigs.length; k++) {
      const info = sigs[k]!;
      if (dict[k] === info) continue;
      dictKey[k] = this.keyOf(info);
      run.dictInfo[k] = this.infos.id(info);
      if (k < dict.length) dict[k] = info;
      else dict.push(info);
      run.rankEpoch = -1;
    }
    // a new key, or a new name anywhere (it re-ranks the others): ranks afresh
    if (run.rankEpoch === this.rankEpoch) return;
    const dictRank = run.dictRank;
    const rank = this.rank;
    for (let k = 0; k < dict.length; k++) dictRank[k] = dictKey[k]! < 0 ? 0 : rank[dictKey[k]! >> 1]!;
    run.rankEpoch = this.rankEpoch;
  }

  /**
   * The table of SignalInfos only grows while batches bring new objects (a decoder that makes its
   * dictionary anew per batch, a copied message): now and then it keeps only those held samples use.
   * Called before a push adds samples: nothing released is left unvisited, the late run is empty.
   */
  private renumberInfos(): void {
    const tab = this.infos;
    const old = tab.list;
    const to = new Int32Array(old.length).fill(-1);
    tab.list = [];
    tab.ids = new Map();
    for (const x of this.runs) {
      const k = x.k;
      const ref = x.ref;
      for (let j = x.head; j < x.n; j++) {
        if (k[j] === 0) continue;
        let id = to[ref[j]!]!;
        if (id < 0) to[ref[j]!] = id = tab.id(old[ref[j]!]!);
        ref[j] = id;
      }
      // the cached numbers by dictionary position are stale: the next batch looks them up again
      x.dict.length = 0;
    }
    tab.limit = Math.max(1024, 2 * tab.list.length);
  }

  /** Adds a batch; what is now safe to process is handed out by the next visitReleased(). */
  push(b: SignalBatch): void {
    this.settle();
    this.lateRun.clear();
    const run = this.run(b.source ?? '');
    const texts = b.texts;
    for (let i = 0; i < texts.length; i++) {
      const x = texts[i]!;
      this.add(run, x.t, 0, 2 * this.nameId(x.name), NaN, -1, x);
    }
    this.dictKeys(run, b.signals);
    const c = b.count;
    // room for the whole batch: the append loop need not look. Oversized columns shrink now: after a
    // burst (the first horizonS of data) the run would walk them, cold in the caches, until full
    if (run.t.length - run.n < c || (run.head > 0 && run.oversized(c))) run.makeRoom(c);
    const local = run.dictKey;
    let i = 0;
    while (i < c) {
      i = appendInOrder(run, b, i, local, run.dictRank, this.rank, this.released);
      if (i < c) {
        // local[s] >= 0 here: unwanted samples never stop the append
        const s = b.signal[i]!;
        this.add(run, b.t[i]!, 1, local[s]!, b.value[i]!, run.dictInfo[s]!, null);
        i++;
      }
    }
    const bt = b.t;
    if (run.lastT > this.maxT) this.maxT = run.lastT;
    if (c > 0 && bt[0]! < this.firstT) this.firstT = bt[0]!;
    if (texts.length > 0 && texts[0]!.t < this.firstT) this.firstT = texts[0]!.t;
    this.mark(false);
  }

  /** Everything still held (end of data) is handed out by the next visitReleased(). */
  flush(): void {
    this.settle();
    this.lateRun.clear();
    this.mark(true);
  }

  /** Hands what the last push / flush released to visit, in order: the late samples, then the merged held samples. */
  visitReleased(visit: ReleasedVisitor): void {
    const late = this.lateRun;
    if (late.n > 0) visit(late.t, late.v, late.k, late.key, late, 0, late.n);
    if (!this.pending) return;
    this.pending = false;
    const runs = this.runs;
    // k-way merge: hand out the longest stretch of the smallest run that sorts before every other run's head
    const rank = this.rank;
    for (;;) {
      let best: Run | null = null;
      let second: Run | null = null;
      for (let r = 0; r < runs.length; r++) {
        const x = runs[r]!;
        if (x.head >= x.cut) continue;
        if (best === null || before(rank, x, x.head, best, best.head)) {
          second = best;
          best = x;
        } else if (second === null || before(rank, x, x.head, second, second.head)) second = x;
      }
      if (best === null) return;
      let j = best.cut;
      if (second !== null) {
        // the run is sorted: the stretch that sorts before the other run's head ends where a binary search says
        let lo = best.head + 1;
        let hi = best.cut;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (before(rank, best, mid, second, second.head)) lo = mid + 1;
          else hi = mid;
        }
        j = lo;
      }
      visit(best.t, best.v, best.k, best.key, best, best.head, j);
      best.head = j;
    }
  }

  /** A release not visited is dropped from the runs now (the consumer chose not to read it). */
  private settle(): void {
    if (!this.pending) return;
    this.pending = false;
    for (const x of this.runs) if (x.cut > x.head) x.head = x.cut;
  }

  /** ref: the number of a numeric sample's SignalInfo; text: its TextSample (null for a numeric one) */
  private add(run: Run, t: number, k: number, key: number, v: number, ref: number, text: TextSample | null): void {
    if (t > run.lastT) run.lastT = t;
    if (t < this.released) {
      // passed on at once, in arrival order
      this.late++;
      run = this.lateRun;
    }
    if (run.n === run.t.length) run.makeRoom();
    let at = run.n;
    if (run !== this.lateRun && run.n !== run.head && beforeHeld(this.rank, t, k, key, run, run.n - 1)) {
      // upper bound: after every held item that does not sort after it
      let lo = run.head;
      let hi = run.n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (beforeHeld(this.rank, t, k, key, run, mid)) hi = mid;
        else lo = mid + 1;
      }
      at = lo;
      const n = run.n;
      run.t.copyWithin(at + 1, at, n);
      run.v.copyWithin(at + 1, at, n);
      run.key.copyWithin(at + 1, at, n);
      run.k.copyWithin(at + 1, at, n);
      run.ref.copyWithin(at + 1, at, n);
    }
    if (text !== null) {
      ref = run.textBase + run.texts.length;
      run.texts.push(text);
    }
    run.t[at] = t;
    run.v[at] = v;
    run.key[at] = key;
    run.k[at] = k;
    run.ref[at] = ref;
    run.n++;
  }

  /**
   * Marks what is safe in each run: everything (all), else what every source still sending has
   * passed (time < the oldest of their newest times) and what is horizonS behind the newest time.
   */
  private mark(all: boolean): void {
    const runs = this.runs;
    // safe: time <= h, or time < w (all: everything held)
    const h = this.maxT - this.horizonS;
    let w = -Infinity;
    if (!all && !this.warm && this.maxT - this.firstT >= this.horizonS) this.warm = true;
    if (!all && this.warm) {
      w = Infinity;
      for (let r = 0; r < runs.length; r++) if (runs[r]!.lastT >= h && runs[r]!.lastT < w) w = runs[r]!.lastT;
    }
    let any = false;
    let newest = this.released;
    for (let r = 0; r < runs.length; r++) {
      const x = runs[r]!;
      const t = x.t;
      // first held sample that is not safe (times ascend within a run)
      let lo = all ? x.n : x.head;
      let hi = x.n;
      // the usual cases without a search: all of the run is safe, or none of it
      if (lo < hi && (t[hi - 1]! < w || t[hi - 1]! <= h)) lo = hi;
      else if (lo < hi && !(t[lo]! < w || t[lo]! <= h)) hi = lo;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (t[mid]! < w || t[mid]! <= h) lo = mid + 1;
        else hi = mid;
      }
      x.cut = lo;
      if (lo > x.head) {
        any = true;
        if (t[lo - 1]! > newest) newest = t[lo - 1]!;
      }
    }
    this.pending = any;
    this.released = newest;
  }
}

/**
 * The fast path of push(), kept small so the compiler keeps its state in registers: appends the batch's
 * numeric samples from i on to the end of the run while they sort after its last held sample (and are
 * not late; push() made room for the whole batch), skips unwanted ones (their time still counts for the
 * source); returns where it stopped.
 */
function appendInOrder(run: Run, b: SignalBatch, i: number, local: Int32Array, localRank: Int32Array, rank: Int32Array, released: number): number {
  const bt = b.t;
  const bs = b.signal;
  const bv = b.value;
  const localInfo = run.dictInfo;
  const c = b.count;
  const rt = run.t;
  const rv = run.v;
  const rkey = run.key;
  const rk = run.k;
  const rr = run.ref;
  let n = run.n;
  let lastT = run.lastT;
  if (n === run.head) {
    // nothing held: the first wanted sample goes through add() (it may be late)
    for (; i < c && local[bs[i]!]! < 0; i++) if (bt[i]! > lastT) lastT = bt[i]!;
    run.lastT = lastT;
    return i;
  }
  // the last held sample: time and name rank (-1 for a text: a numeric sample at its time goes after it)
  let tl = rt[n - 1]!;
  let rl = rk[n - 1] === 1 ? rank[rkey[n - 1]! >> 1]! : -1;
  for (; i < c; i++) {
    const t = bt[i]!;
    if (t > lastT) lastT = t;
    const s = bs[i]!;
    const key = local[s]!;
    if (key < 0) continue;
    const r = localRank[s]!;
    if (t < tl || (t === tl && r < rl) || t < released) break;
    rt[n] = t;
    rv[n] = bv[i]!;
    rkey[n] = key;
    rk[n] = 1;
    rr[n] = localInfo[s]!;
    n++;
    tl = t;
    rl = r;
  }
  run.n = n;
  run.lastT = lastT;
  return i;
}

/** true when sample i of run a sorts before sample j of run b */
function before(rank: Int32Array, a: Run, i: number, b: Run, j: number): boolean {
  const ti = a.t[i]!;
  const tj = b.t[j]!;
  if (ti !== tj) return ti < tj;
  const ki = a.k[i]!;
  const kj = b.k[j]!;
  if (ki !== kj) return ki < kj;
  const ri = rank[a.key[i]! >> 1]!;
  const rj = rank[b.key[j]! >> 1]!;
  if (ri !== rj) return ri < rj;
  return a.order < b.order;
}

/** true when (t, k, key) sorts before held sample j of run */
function beforeHeld(rank: Int32Array, t: number, k: number, key: number, run: Run, j: number): boolean {
  const tj = run.t[j]!;
  if (t !== tj) return t < tj;
  const kj = run.k[j]!;
  if (k !== kj) return k < kj;
  return rank[key >> 1]! < rank[run.key[j]! >> 1]!;
}
