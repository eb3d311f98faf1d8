// The store's one currency: a validated point {measurement, tags, fields, time}, and the schema of
// every measurement ARCHITECTURE.md lists. Everything written to InfluxDB passes validatePoint()
// first, so a bad point is refused here, with a reason, instead of failing a whole HTTP batch.
//
// Time: `time` is milliseconds since the epoch (fractions allowed, as GatewayPoint already uses);
// on the wire and in the outbox it becomes integer microseconds and every write says
// precision=u explicitly (the `influx` client's default for numeric times is nanoseconds).
//
// Numbers are always written as floats (no `i` suffix): a field never changes type between
// points, so InfluxDB's "field type conflict" cannot happen for our own measurements.

import { escapeKey, fieldText, sortNames } from './line.js';

export type FieldValue = number | string | boolean;

/** What nodes and converters hand to the store. */
export interface StorePoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** ms since the epoch (the data's own time; fractions keep microseconds) */
  time: number;
}

/** A validated point as it travels through the outbox and to the `influx` client (IPoint shape). */
export interface WirePoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** integer microseconds since the epoch; written with precision 'u' */
  timestamp: number;
}

export type FieldKind = 'number' | 'string' | 'boolean';

export interface MeasurementSchema {
  name: string;
  /** tags a point may carry (low cardinality only); `required` ones must be present */
  tags: { required: readonly string[]; optional: readonly string[] };
  /** known fields and their kinds; `extraFields` says whether others are accepted (and their kind) */
  fields: Readonly<Record<string, FieldKind>>;
  extraFields?: FieldKind | 'any';
  /** retention class: raw (short) or long; decides the retention policy a point is written to */
  retention: 'raw' | 'long';
  /** may the outbox drop this measurement's points when the disk cap is reached? lower drops first */
  dropPriority: number | 'never';
  doc: string;
}

const COMMON_OPTIONAL = ['depot'] as const;

/** The schema of ARCHITECTURE.md's measurements. Extend with registerMeasurement(). */
export const MEASUREMENTS: Record<string, MeasurementSchema> = {};

/** measurement name -> schema (a Map: no prototype names, one lookup) */
const byName = new Map<string, MeasurementSchema>();

/** Adds (or replaces) a measurement. A schema is not changed once registered (pointToLine caches what it derives from it): register a new one instead. */
export function registerMeasurement(s: MeasurementSchema): void {
  MEASUREMENTS[s.name] = s;
  byName.set(s.name, s);
}

