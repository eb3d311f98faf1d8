// OBD-II on the decode engine's FrameDecoder seam: edge/dbc/obd's decoder follows ISO-TP responses
// (0x7E8-0x7EF, 0x18DAF1xx) and gives service 01 PID values and the VIN; this adapter routes the
// PIDs a map asks for. A PID with several outputs (e.g. O2 sensor voltage and trim) is routed by its
// first output.

import type { FrameBatch } from '../can/frame.js';
import { ObdDecoder, PIDS, isObdResponseId, type ObdSink } from '../dbc/obd/index.js';
import type { FrameDecoder, FrameDecoderContext, FrameSink } from './frame-decoders.js';

/** OBD-II request and response ids: left to this decoder by a DBC decoder on the same interface. */
export function isObdTraffic(id: number, ext: boolean): boolean {
  if (isObdResponseId(id, ext)) return true;
  return ext ? id === 0x18db33f1 || (id & 0x1fff00ff) === 0x18da00f1 : id === 0x7df || (id >= 0x7e0 && id <= 0x7e7);
}

/** The unit of a PID's first output, from the OBD-II decoder's table. */
export function obdPidUnit(pid: number): string | undefined {
  return PIDS[pid]?.outputs[0]?.unit;
}

export class ObdFrameDecoder implements FrameDecoder {
  readonly obd = new ObdDecoder();
  private readonly sink: ObdRouting;

  constructor(ctx: FrameDecoderContext) {
    const routes: (readonly number[])[] = [];
    for (let pid = 0; pid < 256; pid++) routes.push(ctx.obdRoutes(pid));
    this.sink = new ObdRouting(routes);
  }

  decode(batch: FrameBatch, sink: FrameSink): void {
    this.sink.out = sink;
    this.obd.decode(batch, this.sink);
  }
}

/** The OBD-II decoder's sink: routes each PID's first output. A class, not an object of closures, so
 * the OBD-II decoder's calls have one target whichever engine they serve (and can be inlined). */
class ObdRouting implements ObdSink {
  out!: FrameSink;

  constructor(private readonly routes: readonly (readonly number[])[]) {}

  pid(t: number, _ecu: number, pid: number, name: string, value: number): void {
    const first = PIDS[pid]?.outputs[0]?.name;
    if (name !== first) return;
    this.out.decoded();
    if (value !== value) return;
    for (const r of this.routes[pid]!) this.out.value(t, r, value);
  }

  vin(t: number, _ecu: number, vin: string): void {
    this.out.decoded();
    this.out.text(t, 'Vehicle.VehicleIdentification.VIN', vin);
  }
}
