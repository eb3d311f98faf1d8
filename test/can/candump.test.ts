import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Batcher } from '../../edge/can/batcher.js';
import {
  BatcherSink,
  CandumpEncoder,
  CandumpParser,
  LogCollector,
  MAX_LINE,
  formatBatch,
  formatFrame,
  formatLog,
  parseCandump,
  type CandumpLog,
} from '../../edge/can/candump.js';
import { FrameFlag, fromFrames, payload, toFrames, type CanFrame, type FrameBatch } from '../../edge/can/frame.js';
import type { SourceWarning } from '../../edge/can/source.js';
import { BUNDLED, FIXTURES, SHARED, decompress, hasXz, refParseLine, type RefFrame } from './candump-ref.js';

const F = FrameFlag;

/** All frames of a parsed log in log order, with their interface and flags. */
function flat(log: CandumpLog): { iface: string; t: number; id: number; flags: number; len: number; dlc: number; data: number[] }[] {
  const cur = new Array<number>(log.batches.length).fill(0);
  return [...log.order].map((j) => {
    const b = log.batches[j]!;
    const i = cur[j]!++;
    return { iface: b.iface, t: b.t[i]!, id: b.id[i]!, flags: b.flags[i]!, len: b.len[i]!, dlc: b.dlc[i]!, data: [...payload(b, i)] };
  });
}

function one(line: string) {
  const log = parseCandump(Buffer.from(line + '\n'), { file: 't.log' });
  assert.deepEqual(log.warnings, [], `unexpected warning for ${line}`);
  assert.equal(log.frames, 1);
  return flat(log)[0]!;
}

/** Expected flags of a reference frame. */
function refFlags(r: RefFrame): number {
  let fl = 0;
  if (r.ext) fl |= F.EXT;
  if (r.err) fl |= F.ERR;
  if (r.rtr) fl |= F.RTR;
  if (r.fd) {
    fl |= F.FD;
    if (r.fdFlags & 1) fl |= F.BRS;
    if (r.fdFlags & 2) fl |= F.ESI;
    if (r.fdFlags & 4) fl |= F.FDF;
  }
  return fl;
}

/** Parses text with the parser under test and with the reference, and compares every frame. */
function agreeWithReference(text: string, file: string): number {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const ref = lines.map((l) => refParseLine(l));
  assert.ok(ref.every((r) => r !== null), `${file}: the reference could not read a line`);
  const log = parseCandump(Buffer.from(text, 'latin1'), { file });
  assert.equal(log.malformed, 0, `${file}: ${JSON.stringify(log.warnings.slice(0, 3))}`);
  const got = flat(log);
  assert.equal(got.length, ref.length);
  for (let k = 0; k < got.length; k++) {
    const r: RefFrame = ref[k]!;
    const g = got[k]!;
    const want: (typeof got)[number] = { iface: r.iface, t: r.t, id: r.id, flags: refFlags(r), len: r.len, dlc: r.dlc, data: r.data };
    if (JSON.stringify(g) !== JSON.stringify(want)) assert.deepEqual(g, want, `${file}:${k + 1}: ${lines[k]}`);
  }
  return got.length;
}

