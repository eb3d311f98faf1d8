// InfluxWriter against a scripted client: what it does with each kind of failure.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Outbox } from '../../edge/store/outbox.js';
import { InfluxWriter, classify, type InfluxLike } from '../../edge/store/writer.js';
import { parseLine, splitBody, toLine } from '../../edge/store/line.js';
import type { WirePoint } from '../../edge/store/point.js';

function httpError(status: number, body: string): Error {
  return Object.assign(new Error(`A ${status} error occurred: ${body}`), { res: { statusCode: status } });
}

const pt = (i: number): WirePoint => ({ measurement: 'event', tags: { vehicle: 'v', type: 't' }, fields: { i }, timestamp: 1e15 + i });
/** the field i of each line a client was handed */
const idx = (body: Buffer): number[] => splitBody(body).map((l) => parseLine(l)!.fields.i as number);

describe('store: writer', () => {
  let dir: string;
  let outbox: Outbox;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-writer-'));
    outbox = new Outbox({ dir });
  });
  afterEach(() => {
    outbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function append(n: number): Promise<void> {
    const pts = Array.from({ length: n }, (_, i) => pt(i));
    await outbox.append('event', pts.map(toLine));
  }

  it('classifies client errors: outage, bad data, too large, missing database, auth', () => {
    assert.equal(classify(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind, 'outage');
    assert.equal(classify(Object.assign(new Error('No host available'), { name: 'ServiceNotAvailableError' })).kind, 'outage');
    assert.equal(classify(httpError(503, 'busy')).kind, 'outage');
    assert.equal(classify(httpError(400, '{"error":"partial write: field type conflict"}')).kind, 'bad');
    assert.equal(classify(httpError(413, 'too large')).kind, 'too large');
    assert.equal(classify(httpError(404, '{"error":"database not found: \\"x\\""}')).kind, 'missing db');
    assert.equal(classify(httpError(500, '{"error":"retention policy not found: raw"}')).kind, 'missing db');
    assert.equal(classify(httpError(401, 'unauthorized')).kind, 'auth');
  });

  it('bisects a refused batch down to the bad point, quarantines it with the reason, writes the rest', async () => {
    await append(100);
    const written: number[] = [];
    let calls = 0;
    const client: InfluxLike = {
      writeBody: async (body) => {
        calls++;
        if (idx(body).includes(37)) throw httpError(400, '{"error":"partial write: field type conflict: i dropped=1"}');
        written.push(...idx(body));
      },
    };
    const q: Array<[unknown, string]> = [];
    const w = new InfluxWriter(outbox, client, { maxAgeMs: 0, quarantine: (p, r) => q.push([p, r]) });
    w.start();
    await w.drained();
    await w.close();
    assert.deepEqual(written.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 37));
    assert.equal(q.length, 1);
    assert.deepEqual(q[0]![0] as WirePoint, pt(37), 'the refused line, parsed back into the point');
    assert.match(q[0]![1], /field type conflict/);
    assert.ok(calls <= 2 * Math.ceil(Math.log2(100)) + 2, `${calls} requests`);
    assert.equal(outbox.pending('event'), 0);
  });

  it('an outbox written before line protocol (JSON points) is still delivered, as the same lines', async () => {
    const pts = Array.from({ length: 20 }, (_, i) => pt(i));
    await outbox.append('event', [...pts.slice(0, 10).map((p) => JSON.stringify(p)), '{not json', ...pts.slice(10).map(toLine)]);
    const sent: string[] = [];
    const q: Array<[unknown, string, string]> = [];
    const w = new InfluxWriter(outbox, { writeBody: async (body) => void sent.push(...splitBody(body)) }, { maxAgeMs: 0, quarantine: (p, r, st) => q.push([p, r, st]) });
    w.start();
    await w.drained();
    await w.close();
    assert.deepEqual(sent, pts.map(toLine));
    assert.equal(q.length, 1);
    assert.equal(q[0]![2], 'decode');
    assert.equal(outbox.pending('event'), 0);
  });

  it('auth failures are retried, never quarantined; data flows once the credentials work', async () => {
    await append(10);
    let ok = false;
    const written: number[] = [];
    const client: InfluxLike = {
      writeBody: async (body) => {
        if (!ok) throw httpError(401, '{"error":"authorization failed"}');
        written.push(...idx(body));
      },
    };
    const q: unknown[] = [];
    const w = new InfluxWriter(outbox, client, { maxAgeMs: 0, retryBaseMs: 5, retryMaxMs: 20, quarantine: (p) => q.push(p) });
    const states: string[] = [];
    w.on('state', (s: string) => states.push(s));
    w.start();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.state, 'auth failed');
    assert.equal(outbox.pending('event'), 10, 'nothing acknowledged while refused');
    ok = true;
    await w.drained();
    await w.close();
    assert.deepEqual(written, Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(q, []);
    assert.deepEqual(states, ['auth failed', 'connected']);
  });

  it('runs the setup on "database not found" and retries', async () => {
    await append(3);
    let created = false;
    let setups = 0;
    const client: InfluxLike = {
      writeBody: async () => {
        if (!created) throw httpError(404, '{"error":"database not found: \\"ubi\\""}');
      },
    };
    const w = new InfluxWriter(outbox, client, {
      maxAgeMs: 0,
      retryBaseMs: 5,
      onMissingDatabase: async () => {
        setups++;
        created = true;
      },
    });
    w.start();
    await w.drained();
    await w.close();
    assert.equal(setups, 1);
    assert.equal(w.written, 3);
  });

  it('backoff has full jitter within [base/2, min(max, base*2^n)]', () => {
    let r = 0;
    const w = new InfluxWriter(outbox, { writeBody: async () => undefined }, { retryBaseMs: 100, retryMaxMs: 1000, random: () => r });
    r = 0;
    assert.equal(w.backoff(5), 50);
    r = 1;
    assert.equal(w.backoff(0), 100);
    assert.equal(w.backoff(3), 800);
    assert.equal(w.backoff(10), 1000);
  });

  it('sendNow() (end of data) sends a part batch at once instead of after its age; later appends wait again', async () => {
    const sent: number[] = [];
    const w = new InfluxWriter(outbox, { writeBody: async (body) => void sent.push(...idx(body)) }, { maxAgeMs: 60_000, batchSize: 1000 });
    w.start();
    await append(5);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sent, [], 'a part batch waits for its age');
    w.sendNow();
    const t0 = Date.now();
    while (sent.length < 5 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(sent, [0, 1, 2, 3, 4]);
    await append(3);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sent.length, 5, 'appends after the flush wait for their age again');
    await w.close(100);
  });

  it('close() returns while a write hangs; the batch stays unacknowledged for the next start', async () => {
    await append(5);
    const w = new InfluxWriter(outbox, { writeBody: () => new Promise<void>(() => undefined) }, { maxAgeMs: 0 });
    w.start();
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await w.close(100);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(outbox.pending('event'), 5);
  });
});
