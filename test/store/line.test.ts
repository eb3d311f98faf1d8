// Line protocol made by the store (line.ts) against the `influx` client's own writePoints(): the same
// request (body, query, auth) for the same points, captured by a local HTTP server.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { createClient, type StoreClient } from '../../edge/store/client.js';
import { Batch, lineTime, parseLine, splitBody, toLine } from '../../edge/store/line.js';
import { MEASUREMENTS, pointToLine, validatePoint, type FieldKind, type FieldValue, type Validation, type WirePoint } from '../../edge/store/point.js';

/**
 * validatePoint() as it was written before pointToLine() (object by object, no caches), with two
 * fixes pointToLine() has: names are looked up as own properties only ("toString" is no
 * measurement or field), and a field named "__proto__" is refused (assigning it lost it).
 */
function referenceValidate(p: unknown, defaultTags: Record<string, string> = {}): Validation {
  const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isRecord(p)) return { ok: false, reason: 'not an object' };
  const m = p.measurement;
  if (typeof m !== 'string' || m.length === 0) return { ok: false, reason: 'measurement: missing' };
  const schema = Object.hasOwn(MEASUREMENTS, m) ? MEASUREMENTS[m] : undefined;
  if (!schema) return { ok: false, reason: `measurement: "${m.slice(0, 40)}" is not in the schema (${Object.keys(MEASUREMENTS).join(', ')})` };
  const time = p.time;
  if (typeof time !== 'number' || !Number.isFinite(time)) return { ok: false, reason: `${m}: time: not a number (ms since the epoch)` };
  if (time < 946684800000 || time > 7258118400000) return { ok: false, reason: `${m}: time: ${time} is not ms since the epoch in 2000..2200 (seconds or ns?)` };
  const tagsIn = p.tags === undefined ? {} : p.tags;
  if (!isRecord(tagsIn)) return { ok: false, reason: `${m}: tags: not an object` };
  const tags: Record<string, string> = {};
  for (const k in defaultTags) if (defaultTags[k] !== '') tags[k] = defaultTags[k]!;
  const allowed = new Set([...schema.tags.required, ...schema.tags.optional]);
  for (const k in tagsIn) {
    const v = tagsIn[k];
    if (v === undefined || v === null || v === '') continue;
    if (!allowed.has(k)) return { ok: false, reason: `${m}: tag "${k.slice(0, 40)}" is not in the schema (allowed: ${[...allowed].join(', ')})` };
    if (typeof v !== 'string') return { ok: false, reason: `${m}: tag ${k}: not a string` };
    if (v.length > 256 || /[\n\r\\]/.test(v)) return { ok: false, reason: `${m}: tag ${k}: too long or holds a newline/backslash` };
    tags[k] = v;
  }
  for (const k of schema.tags.required) if (tags[k] === undefined) return { ok: false, reason: `${m}: tag ${k}: missing` };
  const fieldsIn = p.fields;
  if (!isRecord(fieldsIn)) return { ok: false, reason: `${m}: fields: not an object` };
  const fields: Record<string, FieldValue> = {};
  let n = 0;
  for (const k in fieldsIn) {
    const v = fieldsIn[k];
    if (v === undefined || v === null) continue;
    const known = Object.hasOwn(schema.fields, k) ? (schema.fields[k] as FieldKind) : undefined;
    if (known === undefined && (!/^[A-Za-z_][A-Za-z0-9_.\-]*$/.test(k) || k.length > 256 || k === '__proto__')) return { ok: false, reason: `${m}: field name "${k.slice(0, 40)}" is not a plain name` };
    const kind: FieldKind | 'any' | undefined = known ?? schema.extraFields;
    if (kind === undefined) return { ok: false, reason: `${m}: field "${k}" is not in the schema` };
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { ok: false, reason: `${m}: field ${k}: ${v} is not a finite number` };
      if (kind !== 'number' && kind !== 'any') return { ok: false, reason: `${m}: field ${k}: expected ${kind}, got a number` };
    } else if (typeof v === 'string') {
      if (kind !== 'string' && kind !== 'any') return { ok: false, reason: `${m}: field ${k}: expected ${kind}, got a string` };
      if (v.length > 64 * 1024) return { ok: false, reason: `${m}: field ${k}: string longer than ${64 * 1024}` };
    } else if (typeof v === 'boolean') {
      if (kind !== 'boolean' && kind !== 'any') return { ok: false, reason: `${m}: field ${k}: expected ${kind}, got a boolean` };
    } else return { ok: false, reason: `${m}: field ${k}: ${typeof v} is not a number, string or boolean` };
    fields[k] = v;
    n++;
  }
  if (n === 0) return { ok: false, reason: `${m}: no fields` };
  return { ok: true, point: { measurement: m, tags, fields, timestamp: Math.round(time * 1000) } };
}