describe('candump -L reader: every variant, hand-checked', () => {
  it('classic standard id', () => {
    assert.deepEqual(one('(1436509052.249713) vcan0 123#11223344'), {
      iface: 'vcan0', t: 1436509052.249713, id: 0x123, flags: 0, len: 4, dlc: 0, data: [0x11, 0x22, 0x33, 0x44],
    });
  });
  it('no data, max standard id', () => {
    assert.deepEqual(one('(1436509052.000001) can0 7FF#'), { iface: 'can0', t: 1436509052.000001, id: 0x7ff, flags: 0, len: 0, dlc: 0, data: [] });
  });
  it('extended id (8 hex digits, below CAN_ERR_FLAG)', () => {
    assert.deepEqual(one('(1612543138.001000) vcan0 18FECA00#40FF5B000301FFFF'), {
      iface: 'vcan0', t: 1612543138.001, id: 0x18feca00, flags: F.EXT, len: 8, dlc: 0, data: [0x40, 0xff, 0x5b, 0x00, 0x03, 0x01, 0xff, 0xff],
    });
    // 8 digits with a small value is still extended (lib.c decides by digit count)
    assert.deepEqual(one('(1.000000) can0 00000123#01').flags, F.EXT);
    assert.equal(one('(1.000000) can0 1FFFFFFF#').id, 0x1fffffff);
  });
  it('remote request without and with requested length', () => {
    assert.deepEqual(one('(1.000000) can0 123#R'), { iface: 'can0', t: 1, id: 0x123, flags: F.RTR, len: 0, dlc: 0, data: [] });
    assert.deepEqual(one('(1.000000) can0 123#R5'), { iface: 'can0', t: 1, id: 0x123, flags: F.RTR, len: 5, dlc: 0, data: [] });
    assert.deepEqual(one('(1.000000) can0 12345678#r8'), { iface: 'can0', t: 1, id: 0x12345678, flags: F.EXT | F.RTR, len: 8, dlc: 0, data: [] });
    assert.deepEqual(one('(1.000000) can0 123#R8_E'), { iface: 'can0', t: 1, id: 0x123, flags: F.RTR, len: 8, dlc: 14, data: [] });
  });
  it('classic 8 bytes with raw DLC suffix (len8_dlc)', () => {
    assert.deepEqual(one('(1.000000) can0 123#1122334455667788_E'), {
      iface: 'can0', t: 1, id: 0x123, flags: 0, len: 8, dlc: 14, data: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88],
    });
    assert.equal(one('(1.000000) can0 123#1122334455667788_9').dlc, 9);
    assert.equal(one('(1.000000) can0 123#1122334455667788_f').dlc, 15);
  });
  it('CAN FD: flags digit BRS=1, ESI=2, FDF=4, and data up to 64 bytes', () => {
    assert.deepEqual(one('(1.000000) can0 123##0'), { iface: 'can0', t: 1, id: 0x123, flags: F.FD, len: 0, dlc: 0, data: [] });
    assert.deepEqual(one('(1.000000) can0 123##1112233'), { iface: 'can0', t: 1, id: 0x123, flags: F.FD | F.BRS, len: 3, dlc: 0, data: [0x11, 0x22, 0x33] });
    assert.equal(one('(1.000000) can0 123##2AA').flags, F.FD | F.ESI);
    assert.equal(one('(1.000000) can0 123##3AA').flags, F.FD | F.BRS | F.ESI);
    assert.equal(one('(1.000000) can0 123##4AA').flags, F.FD | F.FDF);
    assert.equal(one('(1.000000) can0 12345678##5AA').flags, F.EXT | F.FD | F.BRS | F.FDF);
    const big = Array.from({ length: 64 }, (_, i) => i * 3 + 1);
    const hex = big.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
    const f = one(`(1.000000) can0 123##1${hex}`);
    assert.equal(f.len, 64);
    assert.deepEqual(f.data, big);
    // FD frames may carry 12, 16 ... bytes: more than 8 is not an error there
    assert.equal(one(`(1.000000) can0 123##0${'AB'.repeat(12)}`).len, 12);
  });
  it('error frame: 8 digits with CAN_ERR_FLAG, id keeps the class bits', () => {
    // CAN_ERR_FLAG 0x20000000 | CAN_ERR_CRTL 0x4, data[1] = 0x04 rx-error-warning
    assert.deepEqual(one('(1.000000) can0 20000004#0004000000000000'), {
      iface: 'can0', t: 1, id: 0x4, flags: F.ERR, len: 8, dlc: 0, data: [0, 4, 0, 0, 0, 0, 0, 0],
    });
    assert.equal(one('(1.000000) can0 20000040#0000000000000000').id, 0x40); // bus-off
  });
  it('lower-case hex and dot separators as lib.c accepts them', () => {
    assert.deepEqual(one('(1.000000) can0 1ab#de.ad.be.ef'), { iface: 'can0', t: 1, id: 0x1ab, flags: 0, len: 4, dlc: 0, data: [0xde, 0xad, 0xbe, 0xef] });
    assert.deepEqual(one('(1.000000) can0 123##1.11.22').data, [0x11, 0x22]);
  });
  it('timestamps: the double nearest to the written decimal (what parseFloat gives)', () => {
    for (const ts of ['1436509052.249713', '0000000000.000000', '1627274455.012500', '9999999999.999999', '1.5', '12.123456789']) {
      assert.equal(one(`(${ts}) c 123#`).t, parseFloat(ts), ts);
    }
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 2000; k++) {
      const sec = Math.floor(rnd() * 4e9);
      const usec = Math.floor(rnd() * 1e6);
      const ts = `${String(sec).padStart(10, '0')}.${String(usec).padStart(6, '0')}`;
      const line = `(${ts}) can0 123#`;
      const f = one(line);
      assert.equal(f.t, parseFloat(ts), ts);
      assert.equal(formatLog(parseCandump(Buffer.from(line + '\n'))).toString(), line + '\n');
    }
  });
});

