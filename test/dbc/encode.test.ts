// Encoding (signals -> bytes): hand-checked frames, range errors, and decode(encode(x)) == x over every
// message of every shared DBC.
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { EncodeError, loadDbcSync, type Message } from '../../edge/dbc/index.js';
import { FIXTURES, hex, loadFixture } from './helpers.js';

describe('dbc: encoding', () => {
  it('motohawk ExampleMessage: the frame worked out in byte_order.test.ts', () => {
    const m = loadFixture('cantools/motohawk.dbc').messageByName('ExampleMessage')!;
    assert.deepEqual(m.encode({ Temperature: 250.55, AverageRadius: 3.2, Enable: 'Enabled' }), hex('c0 06 e0 00 00 00 00 00'));
    assert.deepEqual(m.encode({ Temperature: 250.55, AverageRadius: 3.2, Enable: 1 }), hex('c0 06 e0 00 00 00 00 00'));
  });

  it('padding_bit_order: both orders and 64-bit values from BigInt', () => {
    const db = loadFixture('cantools/padding_bit_order.dbc');
    assert.deepEqual(db.messageById(1, false)!.encode({ A: 0x2c9, B: 1, C: 0x2c9, D: 0 }), hex('82 c9 00 00 02 c9 00 00'));
    assert.deepEqual(db.messageById(2, false)!.encode({ E: 1, F: 0x2c9, G: 0, H: 0x2c9 }), hex('93 05 00 00 92 05 00 00'));
    assert.deepEqual(db.messageById(4, false)!.encode({ L: 0x0123456789abcdefn }), hex('01 23 45 67 89 ab cd ef'));
    assert.deepEqual(db.messageById(5, false)!.encode({ M: 0x0123456789abcdefn }), hex('ef cd ab 89 67 45 23 01'));
  });

  it('rejects values that do not fit, unknown labels, missing signals; strict checks [min|max]', () => {
    const m = loadFixture('cantools/motohawk.dbc').messageByName('ExampleMessage')!;
    assert.throws(() => m.encode({ Temperature: 250, AverageRadius: 7, Enable: 0 }), EncodeError); // raw 70 > 63
    assert.throws(() => m.encode({ Temperature: 250, AverageRadius: 0, Enable: 'Maybe' }), /no choice "Maybe"/);
    assert.throws(() => m.encode({ Temperature: 250 }), /AverageRadius .* has no value/);
    assert.deepEqual(m.encode({ Temperature: 250 }, { fill: true }), hex('00 00 00 00 00 00 00 00'));
    assert.throws(() => m.encode({ Temperature: 200, AverageRadius: 0, Enable: 0 }, { strict: true }), /below its minimum 229\.52/);
  });

  it('decode(encode(decode(frame))) reproduces every signal of every message of every shared DBC', () => {
    let seed = 99;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    let checked = 0;
    for (const dir of ['cantools', 'j1939', 'opendbc']) {
      for (const f of readdirSync(path.join(FIXTURES, dir)).filter((x) => /\.dbc$/i.test(x))) {
        const db = loadDbcSync(path.join(FIXTURES, dir, f), { strict: false });
        for (const m of db.messages) {
          if (m.signals.some((s) => s.bytesNeeded > m.length) || overlapping(m)) continue;
          for (let k = 0; k < 4; k++) {
            const frame = Uint8Array.from({ length: m.length }, () => Math.floor(rnd() * 256));
            const values = m.decodeObject(frame);
            const exact = Object.keys(values).filter((n) => {
              const s = m.signal(n)!;
              const v = values[n]!;
              if (typeof v === 'number' && Number.isNaN(v)) return false;
              if (s.valueType !== 'integer') return s.factor === 1 && s.offset === 0;
              return typeof v === 'bigint' || s.length <= 52;
            });
            if (exact.length !== Object.keys(values).length) continue;
            const again = m.decodeObject(m.encode(values));
            assert.deepEqual(again, values, `${dir}/${f} ${m.name} frame ${Buffer.from(frame).toString('hex')}`);
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 3000, `checked ${checked}`);
  });
});

function overlapping(m: Message): boolean {
  const seen = new Set<number>();
  for (const s of m.signals) {
    if (s.multiplexer !== undefined) continue;
    for (const g of s.segments) {
      for (let b = 0; b < g.width; b++) {
        const k = g.byte * 8 + g.shift + b;
        if (seen.has(k)) return true;
        seen.add(k);
      }
    }
  }
  return false;
}
