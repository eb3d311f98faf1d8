// Driver's identification (DI, SAE J1939-71, PGN 65131 = 0xFE6B): what the tachograph reads from the
// driver cards. Variable length ASCII, each field ended by a '*' delimiter: driver 1 identification
// (SPN 1625), then driver 2 identification (SPN 1626); some tachographs append further fields. Longer
// than 8 bytes it travels by transport protocol (BAM or RTS/CTS); a short one ("**", no cards) fits in
// one frame, padded with 0xFF.
//
// What real payloads do and how we read them (never a throw):
// - padding: 0x00 and 0xFF are dropped wherever they are (frame and fixed-width padding), then spaces
//   are trimmed from both ends of each field;
// - a field that is empty after that means "no card in that slot": driver '' (consumers clear the
//   driver on '');
// - a missing last delimiter ("DRV1*DRV2" or just "DRV1") still ends the field at the payload's end;
// - a field holding any other byte outside printable ASCII (0x20..0x7E), or longer than
//   MAX_DRIVER_ID_LENGTH, is junk: it is reported as undefined ("unusable"), never cut down to a
//   plausible-looking id, since a wrong id would credit a trip to someone else;
// - a payload with no delimiter and nothing but padding is "not available": both drivers undefined.

/** Longest id accepted. A tachograph card number is 16 characters (plus a 1-3 letter issuing
 * state on some tachographs); this bound is ours, with room to spare, not a J1939-71 figure. */
export const MAX_DRIVER_ID_LENGTH = 40;

/** Most further fields kept (after driver 2); the rest are ignored. */
const MAX_MORE_FIELDS = 8;

export interface DriverIdentification {
  /** driver 1 (SPN 1625), trimmed: '' no card; undefined junk or not available */
  driver1: string | undefined;
  /** driver 2 / co-driver (SPN 1626), trimmed: '' no card or no such field; undefined junk (or
   * no such field after a junk driver 1) */
  driver2: string | undefined;
  /** printable fields after driver 2, trimmed, as sent (junk ones left out) */
  more: string[];
  /** '*'-delimited fields found, counting an undelimited tail */
  fields: number;
}

const STAR = 0x2a;

/** One field [from, to) of the payload: trimmed text, or undefined for junk / over-long. */
function field(data: Uint8Array, from: number, to: number): string | undefined {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = data[i]!;
    if (c === 0x00 || c === 0xff) continue; // padding
    if (c < 0x20 || c > 0x7e) return undefined;
    s += String.fromCharCode(c);
    // bound the work on a long payload of junk; trimming below can only shorten it
    if (s.length > MAX_DRIVER_ID_LENGTH * 4) return undefined;
  }
  s = s.trim();
  return s.length > MAX_DRIVER_ID_LENGTH ? undefined : s;
}

function isPadding(data: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = data[i]!;
    if (c !== 0x00 && c !== 0xff && c !== 0x20) return false;
  }
  return true;
}

/** Reads a DI payload data[off .. off+len). */
export function decodeDriverId(data: Uint8Array, off = 0, len = data.length - off): DriverIdentification {
  const end = off + len;
  const spans: Array<[number, number]> = [];
  let start = off;
  for (let i = off; i < end; i++) {
    if (data[i] === STAR) {
      spans.push([start, i]);
      start = i + 1;
    }
  }
  // the tail after the last '*' (or the whole payload when there is none) is a field unless it is
  // padding: a tachograph that leaves out the final delimiter still sent that field
  if (!isPadding(data, start, end)) spans.push([start, end]);
  if (spans.length === 0) return { driver1: undefined, driver2: undefined, more: [], fields: 0 };
  const more: string[] = [];
  for (let k = 2; k < spans.length && more.length < MAX_MORE_FIELDS; k++) {
    const f = field(data, spans[k]![0], spans[k]![1]);
    if (f !== undefined) more.push(f);
  }
  const driver1 = field(data, spans[0]![0], spans[0]![1]);
  // a missing driver 2 field means no co-driver, unless driver 1 is junk too: then the payload
  // as a whole is junk and says nothing about either slot
  const driver2 = spans.length > 1 ? field(data, spans[1]![0], spans[1]![1]) : driver1 === undefined ? undefined : '';
  return { driver1, driver2, more, fields: spans.length };
}

/** The DI payload a tachograph sends for these ids: each field followed by '*' (non-ASCII
 * characters become '?'). For simulators and tests. */
export function encodeDriverId(driver1: string, driver2 = '', ...more: string[]): Uint8Array {
  const text = [driver1, driver2, ...more].map((f) => f + '*').join('');
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c >= 0x20 && c <= 0x7e ? c : 0x3f;
  }
  return out;
}
