// Shared helpers of the signal tests.
import path from 'node:path';
import { loadDbcSync, type Database } from '../../edge/dbc/index.js';
import { fromFrames, type CanFrame, type FrameBatch } from '../../edge/can/frame.js';
import { toSamples, type SignalBatch, type Sample } from '../../edge/signals/signal-batch.js';
import type { DecodeEngine } from '../../edge/signals/decoder.js';

export const ROOT = path.resolve(__dirname, '../../..');
export const CAR_LOG = path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz');
export const TRUCK_LOG = path.join(ROOT, 'test/fixtures/candump/css-electronics/11111111-00000012-00000001.log.xz');

export function dbc(rel: string): Database {
  return loadDbcSync(path.join(ROOT, 'test/fixtures/dbc', rel), { strict: false });
}

export function frame(t: number, id: number, data: ArrayLike<number>, ext = false): CanFrame {
  return { t, id, ext, fd: false, data: Uint8Array.from(data as ArrayLike<number>) };
}

export function batch(iface: string, frames: CanFrame[], vehicle = 'v1'): FrameBatch {
  return fromFrames(vehicle, iface, frames);
}

/** Runs batches through an engine (then flush) and returns all full-rate and down-sampled samples. */
export function run(engine: DecodeEngine, batches: FrameBatch[], flush = true): { full: Sample[]; down: Sample[]; fullBatches: SignalBatch[]; downBatches: SignalBatch[] } {
  const fullBatches: SignalBatch[] = [];
  const downBatches: SignalBatch[] = [];
  for (const b of batches) {
    const o = engine.decode(b);
    if (o.full) fullBatches.push(o.full);
    if (o.down) downBatches.push(o.down);
  }
  if (flush)
    for (const o of engine.flush()) {
      if (o.full) fullBatches.push(o.full);
      if (o.down) downBatches.push(o.down);
    }
  return { full: fullBatches.flatMap(toSamples), down: downBatches.flatMap(toSamples), fullBatches, downBatches };
}

export function byName(samples: readonly Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of samples) {
    let l = m.get(s.name);
    if (!l) m.set(s.name, (l = []));
    l.push(s);
  }
  return m;
}