interface Captured {
  url: string;
  auth: string | undefined;
  body: string;
}

describe('store: line protocol', () => {
  let server: http.Server;
  let seen: Captured[] = [];
  let client: StoreClient;
  let authed: StoreClient;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = createClient({ url, database: 'db1' });
    authed = createClient({ url, database: 'db1', username: 'ubi', password: 'p:w' });
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  /** writePoints() and writeBody() of the toLine() lines of the same points: the two requests the server saw. */
  async function both(c: StoreClient, pts: WirePoint[], rp?: string): Promise<[Captured, Captured]> {
    seen = [];
    const o = rp ? { precision: 'u' as const, retentionPolicy: rp } : { precision: 'u' as const };
    await c.writePoints(pts, o);
    await c.writeBody(Batch.fromLines(pts.map(toLine)).body, o);
    assert.equal(seen.length, 2);
    return [seen[0]!, seen[1]!];
  }

  it('writeBody(toLine lines) sends the request writePoints() sends, byte for byte', async () => {
    const pts: WirePoint[] = [
      { measurement: 'signal', tags: { depot: 'north', vehicle: 'van-1', signal: 'Vehicle.Speed' }, fields: { mean: 12.5, min: 0, max: 1e21, last: -3.25e-7, n: 10 }, timestamp: 1_700_000_000_123_456 },
      { measurement: 'event', tags: { vehicle: 'van 1,x=y', type: 'harsh_braking' }, fields: { note: 'say "hi" \\ there', ok: true, off: false, zero: 0 }, timestamp: 1_700_000_000_000_001 },
    ];
    for (const [c, rp] of [
      [client, 'raw'],
      [client, undefined],
      [authed, 'long'],
    ] as const) {
      const [a, b] = await both(c, pts, rp);
      assert.deepEqual(b, a);
    }
  });

  it('the same bytes as writePoints() for any point (property)', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '.', '-', '_', ' ', ',', '=', '"', '\\', "'", 'é', '\u2603'), minLength: 1, maxLength: 12 });
    const value: fc.Arbitrary<FieldValue> = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), text);
    const point: fc.Arbitrary<WirePoint> = fc.record({
      measurement: fc.constantFrom('signal', 'event', 'gateway'),
      tags: fc.dictionary(fc.stringMatching(/^[a-z][a-z_]{0,8}$/), text, { maxKeys: 4 }),
      fields: fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/), value, { minKeys: 1, maxKeys: 8 }),
      timestamp: fc.integer({ min: 946684800000000, max: 7258118400000000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(point, { minLength: 1, maxLength: 20 }), async (pts) => {
        const [a, b] = await both(client, pts, 'raw');
        assert.equal(b.body, a.body);
        assert.equal(b.url, a.url);
      }),
      { numRuns: 200 },
    );
  });

  it('pointToLine() (the store\'s one pass) = toLine() of the point the rules as first written give, or the same reason (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '.', '_', ' ', ',', '=', '"', '\\', '\n', "'"), maxLength: 8 });
    const anyValue = fc.oneof(fc.double(), fc.integer(), fc.boolean(), text, fc.constant(null), fc.constant(undefined), fc.constant({}));
    const tagText = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '.', '_', ' ', ',', '='), minLength: 1, maxLength: 8 });
    const likely = fc.record({
      measurement: fc.constant('event'),
      tags: fc.record({ vehicle: tagText, type: tagText, depot: fc.oneof(tagText, fc.constant('')), driver: tagText }, { requiredKeys: ['vehicle', 'type'] }),
      fields: fc.dictionary(fc.constantFrom('peak', 'note', 'lat', 'x_1', 'Ok.b-c', 'severity'), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), text), { minKeys: 1, maxKeys: 5 }),
      time: fc.double({ min: 946684800000, max: 7258118400000, noNaN: true }),
    });
    const wild = fc.record(
      {
        measurement: fc.oneof(fc.constantFrom('signal', 'event', 'gateway', 'claim', 'nope', 'toString', ''), fc.integer()),
        tags: fc.oneof(fc.dictionary(fc.constantFrom('vehicle', 'signal', 'type', 'depot', 'host', 'status', 'driver', 'bogus'), fc.oneof(text, fc.constant(''), fc.integer()), { maxKeys: 4 }), fc.constant(undefined), fc.constant('x')),
        fields: fc.oneof(fc.dictionary(fc.constantFrom('mean', 'min', 'n', 'text', 'peak', 'note', 'x y', '__proto__', 'frames_per_s'), anyValue, { maxKeys: 5 }), fc.constant(7)),
        time: fc.oneof(fc.double({ min: 946684800000, max: 7258118400000, noNaN: true }), fc.constantFrom(1.7e9, Number.NaN), fc.constant('1')),
      },
      { requiredKeys: ['measurement', 'fields', 'time'] },
    );
    const point = fc.oneof(likely, wild);
    const defaults = fc.constantFrom<Record<string, string>>({}, { depot: 'north' }, { depot: '' }, { depot: 'a b' });
    let valid = 0;
    fc.assert(
      fc.property(point, defaults, (p, d) => {
        const ref = referenceValidate(p, d);
        const v = validatePoint(p, d);
        // twice: the second time with the field order cached by the first
        for (const l of [pointToLine(p, d), pointToLine(p, d)]) {
          if (ref.ok) assert.equal(l, toLine(ref.point));
          else assert.deepEqual(l, { reason: ref.reason });
        }
        assert.deepEqual(v, ref);
        if (ref.ok) valid++;
      }),
      { numRuns: 3000 },
    );
    assert.ok(valid > 300, `${valid} valid points among the cases`);
  });

  it('Batch: halves without copying, the refused point back, the time range from the bytes', () => {
    const pts: WirePoint[] = Array.from({ length: 7 }, (_, i) => ({ measurement: 'event', tags: { vehicle: i % 2 ? 'van é' : 'v', type: 't' }, fields: { i, note: 'a "b"' }, timestamp: 1_700_000_000_000_000 + (i * 37) % 7 }));
    const b = Batch.fromLines(pts.map(toLine));
    assert.equal(b.count, 7);
    assert.deepEqual(splitBody(b.body), pts.map(toLine));
    const h = b.slice(3, 7);
    assert.equal(h.count, 4);
    assert.deepEqual(splitBody(h.body), pts.slice(3).map(toLine));
    assert.equal(h.body.buffer, b.body.buffer, 'a view, not a copy');
    assert.deepEqual(h.slice(1, 2).point(0), pts[4]);
    assert.deepEqual(b.timeRange(), [Math.min(...pts.map((p) => p.timestamp)), Math.max(...pts.map((p) => p.timestamp))]);
    assert.deepEqual(h.timeRange(), [Math.min(...pts.slice(3).map((p) => p.timestamp)), Math.max(...pts.slice(3).map((p) => p.timestamp))]);
  });

  it('parseLine() gives the point back; lineTime() its timestamp', () => {
    const p: WirePoint = { measurement: 'event', tags: { vehicle: 'van 1,x=y', type: 't' }, fields: { note: 'say "hi" \\ there, a=b', peak: -1.5e-9, ok: true, n: 3 }, timestamp: 1_700_000_000_000_001 };
    assert.deepEqual(parseLine(toLine(p)), p);
    assert.equal(lineTime(toLine(p)), p.timestamp);
    assert.equal(parseLine('no fields here'), undefined);
  });
});
