// DM1, active diagnostic trouble codes (SAE J1939-73, PGN 65226), single frame or via transport.
//
// byte 0: lamp status, two bits each from the top: MIL (bits 8-7), red stop (6-5), amber warning
//         (4-3), protect (2-1): 00 off, 01 on, 10 error, 11 not available
// byte 1: the same lamps' flash: 00 slow (1 Hz), 01 fast (2 Hz), 10 reserved, 11 not available /
//         do not flash
// then 4 bytes per DTC (conversion method 0, "version 4"):
//   byte a: SPN bits 1-8, byte b: SPN bits 9-16, byte c: bits 8-6 SPN bits 17-19, bits 5-1 FMI,
//   byte d: bit 8 the conversion method (CM), bits 7-1 the occurrence count (OC; 127 = not available)
// With no active fault an ECU sends one DTC of all zeros; a single frame pads bytes 6-7 with 0xFF.
//
// CM = 1 marks the legacy layouts of older J1939-73 editions, which cannot be told apart from the
// bytes: version 1 (a = SPN bits 19-12, b = SPN bits 11-4, c bits 8-6 = SPN bits 3-1), version 2
// (a and b swapped relative to version 1) and version 3 (the current layout). We decode them with the
// current layout unless told the ECU's version (`legacySpn`), and always report cm so a consumer can
// treat such SPNs as unverified.

export const LampStatus = { OFF: 0, ON: 1, ERROR: 2, NOT_AVAILABLE: 3 } as const;
export const LampFlash = { SLOW: 0, FAST: 1, RESERVED: 2, NOT_AVAILABLE: 3 } as const;

export interface Lamp {
  /** LampStatus: 0 off, 1 on, 2 error, 3 not available */
  status: number;
  /** LampFlash: 0 slow (1 Hz), 1 fast (2 Hz), 2 reserved, 3 not available / do not flash */
  flash: number;
}

export interface Dtc {
  /** suspect parameter number (19 bits) */
  spn: number;
  /** failure mode identifier (5 bits) */
  fmi: number;
  /** occurrence count (7 bits, 127 = not available) */
  oc: number;
  /** SPN conversion method bit: 0 current layout, 1 a legacy layout (see legacySpn) */
  cm: number;
}

export interface Dm1 {
  /** malfunction indicator lamp (emissions) */
  mil: Lamp;
  /** red stop lamp */
  rsl: Lamp;
  /** amber warning lamp */
  awl: Lamp;
  /** protect lamp */
  pl: Lamp;
  /** active DTCs (the all-zero "no fault" entry and 0xFF padding are left out) */
  dtcs: Dtc[];
}

/** How to read SPNs of DTCs with CM = 1: 'v4' the current layout (right for version 3 ECUs),
 * 'v1' / 'v2' the older layouts. */
export type LegacySpnLayout = 'v4' | 'v1' | 'v2';

function lamp(status: number, flash: number, shift: number): Lamp {
  return { status: (status >> shift) & 3, flash: (flash >> shift) & 3 };
}

/** Decodes a DM1 payload; undefined when it is shorter than the two lamp bytes. */
export function decodeDm1(data: Uint8Array, off = 0, len = data.length - off, legacySpn: LegacySpnLayout = 'v4'): Dm1 | undefined {
  if (len < 2) return undefined;
  const st = data[off]!;
  const fl = data[off + 1]!;
  const dtcs: Dtc[] = [];
  for (let p = off + 2; p + 4 <= off + len; p += 4) {
    const a = data[p]!;
    const b = data[p + 1]!;
    const c = data[p + 2]!;
    const d = data[p + 3]!;
    if ((a | b | c | d) === 0) continue; // "no active DTC"
    if ((a & b & c & d) === 0xff) continue; // padding
    const cm = d >> 7;
    let spn: number;
    if (cm === 1 && legacySpn === 'v1') spn = (a << 11) | (b << 3) | (c >> 5);
    else if (cm === 1 && legacySpn === 'v2') spn = (b << 11) | (a << 3) | (c >> 5);
    else spn = a | (b << 8) | ((c >> 5) << 16);
    dtcs.push({ spn, fmi: c & 0x1f, oc: d & 0x7f, cm });
  }
  return { mil: lamp(st, fl, 6), rsl: lamp(st, fl, 4), awl: lamp(st, fl, 2), pl: lamp(st, fl, 0), dtcs };
}
