// Where a signal's bits sit in the payload, for both byte orders, with bit numbering exactly as
// cantools and the DBC format define it:
// - Intel (@1): the start bit is the least significant bit; bit b is bit (b % 8) of byte (b / 8), and
//   the signal grows towards higher bit numbers.
// - Motorola (@0): the start bit is the most significant bit, numbered the same way (bit 7 of byte 0
//   is 7, bit 0 of byte 1 is 8: the "sawtooth"); the signal continues to lower bits of the same byte,
//   then from bit 7 of the next byte.
// A signal is a list of segments, one per byte it touches; both the compiled decoder and the encoder
// are built from these, so the two byte orders share one code path.

export interface Segment {
  /** payload byte index */
  byte: number;
  /** right shift of that byte that brings the segment's lowest bit to bit 0 */
  shift: number;
  /** number of bits taken from the byte (1..8) */
  width: number;
  /** position of the segment's lowest bit in the raw value (0 = least significant) */
  pos: number;
}

/** Motorola start bit to its linear big-endian index (0 = bit 7 of byte 0, 8 = bit 7 of byte 1). */
export function motorolaLinear(start: number): number {
  return (start >> 3) * 8 + (7 - (start & 7));
}

export function segmentsOf(start: number, length: number, littleEndian: boolean): Segment[] {
  const out: Segment[] = [];
  if (littleEndian) {
    let p = start;
    let j = 0;
    while (j < length) {
      const bit = p & 7;
      const w = Math.min(8 - bit, length - j);
      out.push({ byte: p >> 3, shift: bit, width: w, pos: j });
      p += w;
      j += w;
    }
  } else {
    let lin = motorolaLinear(start);
    let remaining = length;
    while (remaining > 0) {
      const fromMsb = lin & 7;
      const w = Math.min(8 - fromMsb, remaining);
      out.push({ byte: lin >> 3, shift: 8 - fromMsb - w, width: w, pos: remaining - w });
      remaining -= w;
      lin += w;
    }
  }
  return out;
}

/** Bits beyond the payload that the signal needs: index of the first bit after it, in the layout's own
 * numbering (cantools' "does not fit" test compares this with 8 * message length). */
export function layoutEnd(start: number, length: number, littleEndian: boolean): number {
  return littleEndian ? start + length : motorolaLinear(start) + length;
}

/** cantools' sort key for signals (start_bit): the position of the first bit in layout order. */
export function layoutStart(start: number, littleEndian: boolean): number {
  return littleEndian ? start : motorolaLinear(start);
}

/** Splits segments into the low 32 bits and the bits above, as two lists of segments of 32-bit words. */
export function splitAt32(segs: readonly Segment[]): { lo: Segment[]; hi: Segment[] } {
  const lo: Segment[] = [];
  const hi: Segment[] = [];
  for (const s of segs) {
    if (s.pos + s.width <= 32) lo.push(s);
    else if (s.pos >= 32) hi.push({ ...s, pos: s.pos - 32 });
    else {
      const wLo = 32 - s.pos;
      lo.push({ byte: s.byte, shift: s.shift, width: wLo, pos: s.pos });
      hi.push({ byte: s.byte, shift: s.shift + wLo, width: s.width - wLo, pos: 0 });
    }
  }
  return { lo, hi };
}

/** Payload bit (byte * 8 + bit in byte) of every bit of the signal, for overlap checks. */
export function payloadBits(segs: readonly Segment[]): number[] {
  const out: number[] = [];
  for (const s of segs) for (let k = 0; k < s.width; k++) out.push(s.byte * 8 + s.shift + k);
  return out;
}
