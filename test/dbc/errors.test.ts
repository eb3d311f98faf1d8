// Broken DBC text: every error names file:line:column and what was expected; garbage never crashes
// with anything but a DBC error.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { DbcSemanticError, DbcSyntaxError, loadDbc, parseDbc } from '../../edge/dbc/index.js';
import { fixture, loadFixture } from './helpers.js';

function syntaxError(text: string): DbcSyntaxError {
  try {
    parseDbc(text, 'x.dbc');
  } catch (e) {
    if (e instanceof DbcSyntaxError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('dbc: errors', () => {
  it('points at the token that is wrong (cantools\' parse error cases)', () => {
    let e = syntaxError('abc');
    assert.deepEqual([e.line, e.column, e.excerpt], [1, 1, '>>!<<abc']);
    assert.match(e.message, /^x\.dbc:1:1: invalid syntax: expected a DBC keyword/);

    e = syntaxError('VERSION "1.0"\nBO_ dssd\n');
    assert.deepEqual([e.line, e.column, e.excerpt], [2, 5, 'BO_ >>!<<dssd']);
    assert.match(e.expected, /message id/);

    e = syntaxError('VERSION "1.0"\nBO_ 546 EMV_Stati 8 EMV_Statusmeldungen\n');
    assert.deepEqual([e.line, e.column, e.expected, e.found], [2, 19, "':'", 'number 8']);
    assert.equal(e.excerpt, 'BO_ 546 EMV_Stati >>!<<8 EMV_Statusmeldungen');

    e = syntaxError('CM_ BO_ "Foo.";');
    assert.deepEqual([e.line, e.column], [1, 9]);
  });

  it('signal lines: a missing parenthesis, a bad byte order, a bad multiplexer indicator', () => {
    const msg = 'BO_ 1 M: 8 X\n';
    let e = syntaxError(msg + ' SG_ S : 0|8@1+ (1,0 [0|1] "" X\n');
    assert.deepEqual([e.line, e.column, e.expected], [2, 22, "')'"]);
    e = syntaxError(msg + ' SG_ S : 0|8@2+ (1,0) [0|1] "" X\n');
    assert.deepEqual([e.line, e.column], [2, 14]);
    e = syntaxError(msg + ' SG_ S x3 : 0|8@1+ (1,0) [0|1] "" X\n');
    assert.deepEqual([e.line, e.column], [2, 8]);
    assert.match(e.expected, /multiplexer indicator/);
  });

  it('an unterminated string is reported where it opens; a stray character where it is', () => {
    let e = syntaxError('VERSION "1.0"\nCM_ "never closed;\nBO_ 1 M: 8 X\n');
    assert.deepEqual([e.line, e.column, e.found], [2, 5, 'end of file']);
    e = syntaxError('BO_ 1 M: 8 X\n SG_ S : 0|8@1+ (1,0) [0|1] "" X #\n');
    assert.deepEqual([e.line, e.column], [2, 34]);
    assert.match(e.found, /U\+0023/);
  });

  it('cantools\' deliberately broken files are rejected with cantools\' messages and the line', () => {
    const cases: Array<[string, RegExp]> = [
      ['bad_message_length.dbc', /bad_message_length\.dbc:40:2: error: The signal Signal1 does not fit in message Message1\./],
      ['issue_63.dbc', /issue_63\.dbc:39:2: error: The signals HtrRes and MaxRes are overlapping in message AFT1PSI2\./],
      ['issue_199.dbc', /issue_199\.dbc:45:1: error: Standard frame id 0x10630000 is more than 11 bits in message DriverDoorStatus\./],
      ['issue_199_extended.dbc', /issue_199_extended\.dbc:45:1: error: Extended frame id 0x7fffffff is more than 29 bits in message DriverDoorStatus\./],
    ];
    for (const [f, re] of cases) {
      assert.throws(() => loadFixture(`cantools/${f}`), (e: unknown) => e instanceof DbcSemanticError && re.test(e.message), f);
    }
  });

  it('with strict: false the same files load, the problems listed, what fits still decodes', () => {
    const db = loadFixture('cantools/bad_message_length.dbc', { strict: false });
    assert.equal(db.problems.length, 1);
    assert.equal(db.problems[0]!.severity, 'error');
    const m = db.messageById(1, false)!;
    const out = new Float64Array(1);
    assert.equal(m.decode(new Uint8Array([0x24]), 0, 1, out), 1); // Signal1 is bit 8: beyond a 1-byte frame
    assert.ok(Number.isNaN(out[0]!));
    const ids = loadFixture('cantools/issue_199.dbc', { strict: false });
    assert.equal(ids.messageByName('DriverDoorStatus')!.idValid, false);
    assert.equal(ids.messageById(0x10630000, false), undefined);
  });

  it('absurd numbers (huge lengths, starts, message sizes, scales) are problems, not hangs or crashes', () => {
    const text = [
      'BO_ 1 Huge: 4000000000 X',
      ' SG_ A : 0|4000000000@1+ (1,0) [0|0] "" X',
      ' SG_ B : 4000000000|8@0- (1,0) [0|0] "" X',
      ' SG_ C : 0|8@1+ (1e999,0) [0|0] "" X',
      'SG_MUL_VAL_ 1 A C 0-4000000000;',
    ].join('\n');
    assert.throws(() => parseDbc(text, 'huge.dbc'), DbcSemanticError);
    const db = parseDbc(text, 'huge.dbc', { strict: false });
    const m = db.messageById(1, false)!;
    const out = new Float64Array(3);
    m.decode(new Uint8Array(8).fill(1), 0, 8, out);
    assert.ok(out.every((v) => Number.isNaN(v)));
    assert.throws(() => m.encode({ A: 1, B: 1, C: 1 }), /not encodable/);
  });

  it('odd multiplexing: a switch without M, a switch cycle, a signal that selects itself', () => {
    const text = [
      'BO_ 1 M: 8 X',
      ' SG_ Sw : 0|8@1+ (1,0) [0|0] "" X',
      ' SG_ A m1 : 8|8@1+ (1,0) [0|0] "" X',
      ' SG_ B m1 : 16|8@1+ (1,0) [0|0] "" X',
      ' SG_ C m1 : 24|8@1+ (1,0) [0|0] "" X',
      ' SG_ D m1 : 32|8@1+ (1,0) [0|0] "" X',
      'SG_MUL_VAL_ 1 A Sw 1-1;',
      'SG_MUL_VAL_ 1 B C 1-1;',
      'SG_MUL_VAL_ 1 C B 1-1;',
      'SG_MUL_VAL_ 1 D D 1-1;',
    ].join('\n');
    const m = parseDbc(text, 'mux.dbc', { strict: false }).messageById(1, false)!;
    // Sw (no M) still selects A; B and C select each other: never decided, so never selected
    assert.deepEqual(m.decodeObject(new Uint8Array([1, 2, 3, 4, 5, 0, 0, 0])), { Sw: 1, A: 2, D: 5 });
    assert.deepEqual(m.decodeObject(new Uint8Array([0, 2, 3, 4, 5, 0, 0, 0])), { Sw: 0, D: 5 });
  });

  it('a missing file is a rejected promise, not a crash', async () => {
    await assert.rejects(loadDbc(fixture('cantools/no-such-file.dbc')), /ENOENT/);
  });

  it('mutated files only ever throw DBC errors (seeded fuzz)', () => {
    const base = readFileSync(fixture('cantools/multiplex_choices.dbc'), 'latin1');
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = ' \n"|@:;,()[]+-0123456789MmSG_BO_xyz.eE\\';
    for (let k = 0; k < 400; k++) {
      const chars = base.split('');
      for (let j = 0; j < 1 + rnd(4); j++) {
        const at = rnd(chars.length);
        const op = rnd(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rnd(alphabet.length)]!);
        else chars[at] = alphabet[rnd(alphabet.length)]!;
      }
      try {
        const db = parseDbc(chars.join(''), `fuzz-${k}.dbc`, { strict: false });
        for (const m of db.messages) {
          const out = new Float64Array(m.signals.length);
          m.decode(new Uint8Array(64).fill(0xa5), 0, 64, out);
        }
      } catch (e) {
        assert.ok(e instanceof DbcSyntaxError || e instanceof DbcSemanticError, `seed case ${k}: ${String(e)}`);
        assert.match((e as Error).message, new RegExp(`^fuzz-${k}\\.dbc:\\d+:\\d+: `));
      }
    }
  });
});
