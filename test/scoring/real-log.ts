// Real candump logs decoded the way a live gateway sees them: frames in log order, cut into small
// per-interface FrameBatches (runs of one interface, at most `run` frames), so the decoder's
// SignalBatches interleave in time as they do live.
import { sharedDataDir } from '../support/shared-data.js';
import { frameBatches } from '../support/motion-model.js';
import path from 'node:path';
import { readCandumpFile } from '../../edge/can/candump-file.js';
import { FrameBatchBuilder, type CanFrame, type FrameBatch } from '../../edge/can/frame.js';
import { loadDbcSync } from '../../edge/dbc/index.js';
import { DecodeEngine } from '../../edge/signals/decoder.js';
import { loadVssMap } from '../../edge/signals/maps/index.js';
import type { SignalBatch } from '../../edge/signals/signal-batch.js';

export const ROOT = path.resolve(__dirname, '../../..');
export const CAR_LOG = path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz');
export const TRUCK_LOG = path.join(ROOT, 'test/fixtures/candump/css-electronics/11111111-00000012-00000001.log.xz');
export const SHARED_CAR = [1, 2, 3, 4, 5].map((i) => `${sharedDataDir()}/candump/css-electronics/3BA199E2-00000164-0000000${i}-${['60FE3F04', '60FE415D', '60FE43B2', '60FEB585', '60FEB5A8'][i - 1]}.log.xz`);

const dbc = (rel: string) => loadDbcSync(path.join(ROOT, 'test/fixtures/dbc', rel), { strict: false });

export async function* framesInOrder(file: string, vehicle: string, run = 64): AsyncGenerator<FrameBatch> {
  for await (const c of readCandumpFile(file, { vehicle })) {
    const pos = c.batches.map(() => 0);
    let cur = -1;
    let b: FrameBatchBuilder | null = null;
    for (let k = 0; k < c.order.length; k++) {
      const bi = c.order[k]!;
      if (bi !== cur || (b && b.count >= run)) {
        if (b && b.count) yield b.take();
        cur = bi;
        b = new FrameBatchBuilder(vehicle, c.batches[bi]!.iface, run);
      }
      const src = c.batches[bi]!;
      const i = pos[bi]!++;
      b!.push(src.t[i]!, src.id[i]!, src.flags[i]!, src.data, src.offset[i]!, src.len[i]!, src.dlc[i]!);
    }
    if (b && b.count) yield b.take();
  }
}

export function carDecoder(): DecodeEngine {
  return new DecodeEngine({ interfaces: { can0: { obd: true }, can1: { dbc: [dbc('j1939/gnss.dbc')] } }, map: loadVssMap('car-obd-gnss') });
}

export function truckDecoder(): DecodeEngine {
  return new DecodeEngine({
    interfaces: { can0: { dbc: [dbc('j1939/CSS-Electronics-SAE-J1939-DEMO.dbc')], j1939: true }, can1: { dbc: [dbc('j1939/gnss.dbc')] } },
    map: loadVssMap('j1939-truck'),
  });
}

/** A model drive's frames, batched as a gateway hands them on, through the truck decoder (then its flush). */
export function decodeModelFrames(frames: ReadonlyArray<{ iface: string; frame: CanFrame }>, vehicle: string): SignalBatch[] {
  const dec = truckDecoder();
  const out: SignalBatch[] = [];
  for (const fb of frameBatches(frames, vehicle)) {
    const o = dec.decode(fb);
    if (o.full) out.push(o.full);
  }
  for (const o of dec.flush()) if (o.full) out.push(o.full);
  return out;
}

/** Decoded SignalBatches of log files (in order, one decoder across them). */
export async function decodeLogs(files: readonly string[], vehicle: string, decoder: DecodeEngine, run = 64): Promise<SignalBatch[]> {
  const out: SignalBatch[] = [];
  for (const f of files) {
    for await (const fb of framesInOrder(f, vehicle, run)) {
      const o = decoder.decode(fb);
      if (o.full) out.push(o.full);
    }
  }
  for (const o of decoder.flush()) if (o.full) out.push(o.full);
  return out;
}
