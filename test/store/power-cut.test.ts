// Power cut: kill -9 the writer's process mid-stream, again and again; after the restarts every
// point acknowledged before a kill is in InfluxDB (and nothing that was never generated).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Influxd } from '../support/influxd.js';

const CHILD = path.join(__dirname, 'power-cut-child.js');
const NODE = process.execPath;

interface Run {
  lastAck: number;
  out: string;
}

function runChild(args: string[], env: Record<string, string>, killAfterMs: number | undefined): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(NODE, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    let lastAck = -1;
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const m = /^ack (\d+)$/.exec(line);
        if (m) {
          lastAck = Number(m[1]);
          // the kill comes at a random moment once the child is streaming
          if (killAfterMs !== undefined && !timer) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
        } else if (line === 'drained') out = 'drained';
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL' || code === 0) resolve({ lastAck, out });
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

describe('store: power cut (kill -9 of the writer process)', function () {
  this.timeout(90000);
  let influxd: Influxd;
  let dir: string;

  before(async () => {
    influxd = await Influxd.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-powercut-'));
  });
  after(async () => {
    await influxd.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('after repeated kills and a restart, everything acknowledged before each kill arrives', async () => {
    const db = 'ubi_powercut';
    const T0 = Math.floor((Date.now() - 3600 * 1000) / 1000) * 1000;
    const store = path.join(dir, 'store');
    let next = 0;
    let maxAcked = -1;
    const kills = 5;
    for (let k = 0; k < kills; k++) {
      // each run streams from where the acknowledged points ended (a producer that retries unacked data)
      const r = await runChild([store, influxd.url, db, String(next), String(T0)], {}, 150 + Math.floor(Math.random() * 400));
      assert.ok(r.lastAck >= next, `run ${k} acknowledged something`);
      maxAcked = r.lastAck;
      next = r.lastAck + 1;
      if (k === 2) {
        // one kill while the database is down too: everything waits in the outbox
        await influxd.stop();
        const r2 = await runChild([store, influxd.url, db, String(next), String(T0)], {}, 300);
        maxAcked = r2.lastAck;
        next = r2.lastAck + 1;
        await influxd.start();
      }
    }
    const final = await runChild([store, influxd.url, db, '0', String(T0)], { DRAIN: '1' }, undefined);
    assert.equal(final.out, 'drained');
    const rows = await influxd.rows(`SELECT "i" FROM "long"."event" ORDER BY time`, db);
    const got = rows.map((r) => r.i as number);
    const have = new Set(got);
    assert.equal(have.size, got.length, 'no duplicates');
    const missing: number[] = [];
    for (let i = 0; i <= maxAcked; i++) if (!have.has(i)) missing.push(i);
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged point(s) missing of ${maxAcked + 1}`);
    assert.ok(got.every((i) => i < next + 50 * 1000), 'only generated points');
    assert.ok(maxAcked > 1000, `streamed enough to matter: ${maxAcked + 1}`);
  });
});
