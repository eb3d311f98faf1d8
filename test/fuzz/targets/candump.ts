// candump -L lines: valid lines of every kind interleaved with mutated lines and garbage, fed to the
// streaming parser in random chunk splits. Holds when: nothing throws; every line is exactly one of
// blank, frame or warning; every warning names file:line of a line that exists; every generated
// valid line comes out as its frame (id, flags, bytes) at its line number, whatever garbage is
// around it; the chunking does not change what comes out.
import fc from 'fast-check';
import { CandumpParser, MAX_LINE, type CandumpSink } from '../../../edge/can/candump.js';
import { FrameFlag } from '../../../edge/can/frame.js';
import { mutate, mutationArb, target, timed } from '../harness.js';

const FILE = 'fuzz.log';
const FD_LENS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];

interface Expected {
  id: number;
  flags: number;
  data: string;
}
interface GenLine {
  text: string;
  /** set when the line is valid by construction */
  expect?: Expected;
}

const hex = (bytes: readonly number[], sep = ''): string => bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(sep);

const ts = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999 })).map(([s, u]) => `(${String(s).padStart(10, '0')}.${String(u).padStart(6, '0')})`);
const iface = fc.constantFrom('can0', 'can1', 'vcan0', 'slcan12', 'c');

const validLine: fc.Arbitrary<GenLine> = fc
  .record({
    ts,
    iface,
    pad: fc.constantFrom(' ', ' ', '  '),
    ext: fc.boolean(),
    id: fc.integer({ min: 0, max: 0x1fffffff }),
    kind: fc.constantFrom('classic', 'classic', 'fd', 'rtr'),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
    fdFlags: fc.integer({ min: 0, max: 3 }),
    dots: fc.boolean(),
    lower: fc.boolean(),
    crlf: fc.boolean(),
  })
  .map((r) => {
    const id = r.ext ? r.id : r.id & 0x7ff;
    const idText = r.ext ? id.toString(16).toUpperCase().padStart(8, '0') : id.toString(16).toUpperCase().padStart(3, '0');
    let body: string;
    let flags = r.ext ? FrameFlag.EXT : 0;
    let data: number[];
    if (r.kind === 'rtr') {
      data = [];
      body = `${idText}#R`;
      flags |= FrameFlag.RTR;
    } else if (r.kind === 'fd') {
      const len = FD_LENS.filter((l) => l <= r.bytes.length).at(-1)!;
      data = r.bytes.slice(0, len);
      body = `${idText}##${r.fdFlags.toString(16)}${hex(data)}`;
      flags |= FrameFlag.FD | (r.fdFlags & 1 ? FrameFlag.BRS : 0) | (r.fdFlags & 2 ? FrameFlag.ESI : 0);
    } else {
      data = r.bytes.slice(0, 8);
      body = `${idText}#${hex(data, r.dots ? '.' : '')}`;
    }
    if (r.lower) body = body.toLowerCase().replace(/#r$/, '#R');
    return { text: `${r.ts}${r.pad}${r.iface} ${body}${r.crlf ? '\r' : ''}`, expect: { id, flags, data: hex(data) } };
  });

/** bytes of a latin1 string, with no newline inside (a garbage line stays one line) */
const oneLine = (s: string): string => Array.from(s, (c) => (c.charCodeAt(0) & 0xff) === 10 ? ' ' : String.fromCharCode(c.charCodeAt(0) & 0xff)).join('');

const TOKENS = ['#', '##', '#R', '_E', '.', '(', ')', ' ', '\t', '\r', 'vcan0', '20000080', '123', '1FFFFFFF', 'FFFFFFFFFFFFFFFFFF', 'X', '-', '1e9', '0x'];
const garbageLine: fc.Arbitrary<GenLine> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(validLine, fc.array(mutationArb(TOKENS), { minLength: 1, maxLength: 3 })).map(([l, m]) => ({ text: oneLine(mutate(l.text, m)) })) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF#().R_ \t\rx'.split('')), maxLength: 60 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => ({ text: oneLine(s) })) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\r', '12 (1612345678.000000) can0 123#00', '(1.0) can0 123#00 T', '(1612345678.000000) can0 12345#00', 'x'.repeat(MAX_LINE + 5)).map((text) => ({ text })) },
);

