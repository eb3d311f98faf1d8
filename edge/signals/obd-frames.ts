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
  private out!: FrameSink;
  private readonly routes: (readonly number[])[] = [];
  private readonly sink: ObdSink;

  constructor(ctx: FrameDecoderContext) {
    for (let pid = 0; pid < 256; pid++) this.routes.push(ctx.obdRoutes(pid));
    const self = this;
    this.sink = {
      pid(t, _ecu, pid, name, value) {
        const first = PIDS[pid]?.outputs[0]?.name;
        if (name !== first) return;
        self.out.decoded();
        if (value !== value) return;
        for (const r of self.routes[pid]!) self.out.value(t, r, value);
      },
      vin(t, _ecu, vin) {
        self.out.decoded();
        self.out.text(t, 'Vehicle.VehicleIdentification.VIN', vin);
      },
    };
  }

  decode(batch: FrameBatch, sink: FrameSink): void {
    this.out = sink;
    this.obd.decode(batch, this.sink);
  }
}
