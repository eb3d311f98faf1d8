import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseCandump } from '../../edge/can/candump.js';
import { decodeDm1 } from '../../edge/dbc/j1939/dm1.js';
import { J1939Decoder } from '../../edge/dbc/j1939/decoder.js';
import { FIX, batchOf, hex, recorder } from './helpers.js';

// DM1 layout (J1939-73): byte 0 lamps (MIL bits 8-7, RSL 6-5, AWL 4-3, PL 2-1), byte 1 their flash
// bits in the same places, then 4 bytes per DTC: SPN bits 1-8, SPN bits 9-16, (SPN 17-19 << 5 | FMI),
// (CM << 7 | OC).
describe('j1939: DM1 active trouble codes', () => {
  it('pretty_j1939 test_dm1.log: first frame no fault, second MIL on with SPN 91 FMI 3', () => {
    const log = parseCandump(fs.readFileSync(path.join(FIX, 'candump', 'pretty_j1939', 'test_dm1.log')));
    const { seen, sink } = recorder();
    const dec = new J1939Decoder(undefined);
    dec.decode(log.batches[0]!, sink);
    assert.equal(seen.dm1.length, 2);
    // 00FF 00000000 FFFF: lamps all 00 (off), flash 0xFF (11 = not available each), one all-zero DTC
    // (= "no active fault") and FF padding -> no DTCs
    const [a, b] = seen.dm1;
    assert.deepEqual(a!.dm1.mil, { status: 0, flash: 3 });
    assert.deepEqual(a!.dm1.dtcs, []);
    // 40 FF 5B 00 03 01 FF FF: 0x40 = 01 00 00 00 -> MIL on, others off; SPN 0x5B | 0x00 << 8 |
    // (0x03 >> 5) << 16 = 91, FMI 0x03 & 0x1F = 3, CM 0, OC 0x01 = 1; FF FF is padding
    assert.equal(b!.sa, 0);
    assert.deepEqual(b!.dm1.mil, { status: 1, flash: 3 });
    assert.deepEqual(b!.dm1.rsl, { status: 0, flash: 3 });
    assert.deepEqual(b!.dm1.awl, { status: 0, flash: 3 });
    assert.deepEqual(b!.dm1.pl, { status: 0, flash: 3 });
    assert.deepEqual(b!.dm1.dtcs, [{ spn: 91, fmi: 3, oc: 1, cm: 0 }]);
    assert.equal(dec.counters().dm1, 2);
  });

  it('reads each lamp and flash pair from its own two bits', () => {
    // status 0xE4 = 11 10 01 00: MIL n/a, RSL error, AWL on, PL off
    // flash 0x1B = 00 01 10 11: MIL slow, RSL fast, AWL reserved, PL n/a
    const d = decodeDm1(hex('E41B 00000000'))!;
    assert.deepEqual([d.mil, d.rsl, d.awl, d.pl], [
      { status: 3, flash: 0 },
      { status: 2, flash: 1 },
      { status: 1, flash: 2 },
      { status: 0, flash: 3 },
    ]);
  });

  it('uses all 19 SPN bits, 5 FMI bits and 7 OC bits', () => {
    // SPN 332340 = 0x51234: bytes 34 12, then 0x5 << 5 | FMI 31 = 0xBF; OC 127 with CM 0 = 0x7F
    const d = decodeDm1(hex('0400 3412BF7F'))!;
    assert.deepEqual(d.dtcs, [{ spn: 332340, fmi: 31, oc: 127, cm: 0 }]);
    assert.equal(d.awl.status, 1); // 0x04 = 00 00 01 00
  });

  it('CM = 1 legacy layouts: current layout by default, version 1 or 2 when asked', () => {
    // SPN 91 FMI 3 OC 1 written in version 1: byte a = SPN bits 19-12 = 0x00, byte b = SPN bits 11-4 =
    // 91 >> 3 = 0x0B, byte c = (91 & 7) << 5 | 3 = 0x63, byte d = CM 1 | OC 1 = 0x81
    const bytes = hex('4000 000B6381');
    // read with the current layout: 0x00 | 0x0B << 8 | 3 << 16 = 199424
    assert.deepEqual(decodeDm1(bytes)!.dtcs, [{ spn: 199424, fmi: 3, oc: 1, cm: 1 }]);
    assert.equal(decodeDm1(bytes, 0, bytes.length, 'v1')!.dtcs[0]!.spn, 91);
    // version 2 swaps a and b: 0x0B << 11 | 0x00 << 3 | 3 = 22531
    assert.equal(decodeDm1(bytes, 0, bytes.length, 'v2')!.dtcs[0]!.spn, 22531);
    // the option never touches CM = 0 codes
    assert.equal(decodeDm1(hex('4000 5B000301'), 0, 6, 'v1')!.dtcs[0]!.spn, 91);
  });

  it('short payloads are counted, never thrown', () => {
    assert.equal(decodeDm1(hex('40')), undefined);
    // a partial trailing DTC is ignored
    assert.deepEqual(decodeDm1(hex('4000 5B00'))!.dtcs, []);
    const { seen, sink } = recorder();
    const dec = new J1939Decoder(undefined);
    dec.decode(batchOf([[1, '18FECA00#40'], [2, '18FECA00#'], [3, '18FECA00#4000']]), sink);
    assert.equal(seen.dm1.length, 1);
    assert.equal(dec.counters().badDm1, 2);
  });
});