describe('candump -L reader: what real logs contain', () => {
  it('CRLF, blank lines, blanks around, padded interface names, candump -x direction mark', () => {
    const text = [
      '(1.000000)  can0 123#01\r',
      '',
      '   ',
      '  (2.000000) vcan10 124#02  ',
      '(3.000000) can0 125#03 R',
      '(4.000000) can0 126#R T',
      '(5.000000)\tcan0\t127#04',
    ].join('\n');
    const log = parseCandump(Buffer.from(text), { file: 'x.log' });
    assert.deepEqual(log.warnings, []);
    assert.equal(log.lines, 7);
    assert.deepEqual(
      flat(log).map((f) => [f.iface, f.t, f.id, f.flags, f.data]),
      [
        ['can0', 1, 0x123, 0, [1]],
        ['vcan10', 2, 0x124, 0, [2]],
        ['can0', 3, 0x125, 0, [3]],
        ['can0', 4, 0x126, F.RTR, []],
        ['can0', 5, 0x127, 0, [4]],
      ],
    );
  });
  it('a leading line counter, as in pretty_j1939 test logs', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'pretty_j1939', 'test_priority.log'), 'latin1');
    // hand-read: "1 (1612543138.000000) vcan0 0CF00400#0041FF20481400F0" and two more with 18F00400, 1CF00400
    const log = parseCandump(Buffer.from(text), { file: 'test_priority.log' });
    assert.deepEqual(log.warnings, []);
    const got = flat(log);
    assert.deepEqual(got.map((f) => f.id), [0x0cf00400, 0x18f00400, 0x1cf00400]);
    assert.deepEqual(got.map((f) => f.t), [1612543138, 1612543138.001, 1612543138.002]);
    assert.deepEqual(got[0]!.data, [0x00, 0x41, 0xff, 0x20, 0x48, 0x14, 0x00, 0xf0]);
  });
  it('all pretty_j1939 logs agree with the reference reader', () => {
    for (const f of ['candump.log', 'test_dm1.log', 'test_tp_frames.txt', 'test_mfr_spec.log']) {
      let text = fs.readFileSync(path.join(FIXTURES, 'pretty_j1939', f), 'latin1');
      text = text.replace(/^\d+ /gm, ''); // the reference does not take the counter column
      assert.ok(agreeWithReference(text, f) > 0);
    }
  });
  it('real CANedge logs (fixtures and the bundled car drive) agree with the reference reader', function () {
    if (!hasXz()) this.skip();
    let n = 0;
    for (const f of fs.readdirSync(path.join(FIXTURES, 'css-electronics')).filter((x) => x.endsWith('.xz'))) {
      n += agreeWithReference(decompress(path.join(FIXTURES, 'css-electronics', f)).toString('latin1'), f);
    }
    n += agreeWithReference(decompress(BUNDLED).toString('latin1'), path.basename(BUNDLED));
    assert.ok(n > 65296);
  });
});

