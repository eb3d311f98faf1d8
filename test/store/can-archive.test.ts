// Raw CAN archive: rotation, cap, retention, exact window extraction, crash recovery.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CanArchive } from '../../edge/store/can-archive.js';
import { fromFrames, type CanFrame } from '../../edge/can/frame.js';
import { formatFrame, parseCandump } from '../../edge/can/candump.js';

const BASE = 1_700_000_000; // s

function frames(n: number, t0: number, stepUs: number): CanFrame[] {
  const out: CanFrame[] = [];
  for (let i = 0; i < n; i++) out.push({ t: (t0 * 1e6 + i * stepUs) / 1e6, id: 0x100 + (i % 64), ext: false, fd: false, data: new Uint8Array([i & 0xff, (i >> 8) & 0xff, 1, 2]) });
  return out;
}

describe('store: raw CAN archive', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-archive-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('extracting a window of the current file does not wait behind the compression of an older file', async () => {
    const a = new CanArchive({ dir, segmentSeconds: 10 });
    // compression that never finishes (a slow gzip of a big file, stood in for)
    let started = 0;
    (a as unknown as { compress: () => Promise<void> }).compress = () => {
      started++;
      return new Promise<void>(() => undefined);
    };
    a.append(fromFrames('van', 'can0', frames(100, BASE, 10_000))); // 1 s
    a.append(fromFrames('van', 'can0', frames(100, BASE + 20, 10_000))); // 20 s later: the first file rotates
    await new Promise((r) => setImmediate(r));
    assert.equal(started, 1, 'the first file is being compressed');
    const t0 = Date.now();
    const cur = await a.extract((BASE + 20) * 1e6, (BASE + 21) * 1e6);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(parseCandump(cur).frames, 100);
    // a window in the file being compressed waits for it (it is not readable as a closed file yet)
    const old = a.extract(BASE * 1e6, (BASE + 1) * 1e6).then(() => 'done');
    const first = await Promise.race([old, new Promise((r) => setTimeout(() => r('waiting'), 100))]);
    assert.equal(first, 'waiting');
  });

  it('rotates into gzip files named by time range and extracts an exact window', async () => {
    const a = new CanArchive({ dir, segmentBytes: 20000 });
    const all = frames(5000, BASE, 1000); // 5 s at 1 kHz
    for (let i = 0; i < all.length; i += 250) a.append(fromFrames('van', i % 500 === 0 ? 'can0' : 'can1', all.slice(i, i + 250)));
    await a.close();
    const files = a.list();
    assert.ok(files.length >= 5, `${files.length} files`);
    for (let i = 1; i < files.length; i++) assert.ok(files[i]!.fromUs > files[i - 1]!.toUs, 'contiguous, non-overlapping ranges');
    assert.equal(files[0]!.fromUs, BASE * 1e6);
    assert.equal(files.at(-1)!.toUs, BASE * 1e6 + 4999 * 1000);
    // a window across file boundaries: [1.2345 s, 3.5 s)
    const from = BASE * 1e6 + 1_234_500;
    const to = BASE * 1e6 + 3_500_000;
    const got = await a.extract(from, to);
    const want = all
      .map((f, i) => ({ f, iface: Math.floor(i / 250) % 2 === 0 ? 'can0' : 'can1' }))
      .filter(({ f }) => Math.round(f.t * 1e6) >= from && Math.round(f.t * 1e6) < to)
      .map(({ f, iface }) => formatFrame(f, iface) + '\n')
      .join('');
    assert.equal(got.toString('latin1'), want, 'byte-exact lines of exactly the window');
    assert.equal(parseCandump(got).frames, 2265); // ms 1235..3499
  });

  it('keeps the total under the cap by deleting the oldest files, and prunes by retention', async () => {
    const a = new CanArchive({ dir, segmentBytes: 8000, capBytes: 12000 });
    for (let k = 0; k < 40; k++) a.append(fromFrames('van', 'can0', frames(200, BASE + k, 1000)));
    await a.close();
    const files = a.list();
    const total = files.reduce((s, f) => s + f.bytes, 0);
    assert.ok(total <= 12000, `total ${total}`);
    assert.ok(a.deleted > 0);
    assert.equal(files.at(-1)!.toUs, (BASE + 39) * 1e6 + 199 * 1000, 'newest data kept');
    const r = new CanArchive({ dir: path.join(dir, 'ret'), segmentSeconds: 3600, retentionDays: 1 });
    r.append(fromFrames('van', 'can0', frames(10, BASE, 1000)));
    r.rotate();
    r.append(fromFrames('van', 'can0', frames(10, BASE + 2 * 86400, 1000)));
    await r.close();
    assert.deepEqual(r.list().map((f) => f.fromUs), [(BASE + 2 * 86400) * 1e6], 'data older than a day before the newest frame is gone');
  });

  it('after a crash, compresses the leftover current file (torn last line dropped)', async () => {
    const a = new CanArchive({ dir });
    a.append(fromFrames('van', 'can0', frames(100, BASE, 1000)));
    // simulate a crash: no close, and a torn last line
    fs.appendFileSync(path.join(dir, 'current.log'), '(1700000000.200000) can0 12');
    const b = new CanArchive({ dir });
    await b.settle();
    const files = b.list();
    assert.equal(files.length, 1);
    const got = await b.extract(0, Number.MAX_SAFE_INTEGER);
    assert.equal(parseCandump(got).frames, 100);
    assert.equal(parseCandump(got).malformed, 0);
    await b.close();
  });
});
