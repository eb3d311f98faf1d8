// J1939 on the decode engine's FrameDecoder seam: edge/dbc/j1939's decoder matches 29-bit frames to
// DBC messages by PGN (any source address and priority), reassembles transport-protocol messages and
// decodes DM1, VIN and the tachograph's driver identification; this adapter routes its values like
// plain DBC values. 11-bit frames on a J1939 interface (e.g. a GNSS module sharing the bus) are decoded
// by exact id from the same DBCs.
//
// Driver identification (DI, PGN 65131) becomes two text samples: driver 1 as
// DRIVER_ID_TEXT (the name scoring and incidents read) and driver 2 as CO_DRIVER_ID_TEXT. '' means no
// card in that slot (consumers clear the driver). A text goes out when its value changes, and again
// every DRIVER_ID_REFRESH_S while it stays the same (so a consumer started later, or that lost a batch,
// learns it; repeats are harmless to consumers but each one is a point in InfluxDB, and a tachograph may
// send DI every few seconds). Kept per vehicle and source address: two sources of DI on one bus (a
// tachograph and an FMS gateway) each change it on their own. Junk fields emit nothing: the last
// value stands (counted in the J1939 counters as badDriverId).

import { Database, type Message } from '../dbc/index.js';
import { J1939Decoder, type DriverIdentification, type Dm1, type J1939Sink } from '../dbc/j1939/index.js';
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

/** Text sample of driver 1 (VSS Vehicle.Driver.Identifier.Subject: the card id, as scoring and
 * incidents attribute to it). */
export const DRIVER_ID_TEXT = 'Vehicle.Driver.Identifier.Subject';
/** Text sample of driver 2 (co-driver). VSS has no co-driver branch; named after driver 1's. */
export const CO_DRIVER_ID_TEXT = 'Vehicle.Driver.CoDriver.Identifier.Subject';
/** Seconds (frame time) after which an unchanged driver id is sent again. */
export const DRIVER_ID_REFRESH_S = 60;

interface SentText {
  value: string;
  t: number;
}

export class J1939FrameDecoder implements FrameDecoder {
  readonly j1939: J1939Decoder;
  private readonly std: DbcFrameDecoder;
  private readonly plans = new Map<Message, MessagePlan>();
  private readonly owner = new Map<Message, Database>();
  private out!: FrameSink;
  private readonly sink: J1939Sink;
  /** vehicle of the batch being decoded (the engine's decoders serve every vehicle of an interface) */
  private vehicle = '';
  /** last driver id texts sent, by vehicle, source address and field */
  private readonly sentIds = new Map<string, SentText>();

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
      driverId(t, sa, di) {
        self.out.decoded();
        self.driverIds(t, sa, di);
      },
      unknown(_t, pgn, sa) {
        // counted by PGN and source address: the id with priority 0
        self.out.unknown(((pgn << 8) | sa) >>> 0, true);
      },
    };
  }

  decode(batch: FrameBatch, sink: FrameSink): void {
    this.out = sink;
    this.vehicle = batch.vehicle;
    this.j1939.decode(batch, this.sink);
    this.std.decode(batch, sink);
  }

  private driverIds(t: number, sa: number, di: DriverIdentification): void {
    if (di.driver1 !== undefined) this.driverText(t, sa, DRIVER_ID_TEXT, di.driver1);
    if (di.driver2 !== undefined) this.driverText(t, sa, CO_DRIVER_ID_TEXT, di.driver2);
  }

  /** Emits a driver id text when it changed or was last sent DRIVER_ID_REFRESH_S ago (or the
   * frame time went back: a replay restarted). */
  private driverText(t: number, sa: number, name: string, value: string): void {
    const key = `${this.vehicle}\u0000${sa}\u0000${name}`;
    const last = this.sentIds.get(key);
    if (last !== undefined && last.value === value && t >= last.t && t - last.t < DRIVER_ID_REFRESH_S) return;
    this.sentIds.set(key, { value, t });
    this.out.text(t, name, value);
  }
}
