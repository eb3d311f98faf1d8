// The protocol decoders this build has, for the decode engine's FrameDecoder seam. J1939 (PGN matching,
// transport protocol) and OBD-II (mode 01 responses) come from edge/dbc/j1939 and edge/dbc/obd; until
// those are in the build the engine matches DBC messages by exact id and reports that as a warning.
import type { ProtocolDecoders } from './decoder.js';

export const defaultProtocols: ProtocolDecoders = {};
