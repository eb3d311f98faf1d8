// OBD-II (SAE J1979) responses over ISO 15765-4: service 01 PIDs, supported-PID bitmaps, VIN.
export { ObdDecoder, isObdResponseId } from './decoder.js';
export type { ObdCounters, ObdDecoderOptions, ObdSink } from './decoder.js';
export { IsoTpObserver, N_CR } from './isotp.js';
export type { IsoTpCounters, IsoTpDeliver } from './isotp.js';
export { PIDS, isSupportedPidsPid, pidTable, supportedPids } from './pids.js';
export type { PidInfo, PidOutput } from './pids.js';
