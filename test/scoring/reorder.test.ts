// The per-vehicle time merge: order, release by watermark, horizon for silent sources, late samples.
import assert from 'node:assert/strict';
import { Reorderer } from '../../edge/scoring/reorder.js';
import { rng } from '../support/rng.js';
import { SignalBatchBuilder, type SignalBatch, type SignalInfo, type TextSample } from '../../edge/signals/signal-batch.js';

type Out = { t: number; name: string; v: number | string };

/** Everything a visit hands out, in order. */
function take(r: Reorderer): Out[] {
  const out: Out[] = [];
  r.visitReleased((ts, vs, ks, _keys, refs, from, to) => {
    for (let i = from; i < to; i++) {
      if (ks[i] === 0) {
        const x = refs.text(i);
        out.push({ t: ts[i]!, name: x.name, v: x.value });
      } else out.push({ t: ts[i]!, name: refs.info(i).name, v: vs[i]! });
    }
  });
  return out;
}

function batch(source: string | undefined, samples: Array<[number, string, number]>, texts: TextSample[] = []): SignalBatch {
  const b = new SignalBatchBuilder('v1');
  for (const [t, name, v] of samples) b.push(t, b.signalIndex({ name, unit: '', derived: false }), v);
  for (const x of texts) b.pushText(x.t, x.name, x.value);
  const sb = b.take();
  if (source !== undefined) sb.source = source;
  return sb;
}

const key = (o: Out) => `${o.t}|${typeof o.v === 'string' ? 0 : 1}|${o.name}`;

