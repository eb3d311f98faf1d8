// DBC text: the real DBC fixtures mutated (bytes, tokens, lines), and DBCs generated from the grammar
// with arbitrary layouts (start bit, length, byte order, sign, float, scale, multiplexing, ids).
// Holds when: parseDbc throws nothing but DbcSyntaxError (file:line:col inside the text) or, when
// strict, DbcSemanticError (every problem at file:line:col inside the text); a lenient load never
// throws DbcSemanticError; every problem of a loaded database is placed; the compiled decoder of
// every message decodes payloads of every length without throwing.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { DbcSemanticError, DbcSyntaxError, parseDbc, type Database, type DbcProblem } from '../../../edge/dbc/index.js';
import { mutate, mutationArb, target, timed } from '../harness.js';

const FILE = 'fuzz.dbc';
const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/dbc');

function fixtureTexts(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.dbc$/i.test(e.name) && fs.statSync(p).size < 24_000) out.push(fs.readFileSync(p, 'latin1'));
    }
  };
  walk(FIXTURES);
  return out.sort();
}

const TOKENS = ['BO_ ', 'SG_ ', ' M ', ' m0 ', 'm1M ', 'SG_MUL_VAL_ ', 'VAL_ ', 'BA_ ', 'BA_DEF_ ', 'CM_ ', 'VERSION ', 'NS_ :', 'BS_:', 'BU_:', ':', ';', '|', '@', '@0+', '@1-', '(', ')', ',', '[', ']', '"', '"\\"', '0', '-1', '4294967295', '2147483648', '99999999999999999999', '1e308', '-1e-308', 'NaN', '\n', '\r\n', ' ', 'Vector__XXX', 'SIG_VALTYPE_ ', 'BO_TX_BU_ ', 'EV_ ', 'VFrameFormat', '64', '65', '512'];

interface GenSignal {
  name: string;
  start: number;
  len: number;
  order: 0 | 1;
  signed: boolean;
  factor: number;
  offset: number;
  mux: string;
}

const signalArb: fc.Arbitrary<GenSignal> = fc.record({
  name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/),
  start: fc.integer({ min: 0, max: 520 }),
  len: fc.integer({ min: 0, max: 70 }),
  order: fc.constantFrom<0 | 1>(0, 1),
  signed: fc.boolean(),
  factor: fc.oneof(fc.constantFrom(1, 0.1, 0.01, -1, 0, 1e-9), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
  offset: fc.oneof(fc.constant(0), fc.double({ min: -1e9, max: 1e9, noNaN: true })),
  mux: fc.constantFrom('', '', '', ' M', ' m0', ' m1', ' m2M', ' m300'),
});

