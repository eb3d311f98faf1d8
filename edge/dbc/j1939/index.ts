// SAE J1939 on top of the DBC layer: PGN/SA from ids, transport protocol, DM1, VIN, driver id (DI).
export { J1939Decoder } from './decoder.js';
export type { J1939Counters, J1939DecoderOptions, J1939Sink } from './decoder.js';
export { decodeDm1, LampFlash, LampStatus } from './dm1.js';
export type { Dm1, Dtc, Lamp, LegacySpnLayout } from './dm1.js';
export { GLOBAL_ADDRESS, NULL_ADDRESS, PGN, destinationOf, isPdu1, j1939Id, pgnOf, priorityOf, sourceOf } from './pgn.js';
export { J1939_TIMEOUTS, TP_MAX_SIZE, TpControl, TransportReassembler, emptyTpCounters } from './transport.js';
export type { TpCounters, TpDeliver, TpTimeouts } from './transport.js';
export { decodeVin } from './vin.js';
export { MAX_DRIVER_ID_LENGTH, decodeDriverId, encodeDriverId } from './driver-id.js';
export type { DriverIdentification } from './driver-id.js';
export { bamFrames, broadcastFrames, rtsCtsFrames } from './tp-send.js';
export type { TpSendOptions } from './tp-send.js';
