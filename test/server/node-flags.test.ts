// bin/node-flags.js: `ubi-edge start` runs with the appliance's V8 flags and malloc settings (the
// process as started, read from /proc), and what the user already set wins.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { BIN, ROOT, spawnAppliance, stopProcess } from '../support/appliance.js';

interface Tuning {
  V8_FLAGS: string[];
  ENV: Record<string, string>;
  missingFlags(execArgv?: string[], nodeOptions?: string): string[];
  missingEnv(env?: NodeJS.ProcessEnv): Record<string, string>;
}
const tuning = require(path.join(ROOT, 'bin', 'node-flags.js')) as Tuning;

function started(pid: number): { argv: string[]; env: Record<string, string> } {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const env: Record<string, string> = {};
  for (const kv of fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)) {
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { argv, env };
}

describe('appliance Node settings (bin/node-flags.js)', function () {
  this.timeout(120000);
  let dir: string;
  let proc: ChildProcess | undefined;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-flags-'));
    fs.copyFileSync(path.join(ROOT, 'flows', 'flows.json'), path.join(dir, 'flows.json'));
  });
  afterEach(async () => {
    await stopProcess(proc);
    proc = undefined;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('leaves out what is already given, by flag name in argv or NODE_OPTIONS, and variables already set', () => {
    assert.deepEqual(tuning.missingFlags([], ''), tuning.V8_FLAGS);
    assert.deepEqual(tuning.missingFlags(['--max-semi-space-size=16'], '--max_old_space_size=1024'), []);
    assert.deepEqual(tuning.missingFlags([], '--max-old-space-size=1024'), ['--max-semi-space-size=4']);
    assert.deepEqual(tuning.missingEnv({ MALLOC_ARENA_MAX: '4' }), { MALLOC_MMAP_THRESHOLD_: '16384', MALLOC_TRIM_THRESHOLD_: '131072' });
    assert.deepEqual(tuning.missingEnv({ ...tuning.ENV }), {});
  });

  it('ubi-edge start: the same process (pid) runs with the flags and variables; a heap size set in NODE_OPTIONS is kept', async function () {
    if (process.platform !== 'linux') this.skip();
    const env: NodeJS.ProcessEnv = { NODE_OPTIONS: '--max-old-space-size=768' };
    for (const k of Object.keys(tuning.ENV)) env[k] = undefined;
    const logs: string[] = [];
    const app = await spawnAppliance({ dataDir: path.join(dir, 'data'), flowFile: path.join(dir, 'flows.json'), env, logs });
    proc = app.proc;
    const s = started(app.proc.pid!);
    assert.ok(s.argv.includes('--max-semi-space-size=4'), s.argv.join(' '));
    assert.ok(!s.argv.some((a) => a.startsWith('--max-old-space-size')), `NODE_OPTIONS' heap size is not overridden: ${s.argv.join(' ')}`);
    assert.equal(s.env.NODE_OPTIONS, '--max-old-space-size=768');
    for (const [k, v] of Object.entries(tuning.ENV)) assert.equal(s.env[k], v, k);
    assert.deepEqual(s.argv.slice(s.argv.indexOf(BIN), s.argv.indexOf(BIN) + 2), [BIN, 'start']);
    assert.ok(s.argv.indexOf('--max-semi-space-size=4') < s.argv.indexOf(BIN), 'a node flag, before the script');
  });
});