registerMeasurement({
  name: 'signal',
  tags: { required: ['vehicle', 'signal'], optional: [...COMMON_OPTIONAL] },
  fields: { mean: 'number', min: 'number', max: 'number', last: 'number', n: 'number', text: 'string' },
  retention: 'raw',
  dropPriority: 0,
  doc: 'one point per vehicle, signal (VSS name) and window (1 s default): mean/min/max/last/n of the samples; text signals carry `text` (last value)',
});
registerMeasurement({
  name: 'gateway',
  tags: { required: [], optional: ['vehicle', 'iface', 'host', ...COMMON_OPTIONAL] },
  fields: {
    frames_per_s: 'number',
    bus_load_pct: 'number',
    frames_total: 'number',
    error_frames: 'number',
    dropped: 'number',
    malformed: 'number',
    outbox_bytes: 'number',
    outbox_points: 'number',
    outbox_dropped: 'number',
    cpu_pct: 'number',
    rss_bytes: 'number',
  },
  extraFields: 'number',
  retention: 'raw',
  dropPriority: 1,
  doc: 'gateway health per interface (ubi-can-in 2nd output: vehicle, iface) and of the store itself (host: outbox, rss, cpu)',
});
registerMeasurement({
  name: 'renewal',
  tags: { required: [], optional: ['vehicle', 'driver', 'stage', ...COMMON_OPTIONAL] },
  fields: { policy: 'string', days_to_expiry: 'number', quoted_premium: 'number', discount_pct: 'number', reminder_stage: 'number' },
  extraFields: 'any',
  retention: 'long',
  dropPriority: 2,
  doc: 'per policy: days to expiry, quoted premium, discount, reminder stage (policy id is a field, never a tag)',
});
registerMeasurement({
  name: 'event',
  tags: { required: ['vehicle', 'type'], optional: ['driver', ...COMMON_OPTIONAL] },
  fields: { duration_s: 'number', peak: 'number', lat: 'number', lon: 'number', speed_kmh: 'number', severity: 'number' },
  extraFields: 'any',
  retention: 'long',
  dropPriority: 'never',
  doc: 'one point per behaviour event at its start t0: type (harsh_braking, harsh_acceleration, harsh_cornering, speeding, idling, fatigue)',
});
registerMeasurement({
  name: 'trip',
  tags: { required: ['vehicle'], optional: ['driver', ...COMMON_OPTIONAL] },
  fields: { trip: 'string', distance_km: 'number', duration_s: 'number', score: 'number', score_version: 'string' },
  extraFields: 'any',
  retention: 'long',
  dropPriority: 'never',
  doc: 'one point per finished trip at its end: distance, duration, counts by event type (count_<type>), score',
});
registerMeasurement({
  name: 'score',
  tags: { required: [], optional: ['vehicle', 'driver', 'scope', 'period', ...COMMON_OPTIONAL] },
  fields: { score: 'number', distance_km: 'number', trips: 'number', score_version: 'string' },
  extraFields: 'any',
  retention: 'long',
  dropPriority: 'never',
  doc: 'daily rolling score per driver and per vehicle',
});
registerMeasurement({
  name: 'incident',
  tags: { required: ['vehicle'], optional: ['driver', 'type', ...COMMON_OPTIONAL] },
  fields: { incident: 'string', lat: 'number', lon: 'number', peak_g: 'number', speed_kmh: 'number', recording: 'string' },
  extraFields: 'any',
  retention: 'long',
  dropPriority: 'never',
  doc: 'one point per incident (id, position, trigger figures, recording ref as fields)',
});
registerMeasurement({
  name: 'claim',
  tags: { required: ['status'], optional: ['vehicle', 'driver', ...COMMON_OPTIONAL] },
  fields: { claim: 'string', incident: 'string', policy: 'string', detail: 'string' },
  extraFields: 'any',
  retention: 'long',
  dropPriority: 'never',
  doc: 'one point per claim status change (claim/incident/policy ids as fields)',
});

export type Validation = { ok: true; point: WirePoint } | { ok: false; reason: string };

const MAX_KEY = 256;
/** longest string field value */
export const MAX_STRING = 64 * 1024;
const NAME_OK = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;
// years 2000..2200: catches seconds-vs-ms mistakes (1.6e9 "ms" is January 1970)
export const MIN_MS = 946684800000;
export const MAX_MS = 7258118400000;

/**
 * What pointToLine() keeps per measurement, so that a point costs no lookup by name: the allowed
 * tags (escaped, and whether required), and the field names of the last point in their order, with
 * their kinds and their sorted order (points of one kind come with one field order).
 */
