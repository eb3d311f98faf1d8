// The durable outbox on its own: order, acknowledgement, restart, torn and damaged segments, the cap.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32Range } from '../../edge/store/crc32.js';
import { Outbox, type DropInfo } from '../../edge/store/outbox.js';
import { waitFor } from '../support/wait-for.js';

const rec = (i: number) => `{"i":${i},"pad":"${'x'.repeat(40)}"}`;
const idx = (b: Buffer) => (JSON.parse(b.toString()) as { i: number }).i;

function drainAll(o: Outbox, stream: string, batch = 7): number[] {
  const out: number[] = [];
  for (;;) {
    const t = o.take(stream, batch);
    if (!t) break;
    out.push(...t.records.map(idx));
    o.ack(stream, t.next);
  }
  return out;
}

describe('store: outbox', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-outbox-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hands records back in order across segments, and deletes delivered segments', async () => {
    const o = new Outbox({ dir, segmentBytes: 1024 });
    for (let i = 0; i < 200; i += 10) await o.append('signal', Array.from({ length: 10 }, (_, k) => rec(i + k)));
    assert.ok(fs.readdirSync(path.join(dir, 'signal')).filter((f) => f.endsWith('.seg')).length > 5, 'several segments');
    assert.equal(o.pending('signal'), 200);
    assert.deepEqual(drainAll(o, 'signal'), Array.from({ length: 200 }, (_, i) => i));
    assert.equal(o.pending('signal'), 0);
    // unlinked in the background, right away
    await waitFor(() => fs.readdirSync(path.join(dir, 'signal')).filter((f) => f.endsWith('.seg')).length <= 2, 2000, 'delivered segments removed');
    o.close();
  });

  it('after a restart resumes at the first unacknowledged record (taken but unacked are redelivered)', async () => {
    let o = new Outbox({ dir, segmentBytes: 2048 });
    await o.append('event', Array.from({ length: 100 }, (_, i) => rec(i)));
    const a = o.take('event', 30)!;
    o.ack('event', a.next); // 0..29 delivered
    const b = o.take('event', 30)!; // 30..59 taken, never acknowledged (a crash)
    assert.equal(idx(b.records[0]!), 30);
    o.close();
    o = new Outbox({ dir, segmentBytes: 2048 });
    assert.equal(o.pending('event'), 70);
    assert.deepEqual(drainAll(o, 'event'), Array.from({ length: 70 }, (_, i) => 30 + i));
    await o.append('event', [rec(100)]);
    assert.deepEqual(drainAll(o, 'event'), [100], 'sequence continues after restart');
    o.close();
  });

  it('serves recent records from memory and older ones from disk, in one order', async () => {
    const o = new Outbox({ dir, segmentBytes: 1024, memRecords: 50 });
    for (let i = 0; i < 200; i += 10) {
      const recs = Array.from({ length: 10 }, (_, k) => rec(i + k));
      await o.append('s', recs, recs.map((r) => JSON.parse(r) as unknown));
    }
    const got: number[] = [];
    let fromMem = 0;
    for (;;) {
      const t = o.take('s', 15);
      if (!t) break;
      if (t.objects) {
        fromMem += t.objects.length;
        got.push(...t.objects.map((x) => (x as { i: number }).i));
      } else got.push(...t.records.map(idx));
      o.ack('s', t.next);
    }
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
    assert.equal(fromMem, 50, 'the newest 50 came from memory');
    await o.append('s', [rec(200)], [{ i: 200 }]);
    o.close();
    const o2 = new Outbox({ dir });
    assert.deepEqual(drainAll(o2, 's'), [200], 'position on disk stayed right after memory takes');
    o2.close();
  });

  it('takeJoined(): the records joined in one buffer, alike from the kept frames and from the disk, in one order', async () => {
    // kept frames are capped at 60 records (whole appends), so the oldest come from the segment files
    let o = new Outbox({ dir, segmentBytes: 1024, memRecords: 60 });
    for (let i = 0; i < 200; i += 10) await o.append('s', Array.from({ length: 10 }, (_, k) => rec(i + k)));
    const joined = (t: { body: Buffer; ends: number[] }) => t.ends.map((e, i) => idx(t.body.subarray(i === 0 ? 0 : t.ends[i - 1]! + 1, e)));
    const got: number[] = [];
    for (let k = 0; k < 10; k++) {
      const t = o.takeJoined('s', 13)!;
      assert.equal(t.body.toString().split('\n').length, t.ends.length);
      got.push(...joined(t));
      o.ack('s', t.next);
    }
    // taken but not acknowledged: after a restart (disk only) they come again, then the rest
    const t = o.takeJoined('s', 25)!;
    assert.deepEqual(joined(t), Array.from({ length: 25 }, (_, i) => 130 + i));
    o.close();
    o = new Outbox({ dir });
    for (let u = o.takeJoined('s', 13); u; u = o.takeJoined('s', 13)) {
      got.push(...joined(u));
      o.ack('s', u.next);
    }
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
    // and take() from kept frames: the same bytes as from the disk
    await o.append('s', [rec(200), rec(201)]);
    assert.deepEqual(o.take('s', 5)!.records.map(idx), [200, 201]);
    o.rewind('s');
    o.close();
    o = new Outbox({ dir });
    assert.deepEqual(o.take('s', 5)!.records.map(idx), [200, 201]);
    o.close();
  });

  it('appendText(): records joined in one string are stored as append() stores them, ASCII or not', async () => {
    const joinEnds = (recs: string[]) => {
      const ends: number[] = [];
      let at = -1;
      for (const r of recs) ends.push((at = at + 1 + r.length));
      return { text: recs.join('\n'), ends };
    };
    const ascii = Array.from({ length: 50 }, (_, i) => `signal,vehicle=v${i} mean=${i * 0.5} ${1e15 + i}`);
    const other = ['event,vehicle=van\u00e9 note="\u2603" 1', '', 'x y=1 2', 'emoji=\ud83d\ude97 1'];
    let o = new Outbox({ dir, segmentBytes: 2048 });
    for (const recs of [ascii, other, ['one']]) {
      const { text, ends } = joinEnds(recs);
      assert.deepEqual(await o.appendText('s', text, ends), { stored: recs.length, dropped: 0 });
    }
    await assert.rejects(o.appendText('s', 'ab\ncd', [2, 4]), /must end where the text ends/);
    await assert.rejects(o.appendText('s', 'ab\ncd', [3, 2]), /before the record's start/);
    const want = [...ascii, ...other, 'one'];
    const all = (x: Outbox) => {
      const got: string[] = [];
      for (let t = x.take('s', 7); t; t = x.take('s', 7)) got.push(...t.records.map((b) => b.toString('utf8')));
      return got;
    };
    assert.deepEqual(all(o), want, 'from the kept frames');
    o.close();
    o = new Outbox({ dir });
    assert.deepEqual(all(o), want, 'from the segment files');
    o.close();
  });

  it('rewind() hands out the unacknowledged records again', async () => {
    const o = new Outbox({ dir });
    await o.append('s', [rec(1), rec(2), rec(3)]);
    o.ack('s', o.take('s', 1)!.next);
    o.take('s', 5);
    o.rewind('s');
    assert.deepEqual(drainAll(o, 's'), [2, 3]);
    o.close();
  });

  it('cuts a torn tail (a write cut by a crash) and keeps every whole record', async () => {
    let o = new Outbox({ dir });
    await o.append('event', Array.from({ length: 50 }, (_, i) => rec(i)));
    o.close();
    const seg = path.join(dir, 'event', fs.readdirSync(path.join(dir, 'event')).find((f) => f.endsWith('.seg'))!);
    const size = fs.statSync(seg).size;
    fs.truncateSync(seg, size - 10); // the last record is cut in the middle
    o = new Outbox({ dir });
    assert.equal(o.recovery.length, 1);
    assert.ok(o.recovery[0]!.tornBytes > 0);
    assert.deepEqual(drainAll(o, 'event'), Array.from({ length: 49 }, (_, i) => i));
    await o.append('event', [rec(99)]);
    assert.deepEqual(drainAll(o, 'event'), [99], 'appends after the cut are readable');
    o.close();
  });

  it('skips a damaged record in the middle, keeps the rest and reports the damage', async () => {
    let o = new Outbox({ dir });
    await o.append('incident', Array.from({ length: 20 }, (_, i) => rec(i)));
    o.close();
    const seg = path.join(dir, 'incident', fs.readdirSync(path.join(dir, 'incident')).find((f) => f.endsWith('.seg'))!);
    const buf = fs.readFileSync(seg);
    const recLen = 16 + rec(0).length; // records 0..9 have the same length
    buf[Math.floor(recLen * 5 + 20)] ^= 0xff; // flip a payload byte of record 5
    fs.writeFileSync(seg, buf);
    const warnings: string[] = [];
    o = new Outbox({ dir });
    o.on('warning', (w: string) => warnings.push(w));
    assert.equal(o.recovery.length, 1);
    assert.equal(o.recovery[0]!.corruptBytes, recLen);
    assert.deepEqual(
      drainAll(o, 'incident'),
      Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 5),
    );
    o.close();
  });

  it('a garbage segment file does not stop the outbox from opening', async () => {
    fs.mkdirSync(path.join(dir, 'claim'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'claim', '0000000000000000.seg'), Buffer.alloc(5000, 0x5a));
    const o = new Outbox({ dir });
    assert.equal(o.pending('claim'), 0);
    await o.append('claim', [rec(1)]);
    assert.deepEqual(drainAll(o, 'claim'), [1]);
    o.close();
  });

  it('at the cap drops oldest signals first, never events, and counts every dropped record', async () => {
    const drops: DropInfo[] = [];
    const o = new Outbox({
      dir,
      capBytes: 20000,
      segmentBytes: 2000,
      streams: { signal: { dropPriority: 0 }, gateway: { dropPriority: 1 }, event: { dropPriority: 'never' } },
    });
    o.on('drop', (d: DropInfo) => drops.push(d));
    let sig = 0;
    let gw = 0;
    let ev = 0;
    for (let round = 0; round < 60; round++) {
      await o.append('signal', Array.from({ length: 10 }, () => rec(sig++)));
      await o.append('gateway', [rec(gw++)]);
      await o.append('event', [rec(ev++)]);
    }
    const st = o.stats();
    assert.ok(st.bytes <= 20000 + 2000, `within the cap: ${st.bytes}`);
    const signals = drainAll(o, 'signal');
    const gateway = drainAll(o, 'gateway');
    const events = drainAll(o, 'event');
    assert.deepEqual(events, Array.from({ length: 60 }, (_, i) => i), 'every event kept');
    assert.ok(st.streams.signal!.dropped > 0, 'signals dropped');
    assert.equal(st.streams.event!.dropped, 0);
    // counters match exactly what is missing, and the oldest went first (what is left is a suffix)
    assert.equal(signals.length + st.streams.signal!.dropped, sig);
    assert.deepEqual(signals, Array.from({ length: signals.length }, (_, i) => sig - signals.length + i));
    assert.equal(gateway.length + st.streams.gateway!.dropped, gw);
    assert.equal(drops.reduce((a, d) => a + d.records, 0), st.dropped);
    // signals (priority 0) go before gateway (1): gateway only loses data once signals are gone
    if (st.streams.gateway!.dropped > 0) assert.ok(signals.length <= 20, 'gateway dropped while signals remained');
    o.close();
    // the counters survive a restart
    const o2 = new Outbox({ dir, streams: { signal: { dropPriority: 0 } } });
    assert.equal(o2.stats().streams.signal!.dropped, st.streams.signal!.dropped);
    o2.close();
  });

  it('a signal append never pushes out gateway or event data: it drops itself instead', async () => {
    const o = new Outbox({ dir, capBytes: 3000, segmentBytes: 1024, streams: { signal: { dropPriority: 0 }, gateway: { dropPriority: 1 } } });
    await o.append('gateway', Array.from({ length: 40 }, (_, i) => rec(i))); // ~3000 bytes
    const r = await o.append('signal', [rec(1), rec(2)]);
    assert.deepEqual(r, { stored: 0, dropped: 2 });
    assert.equal(o.pending('gateway'), 40);
    assert.equal(o.stats().streams.signal!.dropped, 2);
    o.close();
  });

  it('disk full: frees space by dropping signals, then refuses a protected append without crashing', async () => {
    const o = new Outbox({ dir, segmentBytes: 1024, streams: { signal: { dropPriority: 0 }, event: { dropPriority: 'never' } } });
    for (let i = 0; i < 100; i += 10) await o.append('signal', Array.from({ length: 10 }, (_, k) => rec(i + k)));
    const real = fs.writeSync;
    let failures = 1; // the disk is full for one more write: dropping signal segments frees it
    (fs as { writeSync: unknown }).writeSync = function (...a: unknown[]) {
      if (failures-- > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return (real as (...x: unknown[]) => number)(...a);
    };
    try {
      const r = await o.append('event', [rec(1)]);
      assert.deepEqual(r, { stored: 1, dropped: 0 });
      assert.ok(o.stats().streams.signal!.dropped > 0, 'signals made room');
      failures = 1000; // full for good
      await assert.rejects(o.append('event', [rec(2)]), /disk full, 1 record\(s\) not stored/);
      const s = await o.append('signal', [rec(3)]);
      assert.equal(s.dropped, 1, 'a signal is dropped and counted, not thrown');
    } finally {
      (fs as { writeSync: unknown }).writeSync = real;
    }
    assert.deepEqual(drainAll(o, 'event'), [1]);
    o.close();
  });

  it('crc32Range() (the outbox record check) = zlib crc32 of the same bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const buf = Buffer.from(bytes);
        const s = bytes.length ? a % (bytes.length + 1) : 0;
        const e = s + (bytes.length - s ? b % (bytes.length - s + 1) : 0);
        assert.equal(crc32Range(buf, s, e), zlib.crc32(buf.subarray(s, e)) >>> 0);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a second open of the same directory', () => {
    const o = new Outbox({ dir });
    assert.throws(() => new Outbox({ dir }), /already open/);
    o.close();
  });

  it("fsync 'always' resolves appends after the data is synced", async () => {
    const o = new Outbox({ dir, fsync: 'always' });
    await Promise.all([o.append('a', [rec(1)]), o.append('a', [rec(2)])]);
    assert.deepEqual(drainAll(o, 'a'), [1, 2]);
    o.close();
  });

  it("fsync 'interval' flushes in the background while appends, rotations and acks go on; close() leaves it all readable", async () => {
    const warnings: string[] = [];
    let o = new Outbox({ dir, fsyncIntervalMs: 10, segmentBytes: 4096 });
    o.on('warning', (w: string) => warnings.push(w));
    let n = 0;
    for (let round = 0; round < 40; round++) {
      await o.append('signal', Array.from({ length: 25 }, () => rec(n++)));
      if (round % 3 === 0) {
        const t = o.take('signal', 30);
        if (t) o.ack('signal', t.next);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const pending = o.pending('signal');
    o.close();
    assert.deepEqual(warnings, []);
    o = new Outbox({ dir });
    const got = drainAll(o, 'signal', 50);
    assert.equal(got.length, pending);
    assert.deepEqual(got, Array.from({ length: pending }, (_, i) => n - pending + i));
    o.close();
  });

  it('persists the acknowledged position within cursorIntervalMs, without a close', async () => {
    const o = new Outbox({ dir, cursorIntervalMs: 50 });
    await o.append('event', Array.from({ length: 10 }, (_, i) => rec(i)));
    const cursor = () => Number(fs.readFileSync(path.join(dir, 'event', 'cursor'), 'utf8'));
    o.ack('event', o.take('event', 3)!.next);
    assert.equal(cursor(), 3, 'the first acknowledgement is written at once');
    o.ack('event', o.take('event', 3)!.next);
    o.ack('event', o.take('event', 2)!.next);
    await waitFor(() => cursor() === 8, 1000, 'the cursor at 8');
    o.close();
  });
});
