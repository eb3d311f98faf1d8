// IEEE float/double signals (SIG_VALTYPE_ 1/2), both byte orders, with scale/offset applied.
import { strict as assert } from 'node:assert';
import { parseDbc } from '../../edge/dbc/index.js';
import { hex, loadFixture } from './helpers.js';

describe('dbc: IEEE float signals', () => {
  const db = loadFixture('cantools/floating_point.dbc');

  it('double, Intel: 1.5 is 0x3ff8000000000000 stored little-endian', () => {
    const m = db.messageById(1024, false)!;
    assert.equal(m.signals[0]!.valueType, 'double');
    assert.deepEqual(m.decodeObject(hex('00 00 00 00 00 00 f8 3f')), { Signal1: 1.5 });
  });

  it('two singles, Intel: 1.0f = 0x3f800000, -2.5f = 0xc0200000', () => {
    const m = db.messageById(1025, false)!;
    assert.deepEqual(m.decodeObject(hex('00 00 80 3f 00 00 20 c0')), { Signal1: 1, Signal2: -2.5 });
  });

  it('Motorola single and double with scale and offset', () => {
    const text = [
      'BO_ 5 F: 12 X',
      ' SG_ S : 7|32@0- (2,1) [0|0] "" X',
      ' SG_ D : 39|64@0- (1,0) [0|0] "" X',
      'SIG_VALTYPE_ 5 S : 1;',
      'SIG_VALTYPE_ 5 D : 2;',
    ].join('\n');
    const m = parseDbc(text, 'inline.dbc').messageById(5, false)!;
    // S = 1.0f big-endian (3f 80 00 00) * 2 + 1 = 3; D = -0.25 = 0xbfd0000000000000 big-endian
    assert.deepEqual(m.decodeObject(hex('3f 80 00 00 bf d0 00 00 00 00 00 00')), { S: 3, D: -0.25 });
  });

  it('a float signal that is not 32 bits long is an error at its SIG_VALTYPE_ line', () => {
    assert.throws(
      () => parseDbc('BO_ 5 F: 8 X\n SG_ S : 0|16@1- (1,0) [0|0] "" X\nSIG_VALTYPE_ 5 S : 1;\n', 'f.dbc'),
      /f\.dbc:3:1: error: The signal S is IEEE float but 16 bits long/,
    );
  });
});
