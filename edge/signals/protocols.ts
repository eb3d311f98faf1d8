// The protocol decoders this build has, for the decode engine's FrameDecoder seam: J1939 (PGN
// matching, transport protocol, DM1, VIN) from edge/dbc/j1939. OBD-II (mode 01 responses) comes from
// edge/dbc/obd once that is in the build; until then OBD-II sources are reported as unavailable.
import type { ProtocolDecoders } from './decoder.js';
import { J1939FrameDecoder } from './j1939-frames.js';

export const defaultProtocols: ProtocolDecoders = {
  j1939: (dbs, ctx) => new J1939FrameDecoder(dbs, ctx),
};