describe('candump -L reader: malformed lines', () => {
  const good = '(1.000000) can0 100#AA';
  const cases: [string, RegExp][] = [
    ['garbage', /timestamp/],
    ['1436509052.249713 can0 123#11', /timestamp/],
    ['(1436509052) can0 123#11', /timestamp/],
    ['(14365x9052.249713) can0 123#11', /timestamp/],
    ['(1.000000)can0 123#11', /interface/],
    ['(1.000000) can0', /missing CAN frame/],
    ['(1.000000) can0 12311', /missing CAN frame/],
    ['(1.000000) can0 12G#11', /CAN id: not a hex digit/],
    ['(1.000000) can0 1234#11', /3 \(standard\) or 8/],
    ['(1.000000) can0 800#11', /above 0x7FF/],
    ['(1.000000) can0 80000123#11', /bits above the 29-bit id/],
    ['(1.000000) can0 40000123#11', /bits above the 29-bit id/],
    ['(1.000000) can0 12345#80:00:11223344#11', /CAN XL/],
    ['(1.000000) can0 123#R9', /remote request: length/],
    ['(1.000000) can0 123#R5_E', /raw DLC/],
    ['(1.000000) can0 123#R8x', /unexpected characters/],
    ['(1.000000) can0 123##8AA', /flags digit/],
    ['(1.000000) can0 123##', /flags digit/],
    ['(1.000000) can0 123#11ZZ', /not a hex digit/],
    ['(1.000000) can0 123#112', /odd number/],
    ['(1.000000) can0 123#112233445566778899', /too many bytes/],
    [`(1.000000) can0 123##0${'00'.repeat(65)}`, /too many bytes/],
    ['(1.000000) can0 123#11223344556677_E', /raw DLC/],
    ['(1.000000) can0 123#1122334455667788_8', /raw DLC/],
    ['(1.000000) can0 123#1122334455667788_', /raw DLC/],
    ['(1.000000) can0 123##01122334455667788_E', /raw DLC/],
    ['(1.000000) can0 123#1122334455667788_EE', /unexpected characters/],
  ];
  for (const [bad, why] of cases) {
    it(`reports and skips ${JSON.stringify(bad.length > 50 ? bad.slice(0, 50) + '...' : bad)}`, () => {
      const text = `${good}\n${bad}\n(2.000000) can0 101#BB\n`;
      const log = parseCandump(Buffer.from(text), { file: 'drive.log' });
      assert.equal(log.malformed, 1);
      assert.equal(log.warnings.length, 1);
      assert.equal(log.warnings[0]!.where, 'drive.log:2');
      assert.match(log.warnings[0]!.message, why);
      assert.ok(log.warnings[0]!.message.includes(bad.slice(0, 40)), 'the message quotes the line');
      assert.deepEqual(flat(log).map((f) => [f.id, f.data]), [[0x100, [0xaa]], [0x101, [0xbb]]]);
    });
  }
  it('binary junk and an endless line are skipped, never thrown', () => {
    const junk = Buffer.alloc(MAX_LINE * 3, 0x41);
    const parts = [Buffer.from(`${good}\n`), Buffer.from([0, 1, 2, 0xff, 10]), junk, Buffer.from(`\n(2.000000) can0 101#BB\n`)];
    const warnings: SourceWarning[] = [];
    const col = new LogCollector();
    const p = new CandumpParser(col, { file: 'j.log', onWarning: (w) => warnings.push(w) });
    for (const part of parts) for (let o = 0; o < part.length; o += 1000) p.push(part.subarray(o, o + 1000));
    p.end();
    assert.equal(p.frames, 2);
    assert.equal(p.malformed, 2);
    assert.deepEqual(warnings.map((w) => w.where), ['j.log:2', 'j.log:3']);
    assert.match(warnings[1]!.message, /longer than/);
    const out = col.take();
    assert.deepEqual([...out.batches[0]!.id], [0x100, 0x101]);
  });
  it('counts every malformed line but reports only the first maxWarnings', () => {
    const text = Array.from({ length: 50 }, (_, i) => `(${i}.000000) can0 XYZ#\n(${i}.500000) can0 123#01`).join('\n');
    const log = parseCandump(Buffer.from(text), { file: 'm.log', maxWarnings: 5 });
    assert.equal(log.malformed, 50);
    assert.equal(log.frames, 50);
    assert.equal(log.warnings.length, 5);
    assert.deepEqual(log.warnings.map((w) => w.where), ['m.log:1', 'm.log:3', 'm.log:5', 'm.log:7', 'm.log:9']);
    assert.match(log.warnings[4]!.message, /further malformed lines/);
  });
  it('gives the same result whatever the chunk boundaries (line numbers included)', () => {
    const text = Buffer.from(
      '(1.000000) can0 123#11223344\n(2.000000) can1 12345678##5AABB\nbad line\r\n(3.000000) can0 123#R8_F\n\n(4.000000) can0 20000004#0004000000000000',
    );
    const whole = parseCandump(text, { file: 'c.log' });
    for (let size = 1; size <= text.length; size++) {
      const warnings: SourceWarning[] = [];
      const col = new LogCollector();
      const p = new CandumpParser(col, { file: 'c.log', onWarning: (w) => warnings.push(w) });
      for (let o = 0; o < text.length; o += size) p.push(text.subarray(o, o + size));
      p.end();
      const log = { ...col.take(), lines: p.lines, malformed: p.malformed, warnings };
      assert.deepEqual(flat(log), flat(whole), `chunk size ${size}`);
      assert.deepEqual(warnings, whole.warnings);
      assert.equal(p.lines, 6);
    }
  });
});

