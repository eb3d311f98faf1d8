// The protocol decoders this build has, for the decode engine's FrameDecoder seam: J1939 (PGN
// matching, transport protocol, DM1, VIN) from edge/dbc/j1939 and OBD-II (service 01 PIDs over
// ISO-TP, VIN) from edge/dbc/obd.
import type { ProtocolDecoders } from './decoder.js';
import { J1939FrameDecoder } from './j1939-frames.js';
import { ObdFrameDecoder, isObdTraffic, obdPidUnit } from './obd-frames.js';

export const defaultProtocols: ProtocolDecoders = {
  j1939: (dbs, ctx) => new J1939FrameDecoder(dbs, ctx),
  obd: (ctx) => new ObdFrameDecoder(ctx),
  obdTraffic: isObdTraffic,
  obdUnit: obdPidUnit,
};
