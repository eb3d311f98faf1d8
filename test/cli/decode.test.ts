// `ubi-edge decode` and `ubi-edge dbc check` as a user runs them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'ubi-edge.js');
const CAR = path.join(ROOT, 'assets/logs/3BA199E2-00000164-00000001-60FE3F04.log.gz');
const TRUCK = path.join(ROOT, 'test/fixtures/candump/css-electronics/11111111-00000012-00000001.log.xz');
const GNSS = path.join(ROOT, 'test/fixtures/dbc/j1939/gnss.dbc');
const DEMO = path.join(ROOT, 'test/fixtures/dbc/j1939/CSS-Electronics-SAE-J1939-DEMO.dbc');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, UBI_DATA_DIR: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Line {
  t: number;
  iface: string;
  id: number;
  message: string;
  signals: Record<string, number | string>;
}

describe('ubi-edge decode / dbc check', function () {
  this.timeout(120000);
  let car: ReturnType<typeof run>;
  let lines: string[];

  before(() => {
    car = run(['decode', CAR, '--dbc', `can1=${GNSS}`]);
    lines = car.out.split('\n').filter((l) => l !== '');
  });

  it('prints one JSON object per decoded frame, t exactly as in the log', () => {
    assert.equal(car.code, 0, car.err);
    // the log's can1 frames, in order, with their timestamps as text
    const logLines = zlib.gunzipSync(fs.readFileSync(CAR)).toString('utf8').split('\n').filter((l) => / can1 /.test(l));
    assert.equal(logLines.length, 57604);
    assert.equal(lines.length, logLines.length);
    for (let i = 0; i < lines.length; i++) {
      const want = /^\((\d+\.\d{6})\) can1 ([0-9A-F]+)#/.exec(logLines[i]!)!;
      const got = /^\{"t":(\d+\.\d{6}),"iface":"can1","id":(\d+),/.exec(lines[i]!);
      assert.ok(got, lines[i]);
      assert.equal(got[1], want[1], `line ${i}`);
      assert.equal(Number(got[2]), parseInt(want[2]!, 16));
    }
    const first = JSON.parse(lines[0]!) as Line;
    assert.deepEqual(first, { t: 1627274470.5272, iface: 'can1', id: 1, message: 'gnss_status', signals: { FixType: 0, Satellites: 0 } });
  });

  it('decodes values as the DBC says (checked by hand on one gnss_pos frame)', () => {
    // (1627274470.528100) can1 003#BE936A910DD06A75: Intel bytes as a 64-bit number, Latitude bits 1..28
    // * 1e-6 - 90, Longitude bits 29..57 * 1e-6 - 180, PositionAccuracy bits 58..63, PositionValid bit 0
    const bytes = [0xbe, 0x93, 0x6a, 0x91, 0x0d, 0xd0, 0x6a, 0x75];
    const u = bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);
    const bits = (start: number, n: number) => Number((u >> BigInt(start)) & ((1n << BigInt(n)) - 1n));
    const line = lines.map((l) => JSON.parse(l) as Line).find((l) => l.message === 'gnss_pos')!;
    assert.equal(line.t, 1627274470.5281);
    assert.equal(line.signals.PositionValid, bits(0, 1));
    assert.equal(line.signals.PositionAccuracy, bits(58, 6));
    // printed with the factor's 6 decimals: exactly the decimal the DBC's arithmetic means
    assert.equal(line.signals.Latitude, Number((bits(1, 28) / 1e6 - 90).toFixed(6)));
    assert.equal(line.signals.Longitude, Number((bits(29, 29) / 1e6 - 180).toFixed(6)));
    assert.match(lines.find((l) => l.includes('"gnss_pos"'))!, /"Latitude":56\.098655,"Longitude":10\.218348,/);
  });

  it('skips unknown ids and counts them on stderr', () => {
    // can0 carries OBD-II responses on 0x7E8 (6,601) and 0x17F00010 (1,091); gnss.dbc is bound to can1 only
    assert.match(car.err, /^65296 frames, 57604 decoded, 7692 unknown \(2 ids: can0 0x7E8 x6601, can0 0x17F00010 x1091\)$/m);
  });

  it('prints value-table labels with --choices, and cantools-like text with --format text', () => {
    const r = run(['decode', CAR, '--dbc', `can1=${GNSS}`, '--choices', '--format', 'text']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.startsWith("(1627274470.527200) can1 001#00 ::\ngnss_status(\n    FixType: 'No fix',\n    Satellites: 0\n)\n"), r.out.slice(0, 200));
    assert.match(r.out, /\n {4}Latitude: 56\.098655 deg,\n/);
    const j = run(['decode', CAR, '--dbc', GNSS, '--choices']);
    const status = JSON.parse(j.out.split('\n').find((l) => l.includes('"gnss_status"'))!) as Line;
    assert.equal(status.signals.FixType, 'No fix');
  });

  it('matches J1939 messages by PGN with --j1939 (truck: EEC1 ~650 rpm, CCVS1 speed 0)', () => {
    const plain = run(['decode', TRUCK, '--dbc', DEMO]);
    assert.equal(plain.out, '', 'by exact id nothing matches: the DBC ids carry SA 0xFE and other priorities');
    const r = run(['decode', TRUCK, '--dbc', `can0=${DEMO}`, '--j1939']);
    assert.equal(r.code, 0, r.err);
    const ls = r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line);
    const eec1 = ls.filter((l) => l.message === 'EEC1');
    const ccvs1 = ls.filter((l) => l.message === 'CCVS1');
    assert.equal(eec1.length, 12719);
    assert.equal(ccvs1.length, 1272);
    assert.ok(eec1.every((l) => l.id === 0x0cf00400));
    for (const l of eec1) assert.ok(Math.abs((l.signals.EngineSpeed as number) - 650) < 100, String(l.signals.EngineSpeed));
    for (const l of ccvs1) assert.equal(l.signals.WheelBasedVehicleSpeed, 0);
    // PGNs the demo DBC lacks are counted by PGN: EEC3 (0xFEDF, 18FEDF00) appears 6,360 times in the log;
    // can1 (the GNSS module, id 9: 11,358 frames) has no DBC here
    assert.match(r.err, /can0 PGN 0xFEDF x6360/);
    assert.match(r.err, /can1 0x9 x11358/);
  });

  it('exits 66 for a missing log or DBC, 2 without --dbc', () => {
    assert.equal(run(['decode', '/nonexistent.log', '--dbc', GNSS]).code, 66);
    const r = run(['decode', CAR, '--dbc', '/nonexistent.dbc']);
    assert.equal(r.code, 66);
    assert.match(r.err, /\/nonexistent\.dbc: not found or not readable/);
    assert.equal(run(['decode', CAR]).code, 2);
  });

  describe('dbc check', () => {
    it('passes a good file (exit 0) and summarises it on stderr', () => {
      const r = run(['dbc', 'check', GNSS]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.equal(r.out, '');
      // gnss.dbc: ids 1-9 and 17-25 (VECTOR__INDEPENDENT_SIG_MSG is not a message, see edge/dbc/DESIGN.md)
      assert.match(r.err, /gnss\.dbc: 18 messages, \d+ signals, 0 error\(s\)/);
    });

    it('lists problems with file:line:col and exits 1 on errors', () => {
      const toyota = path.join(ROOT, 'test/fixtures/dbc/opendbc/_toyota_2017.dbc');
      const r = run(['dbc', 'check', toyota]);
      assert.equal(r.code, 1);
      const problems = r.out.split('\n').filter((l) => l !== '');
      assert.ok(problems.length > 0);
      for (const p of problems) assert.match(p, /_toyota_2017\.dbc:\d+:\d+: (error|warning): /);
      assert.ok(problems.some((p) => /overlapping in message PCS_HUD/.test(p)));
    });

    it('reports a syntax error with file:line:col (exit 1) and a missing file (exit 66)', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-dbccheck-'));
      try {
        const bad = path.join(dir, 'bad.dbc');
        fs.writeFileSync(bad, 'VERSION ""\n\nBO_ 546 EMV_Stati 8 X\n');
        const r = run(['dbc', 'check', bad]);
        assert.equal(r.code, 1);
        assert.ok(r.out.startsWith(`${bad}:3:`), r.out);
        assert.match(r.out, /invalid syntax/);
        assert.equal(run(['dbc', 'check', path.join(dir, 'none.dbc')]).code, 66);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