describe('candump -L writer', () => {
  const d = (...b: number[]): Uint8Array => Uint8Array.from(b);
  it('writes each variant as candump does', () => {
    const cases: [CanFrame, string][] = [
      [{ t: 1436509052.249713, id: 0x123, ext: false, fd: false, data: d(0x11, 0x22, 0x33, 0x44) }, '(1436509052.249713) vcan0 123#11223344'],
      [{ t: 1, id: 0x7, ext: false, fd: false, data: d() }, '(0000000001.000000) vcan0 007#'],
      [{ t: 1.5, id: 0x1abcdef, ext: true, fd: false, data: d(0xab) }, '(0000000001.500000) vcan0 01ABCDEF#AB'],
      [{ t: 2, id: 0x123, ext: false, fd: false, rtr: true, data: d() }, '(0000000002.000000) vcan0 123#R'],
      [{ t: 2, id: 0x123, ext: false, fd: false, rtr: true, dlc: 5, data: d() }, '(0000000002.000000) vcan0 123#R5'],
      [{ t: 2, id: 0x123, ext: false, fd: false, data: d(1, 2, 3, 4, 5, 6, 7, 8), dlc: 12 }, '(0000000002.000000) vcan0 123#0102030405060708_C'],
      [{ t: 3, id: 0x123, ext: false, fd: true, brs: true, data: d(0x11, 0x22, 0x33) }, '(0000000003.000000) vcan0 123##1112233'],
      [{ t: 3, id: 0x123, ext: false, fd: true, esi: true, data: d() }, '(0000000003.000000) vcan0 123##2'],
      [{ t: 3, id: 0x12345678, ext: true, fd: true, brs: true, esi: true, data: d(0) }, '(0000000003.000000) vcan0 12345678##300'],
      [{ t: 4, id: 0x4, ext: false, fd: false, err: true, data: d(0, 4, 0, 0, 0, 0, 0, 0) }, '(0000000004.000000) vcan0 20000004#0004000000000000'],
    ];
    for (const [f, line] of cases) assert.equal(formatFrame(f, 'vcan0'), line);
  });
  it('rounds to whole microseconds and carries into the seconds', () => {
    assert.equal(formatFrame({ t: 1.9999996, id: 1, ext: false, fd: false, data: d() }, 'c'), '(0000000002.000000) c 001#');
    assert.equal(formatFrame({ t: 12345678901.25, id: 1, ext: false, fd: false, data: d() }, 'c'), '(12345678901.250000) c 001#');
  });
  it('pads interface names when asked, as candump does with several interfaces', () => {
    const f: CanFrame = { t: 1, id: 1, ext: false, fd: false, data: d() };
    assert.equal(formatFrame(f, 'can0', { ifaceWidth: 6 }), '(0000000001.000000)   can0 001#');
  });
  it('writes a batch; batch -> lines -> batch is lossless', () => {
    const frames: CanFrame[] = [
      { t: 10.000001, id: 0x7e8, ext: false, fd: false, data: d(3, 0x41, 0x0d, 0x20) },
      { t: 10.5, id: 0x18feca00, ext: true, fd: false, data: d(0x40, 0xff) },
      { t: 11, id: 0x100, ext: false, fd: false, rtr: true, dlc: 3, data: d() },
      { t: 12, id: 0x100, ext: false, fd: true, brs: true, data: new Uint8Array(48).fill(0x5a) },
    ];
    const text = formatBatch(fromFrames('v', 'can0', frames));
    const back = parseCandump(text, { vehicle: 'v' });
    assert.equal(back.batches.length, 1);
    assert.deepEqual(toFrames(back.batches[0]!), frames);
  });
});

