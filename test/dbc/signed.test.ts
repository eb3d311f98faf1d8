// Sign extension at every awkward width (cantools' signed.dbc), expectations by hand.
import { strict as assert } from 'node:assert';
import { hex, loadFixture } from './helpers.js';

describe('dbc: signed signals', () => {
  const db = loadFixture('cantools/signed.dbc');
  const dec = (id: number, data: string): Record<string, unknown> => db.messageById(id, false)!.decodeObject(hex(data));

  it('32-bit Intel: 0x80000000 is -2^31', () => {
    assert.deepEqual(dec(0, '00 00 00 80 00 00 00 00'), { s32: -2147483648 });
    assert.deepEqual(dec(0, 'ff ff ff 7f 00 00 00 00'), { s32: 2147483647 });
  });

  it('33-bit Intel: all ones is -1, bit 32 alone is -2^32', () => {
    assert.deepEqual(dec(1, 'ff ff ff ff 01 00 00 00'), { s33: -1 });
    assert.deepEqual(dec(1, '00 00 00 00 01 00 00 00'), { s33: -4294967296 });
    assert.deepEqual(dec(1, 'ff ff ff ff 00 00 00 00'), { s33: 4294967295 });
  });

  it('33-bit Motorola: LSB is bit 7 of byte 4', () => {
    assert.deepEqual(dec(4, '00 00 00 00 80 00 00 00'), { s33big: 1 });
    assert.deepEqual(dec(4, '80 00 00 00 00 00 00 00'), { s33big: -4294967296 });
  });

  it('64-bit both orders, exact as BigInt', () => {
    assert.deepEqual(dec(2, 'ff ff ff ff ff ff ff ff'), { s64: -1n });
    assert.deepEqual(dec(2, '00 00 00 00 00 00 00 80'), { s64: -9223372036854775808n });
    assert.deepEqual(dec(3, '80 00 00 00 00 00 00 00'), { s64big: -9223372036854775808n });
    assert.deepEqual(dec(3, '00 00 00 00 00 00 00 01'), { s64big: 1n });
  });

  it('63-bit Intel: bits 0..62 set is -1, bit 63 is outside the signal', () => {
    assert.deepEqual(dec(6, 'ff ff ff ff ff ff ff 7f'), { s63: -1n });
    assert.deepEqual(dec(6, 'ff ff ff ff ff ff ff bf'), { s63: 0x3fffffffffffffffn });
  });

  it('3-bit Intel in the middle of a byte: 100b is -4', () => {
    // s3: 34|3@1- = byte4 bits 2..4; byte4 = 0x10 -> bits 4..2 = 100b
    const v = dec(10, '00 00 00 00 10 00 00 00');
    assert.equal(v.s3, -4);
  });

  it('the float64 output matches the object output for small widths', () => {
    const m = db.messageById(10, false)!;
    const out = new Float64Array(m.signals.length);
    m.decode(hex('00 00 00 00 10 00 00 00'), 0, 8, out);
    assert.equal(out[m.signal('s3')!.index], -4);
  });
});
