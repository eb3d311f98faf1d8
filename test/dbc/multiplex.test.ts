// Simple (M / mN) and extended (SG_MUL_VAL_) multiplexing select which signals a frame carries.
import { strict as assert } from 'node:assert';
import { hex, loadFixture } from './helpers.js';

describe('dbc: multiplexing', () => {
  it('simple multiplexer with extra values from SG_MUL_VAL_ (multiplex.dbc)', () => {
    const db = loadFixture('cantools/multiplex.dbc');
    // BO_ 2148676694 = 0x80123456: extended id 0x123456
    const m = db.messageById(0x123456, true)!;
    assert.equal(m.name, 'Message1');
    // Multiplexor 2|6@1+ = byte0 bits 2..7. Selected by 8, 16, 24: BIT_J(18) BIT_C(19) BIT_G(23) BIT_L(24).
    // Only by 24: BIT_A(26) BIT_K(28) BIT_E(29) BIT_D(32) BIT_B(33) BIT_H(38) BIT_F(39).
    // byte2 = 0x88 sets bits 19 and 23; byte3 = 0x05 sets bits 24 and 26.
    const payload = (mux: number): Uint8Array => hex(`${(mux << 2).toString(16).padStart(2, '0')} 00 88 05 00 00 00 00`);
    assert.deepEqual(m.decodeObject(payload(8)), { Multiplexor: 8, BIT_J: 0, BIT_C: 1, BIT_G: 1, BIT_L: 1 });
    assert.deepEqual(m.decodeObject(payload(16)), { Multiplexor: 16, BIT_J: 0, BIT_C: 1, BIT_G: 1, BIT_L: 1 });
    const v24 = m.decodeObject(payload(24));
    assert.equal(Object.keys(v24).length, 12);
    assert.equal(v24.BIT_A, 1);
    assert.equal(v24.BIT_K, 0);
    assert.equal(v24.BIT_L, 1);
    assert.deepEqual(m.decodeObject(payload(9)), { Multiplexor: 9 });
  });

  it('unselected signals are NaN in the output array', () => {
    const m = loadFixture('cantools/multiplex.dbc').messageById(0x123456, true)!;
    const out = new Float64Array(m.signals.length).fill(7);
    m.decode(hex('24 00 88 05 00 00 00 00'), 0, 8, out); // mux 9
    for (const s of m.signals) assert.equal(Number.isNaN(out[s.index]!), s.name !== 'Multiplexor', s.name);
  });

  it('extended multiplexing, cascaded switches (issue_184_extended_mux_cascaded.dbc)', () => {
    const m = loadFixture('cantools/issue_184_extended_mux_cascaded.dbc').messageById(1, true)!;
    // MUX_A = byte0; A=1 -> muxed_A_1 = byte1; A=2 -> muxed_A_2_MUX_B = byte1, a switch:
    // B=0 -> muxed_B_0 = byte2, B=1 -> muxed_B_1 = byte3. All signed 8-bit.
    assert.deepEqual(m.decodeObject(hex('02 01 05 07 00 00 00 00')), { MUX_A: 2, muxed_A_2_MUX_B: 1, muxed_B_1: 7 });
    assert.deepEqual(m.decodeObject(hex('02 00 fe 07 00 00 00 00')), { MUX_A: 2, muxed_A_2_MUX_B: 0, muxed_B_0: -2 });
    assert.deepEqual(m.decodeObject(hex('01 ff 05 07 00 00 00 00')), { MUX_A: 1, muxed_A_1: -1 });
    assert.deepEqual(m.decodeObject(hex('03 ff 05 07 00 00 00 00')), { MUX_A: 3 });
  });

  it('extended multiplexing, value ranges (issue_184_extended_mux_multiple_values.dbc)', () => {
    const m = loadFixture('cantools/issue_184_extended_mux_multiple_values.dbc').messageById(1, true)!;
    // muxed_0_3_4_5 selected by 0 and 3-5
    for (const v of [0, 3, 4, 5]) assert.deepEqual(m.decodeObject(hex(`0${v} 2a`)), { MUX: v, muxed_0_3_4_5: 42 });
    assert.deepEqual(m.decodeObject(hex('01 2a')), { MUX: 1, muxed_1: 42 });
    assert.deepEqual(m.decodeObject(hex('06 2a')), { MUX: 6 });
  });

  it('encoding writes only the selected branch', () => {
    const m = loadFixture('cantools/issue_184_extended_mux_cascaded.dbc').messageById(1, true)!;
    assert.deepEqual([...m.encode({ MUX_A: 2, muxed_A_2_MUX_B: 1, muxed_B_1: -3, muxed_A_1: 99 })], [2, 1, 0, 0xfd, 0, 0, 0, 0]);
    assert.throws(() => m.encode({ MUX_A: 2, muxed_A_2_MUX_B: 1 }), /muxed_B_1 .* has no value/);
  });
});