describe('time merge (per-source runs, watermark release)', () => {
  it('releases a sample once every source has passed it, long before the horizon', () => {
    const r = new Reorderer(10);
    // the first 10 s of data: only the horizon releases (a source may still appear)
    r.push(batch('can0', [[0, 'a', 1]]));
    r.push(batch('can1', [[0.05, 'b', 1]]));
    assert.deepEqual(take(r), []);
    r.push(batch('can1', [[9.95, 'b', 2]]));
    assert.deepEqual(take(r), []);
    r.push(batch('can0', [[10.0, 'a', 2], [10.1, 'a', 3]]));
    // data for 10 s now: can1 last sent at 9.95, so everything before it is safe
    assert.deepEqual(take(r).map((o) => [o.t, o.name]), [[0, 'a'], [0.05, 'b']]);
    r.push(batch('can1', [[10.05, 'b', 3], [10.15, 'b', 4]]));
    // can1 at 10.15, can0 at 10.1: everything before 10.1 is safe, 10.1 and 10.15 wait
    assert.deepEqual(take(r).map((o) => [o.t, o.name]), [[9.95, 'b'], [10.0, 'a'], [10.05, 'b']]);
    r.push(batch('can0', [[10.2, 'a', 4]]));
    assert.deepEqual(take(r).map((o) => [o.t, o.name]), [[10.1, 'a']]);
    r.flush();
    assert.deepEqual(take(r).map((o) => [o.t, o.name]), [[10.15, 'b'], [10.2, 'a']]);
    assert.equal(r.late, 0);
  });

  it('a source silent for the horizon no longer holds the others back; what it sends later is late, counted and passed on', () => {
    const r = new Reorderer(1);
    r.push(batch('can0', [[0, 'a', 0]]));
    r.push(batch('can1', [[0, 'b', 0]]));
    const got: Out[] = [];
    for (let k = 1; k <= 30; k++) {
      r.push(batch('can0', [[k * 0.1, 'a', k]]));
      got.push(...take(r));
    }
    // can1 stopped at 0: from 1 s of data on can0 alone is the watermark (all but its newest sample goes)
    assert.equal(got.length, 31);
    assert.ok(Math.abs(got.at(-1)!.t - 2.9) < 1e-9);
    r.push(batch('can1', [[0.5, 'b', 1]]));
    const late = take(r);
    assert.deepEqual(late.map((o) => [o.t, o.name]), [[0.5, 'b']]);
    assert.equal(r.late, 1);
  });

  it('orders equal times texts first, then by signal name, then by source name, whatever the arrival order', () => {
    const r = new Reorderer(1);
    r.push(batch('can1', [[5, 'b', 1], [5, 'a', 2]]));
    r.push(batch('can0', [[5, 'b', 3]], [{ t: 5, name: 'z', value: 'txt' }]));
    r.push(batch(undefined, [[5, 'a', 4]]));
    r.flush();
    assert.deepEqual(take(r), [
      { t: 5, name: 'z', v: 'txt' },
      { t: 5, name: 'a', v: 4 }, // source '' sorts before can1
      { t: 5, name: 'a', v: 2 },
      { t: 5, name: 'b', v: 3 },
      { t: 5, name: 'b', v: 1 },
    ]);
  });

  it('puts a sample that steps back within its source in its place', () => {
    const r = new Reorderer(5);
    r.push(batch('can0', [[1, 'a', 1], [3, 'a', 3]]));
    r.push(batch('can0', [[2, 'a', 2], [4, 'a', 4]]));
    r.flush();
    assert.deepEqual(take(r).map((o) => o.v), [1, 2, 3, 4]);
    assert.equal(r.late, 0);
  });

  it('gives the same sequence however three sources are cut into batches and interleaved (seeded, 20 cuttings)', () => {
    const sources = ['can0', 'can1', 'can2'];
    const rates = [100, 10, 1];
    const streams = sources.map((s, k) => {
      const out: Array<[number, string, number]> = [];
      const rand = rng(k + 1);
      for (let t = 0; t < 120; t += 1 / rates[k]! + rand() * 0.001) {
        out.push([Math.round(t * 1e4) / 1e4, `${s}.x`, out.length]);
        // another signal of the same frame, same time
        if (k === 0) out.push([Math.round(t * 1e4) / 1e4, `${s}.w`, -out.length]);
      }
      return out;
    });
    const expected = streams
      .flat()
      .map(([t, name, v]) => ({ t, name, v }))
      .sort((a, b) => (a.t !== b.t ? a.t - b.t : a.name < b.name ? -1 : 1));
    for (let seed = 1; seed <= 20; seed++) {
      const rand = rng(seed * 7919);
      const r = new Reorderer(30);
      const pos = [0, 0, 0];
      const got: Out[] = [];
      // the source whose next sample is oldest sends next (a live gateway), with batches of random size
      while (pos.some((p, k) => p < streams[k]!.length)) {
        let k = -1;
        for (let j = 0; j < 3; j++) if (pos[j]! < streams[j]!.length && (k < 0 || streams[j]![pos[j]!]![0] < streams[k]![pos[k]!]![0])) k = j;
        // up to n samples and at most 2 s of data (a gateway cuts batches by size and age)
        const n = 1 + Math.floor(rand() * (seed % 2 ? 400 : 40));
        const from = pos[k]!;
        let to = from + 1;
        while (to < streams[k]!.length && to - from < n && streams[k]![to]![0] - streams[k]![from]![0] <= 2) to++;
        const part = streams[k]!.slice(from, to);
        pos[k]! += part.length;
        r.push(batch(sources[k]!, part));
        got.push(...take(r));
      }
      r.flush();
      got.push(...take(r));
      assert.equal(r.late, 0, `seed ${seed}`);
      assert.equal(got.length, expected.length, `seed ${seed}`);
      for (let i = 0; i < got.length; i++) if (key(got[i]!) !== key(expected[i]!) || got[i]!.v !== expected[i]!.v) assert.fail(`seed ${seed}: #${i}: ${JSON.stringify(got[i])} vs ${JSON.stringify(expected[i])}`);
    }
  });

  it('holds about one batch, not the horizon, when the sources keep sending (what keeps alerts prompt)', () => {
    const r = new Reorderer(600);
    let held = 0;
    let maxHeld = 0;
    for (let k = 0; k < 20000; k++) {
      const t = k * 0.01;
      // 10 ms batches alternating between two interfaces
      r.push(batch(k % 2 ? 'can1' : 'can0', [[t, 'x', k]]));
      held += 1 - take(r).length;
      if (t > 600) maxHeld = Math.max(maxHeld, held);
    }
    assert.ok(maxHeld <= 2, `held ${maxHeld} samples after the first horizon`);
  });

  it('hands out the very SignalInfo and TextSample objects of each sample, also when every batch brings new ones', () => {
    const r = new Reorderer(1);
    const seen: Array<[number, SignalInfo | TextSample]> = [];
    const got: Array<[number, SignalInfo | TextSample]> = [];
    const visit = (): void =>
      r.visitReleased((ts, _vs, ks, _keys, refs, from, to) => {
        for (let i = from; i < to; i++) got.push([ts[i]!, ks[i] === 0 ? refs.text(i) : refs.info(i)]);
      });
    // far more new objects than the table of SignalInfos starts renumbering at; texts on both sources
    for (let k = 0; k < 6000; k++) {
      // can1 lags 0.5 s: can0 holds texts when its run compacts
      const t = Math.floor(k / 2) * 0.01 - (k % 2 ? 0.5 : 0);
      const b = new SignalBatchBuilder('v1');
      const info: SignalInfo = { name: k % 3 ? 'a' : 'b', unit: `u${k}`, derived: false };
      b.push(t, b.signalIndex(info), k);
      seen.push([t, info]);
      const sb = b.take();
      sb.source = k % 2 ? 'can1' : 'can0';
      if (k % 7 === 0) {
        const x: TextSample = { t, name: 'z', value: `x${k}` };
        sb.texts = [x];
        seen.push([t, x]);
      }
      r.push(sb);
      visit();
    }
    r.flush();
    visit();
    assert.equal(got.length, seen.length);
    const ids = (xs: Array<[number, SignalInfo | TextSample]>): string[] => xs.map(([t, x]) => `${t}|${'unit' in x ? x.unit : x.value}`).sort();
    assert.deepEqual(ids(got), ids(seen));
    const objs = new Set(seen.map((x) => x[1]));
    for (const [, x] of got) assert.ok(objs.has(x), 'the object the batch named');
  });
});