describe('candump -L round trip (read -> write) is byte-exact', () => {
  it('every variant', () => {
    const text =
      [
        '(1436509052.249713) vcan0 123#11223344',
        '(1436509052.249714) vcan0 12345678#',
        '(1436509052.249715) vcan0 123#R',
        '(1436509052.249716) vcan0 123#R5',
        '(1436509052.249717) vcan0 123#R8_9',
        '(1436509052.249718) vcan0 123#1122334455667788_E',
        '(1436509052.249719) can1 123##0',
        '(1436509052.249720) can1 123##1112233',
        '(1436509052.249721) can1 1FFFFFFF##2' + 'AB'.repeat(64),
        '(1436509052.249722) can1 123##4AA',
        '(1436509052.249723) can1 123##7AA',
        '(1436509052.249724) vcan0 20000004#0004000000000000',
        '(1436509052.249725) vcan0 200000FF#',
        '(0000000000.000000) vcan0 000#00',
      ].join('\n') + '\n';
    const log = parseCandump(Buffer.from(text));
    assert.equal(log.malformed, 0);
    assert.equal(formatLog(log).toString('latin1'), text);
  });
  it('padded interface names come back with the same width', () => {
    const text = '(0000000001.000000)   can0 123#01\n(0000000001.000001) vcan10 123#02\n';
    assert.equal(formatLog(parseCandump(Buffer.from(text)), { ifaceWidth: 6 }).toString(), text);
  });
  it('the bundled car drive (65,296 lines, two interfaces interleaved)', () => {
    const raw = decompress(BUNDLED);
    const log = parseCandump(raw);
    assert.equal(log.frames, raw.toString('latin1').split('\n').filter(Boolean).length);
    assert.ok(formatLog(log).equals(raw));
  });
  it('every shared real log, decompressed', function () {
    if (!fs.existsSync(SHARED) || !hasXz()) this.skip();
    this.timeout(60000);
    const dirs = fs.readdirSync(SHARED).map((d) => path.join(SHARED, d));
    let files = 0;
    for (const dir of dirs) {
      for (const f of fs.readdirSync(dir).filter((x) => /\.(log|txt)(\.xz)?$/.test(x))) {
        const raw = decompress(path.join(dir, f));
        if (/^\d+ \(/m.test(raw.toString('latin1'))) continue; // counter column: tolerated, normalised
        const log = parseCandump(raw, { file: f });
        assert.equal(log.malformed, 0, f);
        const enc = new CandumpEncoder();
        enc.log(log);
        assert.ok(enc.take().equals(raw), `${f} differs after the round trip`);
        files++;
      }
    }
    assert.ok(files >= 10, `only ${files} files checked`);
  });
});

describe('candump -L straight into a Batcher (the ingest fast path)', () => {
  it('per-interface batches, renamed and filtered, equal the log', () => {
    const raw = decompress(BUNDLED);
    const batches: FrameBatch[] = [];
    const batcher = new Batcher('seat', { maxFrames: 1000, maxAgeMs: 0 }, (b) => batches.push(b));
    const p = new CandumpParser(new BatcherSink(batcher, (i) => (i === 'can1' ? 'gnss' : undefined)), { file: 'drive' });
    for (let o = 0; o < raw.length; o += 65536) p.push(raw.subarray(o, o + 65536));
    p.end();
    batcher.flush();
    const want = raw
      .toString('latin1')
      .split('\n')
      .filter((l) => l.includes(' can1 '))
      .map((l) => refParseLine(l)!);
    assert.ok(want.length > 50000);
    assert.ok(batches.every((b) => b.iface === 'gnss' && b.vehicle === 'seat' && b.count <= 1000));
    const got = batches.flatMap((b) => toFrames(b));
    assert.equal(got.length, want.length);
    for (let k = 0; k < got.length; k++) {
      const g = got[k]!;
      const r = want[k]!;
      if (g.t !== r.t || g.id !== r.id || g.ext !== r.ext || Buffer.compare(Buffer.from(g.data), Buffer.from(r.data)) !== 0) {
        assert.fail(`frame ${k}: ${JSON.stringify(g)} vs ${JSON.stringify(r)}`);
      }
    }
  });
});