interface SchemaCache {
  tags: Map<string, { esc: string; required: boolean }>;
  requiredCount: number;
  order: string[];
  kinds: Array<FieldKind | 'any'>;
  /** sorted position -> position in `order`, and the escaped names in sorted order */
  perm: number[];
  escSorted: string[];
}
const schemaCache = new WeakMap<MeasurementSchema, SchemaCache>();
function cacheOf(s: MeasurementSchema): SchemaCache {
  let c = schemaCache.get(s);
  if (!c) {
    const tags = new Map<string, { esc: string; required: boolean }>();
    // required first: the order a refusal lists them in
    for (const k of s.tags.required) tags.set(k, { esc: escapeKey(k), required: true });
    for (const k of s.tags.optional) if (!tags.has(k)) tags.set(k, { esc: escapeKey(k), required: false });
    schemaCache.set(s, (c = { tags, requiredCount: new Set(s.tags.required).size, order: [], kinds: [], perm: [], escSorted: [] }));
  }
  return c;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A point validation refused, and why. */
export interface Refusal {
  reason: string;
}

function refuse(reason: string): Refusal {
  return { reason };
}

// reused by every call (pointToLine is synchronous): a point's field names and values in its order
const KEYS: string[] = [];
const VALS: FieldValue[] = [];

/**
 * Checks a point against its measurement's schema and makes its line of line protocol in the same
 * pass (no intermediate point object: this is the store's per-point hot path); or says why the
 * point is refused. The line is toLine(validatePoint(p).point), byte for byte (tested, also against
 * the rules as they were written before this pass existed).
 */
export function pointToLine(p: unknown, defaultTags: Record<string, string> = {}): string | Refusal {
  if (!isRecord(p)) return refuse('not an object');
  const m = p.measurement;
  if (typeof m !== 'string' || m.length === 0) return refuse('measurement: missing');
  const schema = byName.get(m);
  if (!schema) return refuse(`measurement: "${m.slice(0, 40)}" is not in the schema (${Object.keys(MEASUREMENTS).join(', ')})`);
  const time = p.time;
  if (typeof time !== 'number' || !Number.isFinite(time)) return refuse(`${m}: time: not a number (ms since the epoch)`);
  if (time < MIN_MS || time > MAX_MS) return refuse(`${m}: time: ${time} is not ms since the epoch in 2000..2200 (seconds or ns?)`);
  const tagsIn = p.tags === undefined ? {} : p.tags;
  if (!isRecord(tagsIn)) return refuse(`${m}: tags: not an object`);
  const cache = cacheOf(schema);
  let hasDefaults = false;
  for (const k in defaultTags) if (defaultTags[k] !== '') hasDefaults = true;
  // the point's own tags, in their order; a default tag it sets keeps the default's place
  let own = '';
  let overrides: Record<string, string> | undefined;
  let required = 0;
  for (const k in tagsIn) {
    const v = tagsIn[k];
    if (v === undefined || v === null || v === '') continue; // an absent tag, not an error
    const t = cache.tags.get(k);
    if (t === undefined) return refuse(`${m}: tag "${k.slice(0, 40)}" is not in the schema (allowed: ${[...cache.tags.keys()].join(', ')})`);
    if (typeof v !== 'string') return refuse(`${m}: tag ${k}: not a string`);
    // no newline (it would end the line) nor backslash (the client escapes it badly)
    const ev = v.length > MAX_KEY ? undefined : tagValue(v);
    if (ev === undefined) return refuse(`${m}: tag ${k}: too long or holds a newline/backslash`);
    if (t.required) required++;
    const d = hasDefaults ? defaultTags[k] : undefined;
    if (d !== undefined && d !== '') (overrides ??= {})[k] = v;
    else own += ',' + t.esc + '=' + ev;
  }
  if (required < cache.requiredCount) {
    // some required tag is not among the point's own: a default tag may still give it
    for (const k of schema.tags.required) {
      const d = defaultTags[k];
      if ((d === undefined || d === '') && !isNonEmptyString(tagsIn[k])) return refuse(`${m}: tag ${k}: missing`);
    }
  }
  let line = m;
  if (hasDefaults) {
    for (const k in defaultTags) {
      const d = defaultTags[k]!;
      if (d !== '') line += ',' + escapeKey(k) + '=' + escapeKey(overrides?.[k] ?? d);
    }
  }
  line += own;
  const fieldsIn = p.fields;
  if (!isRecord(fieldsIn)) return refuse(`${m}: fields: not an object`);
  const order = cache.order;
  let same = true; // the same names in the same order as the last point so far
  let n = 0;
  for (const k in fieldsIn) {
    const v = fieldsIn[k];
    if (v === undefined || v === null) continue;
    let kind: FieldKind | 'any' | undefined;
    if (same && order[n] === k) kind = cache.kinds[n];
    else {
      same = false;
      const known = Object.hasOwn(schema.fields, k) ? schema.fields[k] : undefined;
      if (known === undefined && (!NAME_OK.test(k) || k.length > MAX_KEY || k === '__proto__')) return refuse(`${m}: field name "${k.slice(0, 40)}" is not a plain name`);
      kind = known ?? schema.extraFields;
      if (kind === undefined) return refuse(`${m}: field "${k}" is not in the schema`);
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return refuse(`${m}: field ${k}: ${v} is not a finite number`);
      if (kind !== 'number' && kind !== 'any') return refuse(`${m}: field ${k}: expected ${kind}, got a number`);
    } else if (typeof v === 'string') {
      if (kind !== 'string' && kind !== 'any') return refuse(`${m}: field ${k}: expected ${kind}, got a string`);
      if (v.length > MAX_STRING) return refuse(`${m}: field ${k}: string longer than ${MAX_STRING}`);
    } else if (typeof v === 'boolean') {
      if (kind !== 'boolean' && kind !== 'any') return refuse(`${m}: field ${k}: expected ${kind}, got a boolean`);
    } else return refuse(`${m}: field ${k}: ${typeof v} is not a number, string or boolean`);
    KEYS[n] = k;
    VALS[n] = v;
    n++;
  }
  if (n === 0) return refuse(`${m}: no fields`);
  if (!same || n !== order.length) remember(schema, cache, n);
  const perm = cache.perm;
  const esc = cache.escSorted;
  for (let i = 0; i < n; i++) line += (i === 0 ? ' ' : ',') + esc[i]! + '=' + fieldText(VALS[perm[i]!]!);
  return line + ' ' + String(Math.round(time * 1000));
}

/** The field order of the point just checked (KEYS[0..n)) becomes the cached one. */
function remember(schema: MeasurementSchema, cache: SchemaCache, n: number): void {
  cache.order = KEYS.slice(0, n);
  cache.kinds = cache.order.map((k) => (Object.hasOwn(schema.fields, k) ? schema.fields[k]! : schema.extraFields!));
  const sorted = cache.order.slice();
  sortNames(sorted);
  cache.perm = sorted.map((k) => cache.order.indexOf(k));
  cache.escSorted = sorted.map(escapeKey);
}

/** A tag value escaped as the client escapes it; undefined when it holds a newline, carriage return or backslash. */
function tagValue(s: string): string | undefined {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || c === 13 || c === 92) return undefined;
    if (c === 44 || c === 61 || c === 32) plain = false;
  }
  return plain ? s : escapeKey(s);
}

