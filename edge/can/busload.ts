// Bus-load estimate: bits each frame occupies on the wire.
//
// Nominal frame bits without stuffing (ISO 11898-1): SOF..EOF + 3-bit interframe space.
// Bit stuffing adds up to ~20% in the worst case; we add the average for random data (~1/10 of the
// stuffable region) so the estimate is neither the optimistic nor the worst case.
import { FrameFlag } from './frame.js';

const STD_OVERHEAD = 47; // 11-bit id, DLC<=8: 1+11+1+1+1+4+15+1+1+1+7+3
const EXT_OVERHEAD = 67; // 29-bit id

/** Estimated bits on the wire for one frame at the nominal bit rate (CAN FD data phase scaled by dataRatio). */
export function frameBits(flags: number, len: number, dataRatio = 1): number {
  const overhead = flags & FrameFlag.EXT ? EXT_OVERHEAD : STD_OVERHEAD;
  const payloadBits = flags & FrameFlag.RTR ? 0 : len * 8;
  if (flags & FrameFlag.FD && flags & FrameFlag.BRS) {
    // arbitration phase at the nominal rate, data phase (payload + CRC ~ 21 bits) at the data rate
    const dataPhase = payloadBits + 28;
    return Math.ceil(overhead - 15 + (dataPhase * 1.1) / dataRatio);
  }
  const stuffable = overhead - 13 + payloadBits;
  return Math.ceil(overhead + payloadBits + stuffable / 10);
}

/** Bus load in percent given bits seen over a window of seconds at a bit rate. */
export function busLoadPercent(bits: number, seconds: number, bitrate: number): number {
  if (seconds <= 0 || bitrate <= 0) return 0;
  return Math.min(100, (bits / (seconds * bitrate)) * 100);
}
