// `ubi-edge` as a command: output, exit codes, errors that name where.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'ubi-edge.js');
const J1939 = path.join(ROOT, 'test', 'fixtures', 'candump', 'pretty_j1939');
const BUNDLED = path.join(ROOT, 'assets', 'logs');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, UBI_DATA_DIR: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ubi-edge CLI', function () {
  this.timeout(60000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-cli-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help lists the commands and the exit codes; unknown commands are usage errors (2)', () => {
    const h = run(['--help']);
    assert.equal(h.code, 0);
    for (const c of ['start', 'replay', 'stats', 'set-password', 'hash-password']) assert.match(h.out, new RegExp(`\\b${c}\\b`));
    assert.match(h.out, /69 +a service or CAN interface is unavailable/);
    const bad = run(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown command 'frobnicate'/);
  });

  it('stats --format json counts what an independent tally of the log counts', () => {
    const file = path.join(J1939, 'test_priority.log');
    const r = run(['stats', '--format', 'json', file]);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out) as { frames: number; malformed: number; ifaces: Array<{ iface: string; frames: number }> };
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^(\d+ )?\(\d+\.\d+\) \S+ [0-9A-F]+#/.test(l)); // pretty_j1939 numbers its lines
    assert.equal(lines.length, 3);
    assert.equal(s.frames, lines.length);
    assert.equal(s.malformed, 0);
  });

  it('stats exits 1 and names file:line when lines are malformed, 66 when a file is missing', () => {
    const f = path.join(dir, 'bad.log');
    fs.writeFileSync(f, '(1.000000) can0 123#11\nthis is not candump\n(1.100000) can0 124#22\n');
    const r = run(['stats', '--format', 'json', f]);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.out) as { frames: number }).frames, 2);
    assert.match(r.err, new RegExp(`${f.replace(/[.]/g, '\\.')}:2`));
    const m = run(['stats', path.join(dir, 'nope.log')]);
    assert.equal(m.code, 66);
    assert.match(m.err, /nope\.log: not found/);
  });

  it('replay to stdout reproduces the bundled real log byte for byte (as fast as possible)', () => {
    const gz = fs.readdirSync(BUNDLED).find((f) => f.endsWith('.log.gz'))!;
    const original = zlib.gunzipSync(fs.readFileSync(path.join(BUNDLED, gz))).toString('utf8');
    const r = run(['replay', '--speed', 'max', path.join(BUNDLED, gz)]);
    assert.equal(r.code, 0, r.err);
    // the writer emits canonical candump -L; the bundled log is canonical already
    assert.equal(r.out.length, original.length);
    assert.ok(r.out === original, 'replayed lines differ from the log');
  });

  it('replay refuses a missing interface with exit 69, and bad options with 2', () => {
    const r = run(['replay', '--iface', 'nosuchcan0', path.join(J1939, 'test_dm1.log')]);
    assert.equal(r.code, 69);
    assert.match(r.err, /nosuchcan0/);
    assert.equal(run(['replay', '--speed', 'fast', path.join(J1939, 'test_dm1.log')]).code, 2);
    assert.equal(run(['replay', '--map', 'can0', path.join(J1939, 'test_dm1.log')]).code, 2);
  });

  it('hash-password prints a bcrypt hash and rejects short passwords', () => {
    const ok = run(['hash-password', '--stdin'], 'twelve chars ok\n');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out.trim(), /^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    const short = run(['hash-password', '--stdin'], 'short\n');
    assert.equal(short.code, 2);
    assert.match(short.err, /at least 12/);
  });
});
