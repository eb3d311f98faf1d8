// Intel and Motorola layouts, worked out by hand from the DBC (cantools' padding_bit_order.dbc and
// motohawk.dbc): bit numbering, sawtooth Motorola start bits, 64-bit signals in both orders.
import { strict as assert } from 'node:assert';
import { hex, loadFixture } from './helpers.js';

describe('dbc: byte order', () => {
  const db = loadFixture('cantools/padding_bit_order.dbc');

  it('Motorola 15-bit signals that start at bit 6 of byte 0 and byte 4 (MSG0)', () => {
    // A: 6|15@0+ = byte0 bits 6..0 (high 7 bits) then byte1; B: 7|1@0+ = byte0 bit 7.
    // 0x82 = 1000_0010: B=1, A high bits = 000_0010 -> A = 2 << 8 | 0xc9 = 0x2c9. C/D the same on bytes 4, 5.
    const m = db.messageById(1, false)!;
    assert.deepEqual(m.decodeObject(hex('82 c9 00 00 02 c9 00 00')), { A: 0x2c9, B: 1, C: 0x2c9, D: 0 });
  });

  it('Intel 15-bit signals that start at bit 1 (MSG1)', () => {
    // E: bit 0; F: 1|15@1+ = bits 1..15 = 0x0593 >> 1 = 0x2c9; G: bit 32 = 0; H: 0x0592 >> 1 = 0x2c9
    const m = db.messageById(2, false)!;
    assert.deepEqual(m.decodeObject(hex('93 05 00 00 92 05 00 00')), { E: 1, F: 0x2c9, G: 0, H: 0x2c9 });
  });

  it('nibbles (MSG2)', () => {
    const m = db.messageById(3, false)!;
    assert.deepEqual(m.decodeObject(hex('21 03 00 00 00 00 00 00')), { I: 1, J: 2, K: 3 });
  });

  it('a 64-bit Motorola signal reads the bytes big-endian, exactly (MSG3)', () => {
    const m = db.messageById(4, false)!;
    const data = hex('01 23 45 67 89 ab cd ef');
    assert.deepEqual(m.decodeObject(data), { L: 0x0123456789abcdefn });
    const out = new Float64Array(1);
    m.decode(data, 0, 8, out);
    assert.equal(out[0], Number(0x0123456789abcdefn)); // the float64 output is the correctly rounded value
  });

  it('a 64-bit Intel signal reads the bytes little-endian, exactly (MSG4)', () => {
    const m = db.messageById(5, false)!;
    assert.deepEqual(m.decodeObject(hex('ef cd ab 89 67 45 23 01')), { M: 0x0123456789abcdefn });
  });

  it('motohawk: Motorola signed 12-bit with scale/offset, 6-bit and 1-bit', () => {
    // Temperature 0|12@0- (0.01,250): byte0 bit0, byte1, byte2 bits 7..5: 0xc0 06 e0 -> 0 0000_0110 111 = 0x37 = 55
    //   -> 55 * 0.01 + 250 = 250.55. AverageRadius 6|6@0+ (0.1,0): byte0 bits 6..1 = 10_0000 = 32 -> 3.2.
    // Enable 7|1@0+: byte0 bit 7 = 1.
    const m = loadFixture('cantools/motohawk.dbc').messageByName('ExampleMessage')!;
    const v = m.decodeObject(hex('c0 06 e0 00 00 00 00 00'));
    assert.equal(v.Enable, 1);
    assert.ok(Math.abs((v.Temperature as number) - 250.55) < 1e-9);
    assert.ok(Math.abs((v.AverageRadius as number) - 3.2) < 1e-12);
    // negative: Temperature raw 0x800 (-2048): byte0 bit0 = 1, rest 0 -> -20.48 + 250 = 229.52
    assert.ok(Math.abs((m.decodeObject(hex('01 00 00 00 00 00 00 00')).Temperature as number) - 229.52) < 1e-9);
  });

  it('decodes in place from an offset into a larger buffer (columnar batches)', () => {
    const m = db.messageById(2, false)!;
    const buf = hex('ff ff ff 93 05 00 00 92 05 00 00 ff');
    const out = new Float64Array(4);
    assert.equal(m.decode(buf, 3, 8, out), 0);
    assert.deepEqual([...out], [1, 0x2c9, 0, 0x2c9]);
  });
});