/** Checks a point against its measurement's schema; returns the wire form or the reason it is refused. */
export function validatePoint(p: unknown, defaultTags: Record<string, string> = {}): Validation {
  const r = pointToLine(p, defaultTags);
  if (typeof r !== 'string') return { ok: false, reason: r.reason };
  // valid (pointToLine checked every rule): the same point as an object
  const q = p as StorePoint;
  const tags: Record<string, string> = {};
  for (const k in defaultTags) if (defaultTags[k] !== '') tags[k] = defaultTags[k]!;
  const tagsIn = (q.tags ?? {}) as Record<string, unknown>;
  for (const k in tagsIn) if (isNonEmptyString(tagsIn[k])) tags[k] = tagsIn[k];
  const fields: Record<string, FieldValue> = {};
  for (const k in q.fields) {
    const v = q.fields[k];
    if (v !== undefined && v !== null) fields[k] = v;
  }
  return { ok: true, point: { measurement: q.measurement, tags, fields, timestamp: Math.round(q.time * 1000) } };
}

function isNonEmptyString(x: unknown): x is string {
  return typeof x === 'string' && x !== '';
}


/** Field kinds per known field must stay consistent between stored points of one measurement. */
export function schemaOf(measurement: string): MeasurementSchema | undefined {
  return MEASUREMENTS[measurement];
}