const messageArb = fc.record({
  id: fc.oneof(fc.integer({ min: 0, max: 0x7ff }), fc.integer({ min: 0x80000000, max: 0x9fffffff }), fc.integer({ min: 0, max: 0xffffffff })),
  name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
  len: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64, 65),
  signals: fc.array(signalArb, { maxLength: 8 }),
  floats: fc.array(fc.tuple(fc.nat(7), fc.constantFrom(1, 2)), { maxLength: 2 }),
  fd: fc.boolean(),
  choices: fc.array(fc.tuple(fc.nat(7), fc.integer({ min: -5, max: 1e6 }), fc.string({ maxLength: 8 }).map((s) => s.replace(/["\\]/g, ''))), { maxLength: 3 }),
});

type GenMessage = typeof messageArb extends fc.Arbitrary<infer T> ? T : never;

function generated(msgs: readonly GenMessage[]): string {
  const lines = ['VERSION ""', '', 'NS_ :', '', 'BS_:', '', 'BU_: ECU', ''];
  const tail: string[] = ['BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","StandardCAN_FD","ExtendedCAN_FD";'];
  msgs.forEach((m, mi) => {
    lines.push(`BO_ ${m.id} ${m.name}${mi}: ${m.len} ECU`);
    m.signals.forEach((s, si) => lines.push(` SG_ ${s.name}${si}${s.mux} : ${s.start}|${s.len}@${s.order}${s.signed ? '-' : '+'} (${s.factor},${s.offset}) [0|0] "" ECU`));
    lines.push('');
    for (const [si, t] of m.floats) if (si < m.signals.length) tail.push(`SIG_VALTYPE_ ${m.id} ${m.signals[si]!.name}${si} : ${t};`);
    for (const [si, v, label] of m.choices) if (si < m.signals.length) tail.push(`VAL_ ${m.id} ${m.signals[si]!.name}${si} ${v} "${label}" ;`);
    if (m.fd) tail.push(`BA_ "VFrameFormat" BO_ ${m.id} ${m.id >= 0x80000000 ? 3 : 2};`);
  });
  return [...lines, ...tail, ''].join('\n');
}

function checkPlaced(p: { file: string; line: number; column: number }, lineCount: number, what: string): void {
  if (p.file !== FILE || !Number.isInteger(p.line) || p.line < 1 || p.line > lineCount + 1 || !Number.isInteger(p.column) || p.column < 1) {
    throw new Error(`${what} not placed inside the text (${lineCount} lines): ${p.file}:${p.line}:${p.column}`);
  }
}

function decodeAll(db: Database, payload: Uint8Array): void {
  for (const m of db.messages.slice(0, 40)) {
    const out = new Float64Array(m.signals.length);
    for (const len of [0, 1, Math.min(8, payload.length), Math.min(m.length, payload.length), payload.length]) {
      m.decode(payload, 0, len, out);
    }
    m.decodeObject(payload.subarray(0, Math.min(m.length, payload.length)), { choices: true });
  }
}

export const dbcTarget = target<{ seeds: string[] }>({
  name: 'dbc',
  what: 'DBC text (fixtures mutated, grammar-generated layouts) -> parseDbc strict and lenient -> compiled decoders',
  setup: () => ({ seeds: fixtureTexts() }),
  property: ({ seeds }) =>
    fc.property(
      fc.oneof(
        { weight: 3, arbitrary: fc.tuple(fc.nat(seeds.length - 1), fc.array(mutationArb(TOKENS), { minLength: 1, maxLength: 6 })).map(([i, m]) => mutate(seeds[i]!, m)) },
        { weight: 2, arbitrary: fc.array(messageArb, { minLength: 1, maxLength: 4 }).map((msgs) => generated(msgs)) },
        { weight: 1, arbitrary: fc.tuple(fc.array(messageArb, { minLength: 1, maxLength: 3 }), fc.array(mutationArb(TOKENS), { minLength: 1, maxLength: 4 })).map(([msgs, m]) => mutate(generated(msgs), m)) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
      ),
      fc.uint8Array({ minLength: 0, maxLength: 64 }),
      (text, payload) => {
        const lineCount = text.split('\n').length;
        for (const strict of [true, false]) {
          let db: Database | undefined;
          try {
            db = timed(`parseDbc strict=${strict}`, () => parseDbc(text, FILE, { strict }));
          } catch (e) {
            if (e instanceof DbcSyntaxError) {
              checkPlaced(e, lineCount, 'syntax error');
              if (!e.message.startsWith(`${FILE}:${e.line}:${e.column}: `)) throw new Error(`syntax error message does not start with file:line:col: ${e.message}`);
              continue;
            }
            if (e instanceof DbcSemanticError && strict) {
              if (e.problems.filter((p) => p.severity === 'error').length === 0) throw new Error('DbcSemanticError without an error');
              e.problems.forEach((p: DbcProblem) => checkPlaced(p, lineCount, `problem "${p.message}"`));
              continue;
            }
            throw e;
          }
          db.problems.forEach((p) => checkPlaced(p, lineCount, `problem "${p.message}"`));
          timed('decode', () => decodeAll(db, payload));
        }
        return true;
      },
    ),
});
