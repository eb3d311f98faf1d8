// J1939 on the decode engine's FrameDecoder seam: edge/dbc/j1939's decoder matches 29-bit frames to
// DBC messages by PGN (any source address and priority), reassembles transport-protocol messages and
// decodes DM1 and VIN; this adapter routes its values like plain DBC values. 11-bit frames on a J1939
// interface (e.g. a GNSS module sharing the bus) are decoded by exact id from the same DBCs.

import { Database, type Message } from '../dbc/index.js';
import { J1939Decoder, type Dm1, type J1939Sink } from '../dbc/j1939/index.js';
import type { FrameBatch } from '../can/frame.js';
import { DbcFrameDecoder, type FrameDecoder, type FrameDecoderContext, type FrameSink, type MessagePlan } from './frame-decoders.js';

/** Several DBCs of one interface as one database (the first message of a PGN wins, as listed). */
export function mergeDatabases(dbs: readonly Database[]): Database {
  if (dbs.length === 1) return dbs[0]!;
  const first = dbs[0]!;
  return new Database(
    { ...first, file: dbs.map((d) => d.file).join('+'), problems: dbs.flatMap((d) => d.problems) },
    dbs.flatMap((d) => d.messages),
  );
}

/** The text sample of a DM1: active trouble codes and lamps of one source address, as JSON. */
export function dm1Text(sa: number, dm1: Dm1): string {
  return JSON.stringify({
    sa,
    mil: dm1.mil.status,
    rsl: dm1.rsl.status,
    awl: dm1.awl.status,
    pl: dm1.pl.status,
    dtcs: dm1.dtcs.map((d) => ({ spn: d.spn, fmi: d.fmi, oc: d.oc })),
  });
}

export class J1939FrameDecoder implements FrameDecoder {
  readonly j1939: J1939Decoder;
  private readonly std: DbcFrameDecoder;
  private readonly plans = new Map<Message, MessagePlan>();
  private readonly owner = new Map<Message, Database>();
  private out!: FrameSink;
  private readonly sink: J1939Sink;

  constructor(dbs: readonly Database[], private readonly ctx: FrameDecoderContext) {
    this.j1939 = new J1939Decoder(mergeDatabases(dbs));
    for (const db of dbs) for (const m of db.messages) if (!this.owner.has(m)) this.owner.set(m, db);
    this.std = new DbcFrameDecoder(dbs, ctx, undefined, 'standard');
    const self = this;
    this.sink = {
      message(t, _sa, _da, msg, data, values) {
        const out = self.out;
        out.decoded();
        if (data.length < msg.length) out.short(msg.id, true);
        let plan = self.plans.get(msg);
        if (plan === undefined) {
          plan = self.ctx.planFor(msg, self.owner.get(msg)!);
          self.plans.set(msg, plan);
        }
        for (let k = 0; k < plan.n; k++) {
          const v = values[plan.sig[k]!]!;
          if (v !== v) continue;
          const w = plan.when[k]!;
          if (w >= 0) {
            const c = values[w]!;
            if (c === 0 || c !== c) continue;
          }
          out.value(t, plan.route[k]!, v);
        }
      },
      dm1(t, sa, dm1) {
        self.out.decoded();
        self.out.text(t, 'J1939.DM1', dm1Text(sa, dm1));
      },
      vin(t, _sa, vin) {
        self.out.decoded();
        self.out.text(t, 'Vehicle.VehicleIdentification.VIN', vin);
      },
      unknown(_t, pgn, sa) {
        // counted by PGN and source address: the id with priority 0
        self.out.unknown(((pgn << 8) | sa) >>> 0, true);
      },
    };
  }

  decode(batch: FrameBatch, sink: FrameSink): void {
    this.out = sink;
    this.j1939.decode(batch, this.sink);
    this.std.decode(batch, sink);
  }
}