interface Out {
  frames: Map<number, Expected>;
  warnings: Array<{ where: string; message: string }>;
  lines: number;
  malformed: number;
  blank: number;
}

function parse(buf: Buffer, cuts: readonly number[]): Out {
  const frames = new Map<number, Expected>();
  const warnings: Out['warnings'] = [];
  let parser: CandumpParser<number> | undefined;
  const sink: CandumpSink<number> = {
    lane: () => 0,
    frame: (_l, _t, id, flags, data, len) => {
      const line = parser!.lines;
      if (frames.has(line)) throw new Error(`two frames reported for line ${line}`);
      frames.set(line, { id, flags, data: flags & FrameFlag.RTR ? '' : hex(Array.from(data.subarray(0, len))) });
    },
  };
  parser = new CandumpParser(sink, { file: FILE, maxWarnings: Number.MAX_SAFE_INTEGER, onWarning: (w) => warnings.push(w) });
  let at = 0;
  for (const c of [...cuts.map((x) => Math.floor(x * buf.length))].sort((a, b) => a - b)) {
    parser.push(buf.subarray(at, c));
    at = c;
  }
  parser.push(buf.subarray(at));
  parser.end();
  return { frames, warnings, lines: parser.lines, malformed: parser.malformed, blank: parser.lines - parser.frames - parser.malformed };
}

export const candumpTarget = target<void>({
  name: 'candump',
  what: 'candump -L lines (valid, mutated, garbage) -> CandumpParser in random chunks',
  property: () =>
    fc.property(
      fc.array(fc.oneof({ weight: 2, arbitrary: validLine }, { weight: 1, arbitrary: garbageLine }), { minLength: 1, maxLength: 40 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      fc.boolean(),
      (lines, cuts, finalNewline) => {
        const text = lines.map((l) => l.text).join('\n') + (finalNewline ? '\n' : '');
        const buf = Buffer.from(text, 'latin1');
        const out = timed('candump parse', () => parse(buf, cuts));
        const whole = parse(buf, []);
        const expectLines = (text.match(/\n/g)?.length ?? 0) + (text.length > 0 && !text.endsWith('\n') ? 1 : 0);
        if (out.lines !== expectLines) throw new Error(`counted ${out.lines} lines, wrote ${expectLines}`);
        // every malformed line is reported once, by file:line of an existing line, not of a frame line
        if (out.warnings.length !== out.malformed) throw new Error(`${out.malformed} malformed but ${out.warnings.length} warnings`);
        const warned = new Set<number>();
        for (const w of out.warnings) {
          const m = /^fuzz\.log:(\d+)$/.exec(w.where);
          if (!m) throw new Error(`warning does not name file:line: ${JSON.stringify(w)}`);
          const n = Number(m[1]);
          if (n < 1 || n > lines.length || warned.has(n) || out.frames.has(n)) throw new Error(`warning for line ${n} of ${lines.length} (twice or also a frame): ${w.message}`);
          if (!/column \d+/.test(w.message)) throw new Error(`warning without a column: ${w.message}`);
          warned.add(n);
        }
        // good data around bad lines is never lost
        lines.forEach((l, i) => {
          if (!l.expect) return;
          const got = out.frames.get(i + 1);
          if (!got) throw new Error(`valid line ${i + 1} lost: ${JSON.stringify(l.text)}; ${JSON.stringify(out.warnings.find((w) => w.where === `${FILE}:${i + 1}`))}`);
          if (got.id !== l.expect.id || got.flags !== l.expect.flags || got.data !== l.expect.data) throw new Error(`line ${i + 1} ${JSON.stringify(l.text)}: got ${JSON.stringify(got)}, expected ${JSON.stringify(l.expect)}`);
        });
        // chunk boundaries do not change the frames nor which lines are reported (the reason may
        // differ for a line over MAX_LINE: across chunks it is "too long", within one the first fault)
        if (JSON.stringify([...whole.frames]) !== JSON.stringify([...out.frames]) || JSON.stringify(whole.warnings.map((w) => w.where)) !== JSON.stringify(out.warnings.map((w) => w.where))) throw new Error('chunked parse differs from whole-buffer parse');
        return true;
      },
    ),
});
