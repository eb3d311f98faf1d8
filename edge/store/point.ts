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

export function registerMeasurement(s: MeasurementSchema): void {
  MEASUREMENTS[s.name] = s;
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
const MAX_STRING = 64 * 1024;
// a tag value must not be empty (invalid line protocol) nor hold characters the client does not escape well
const NAME_OK = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;
// years 2000..2200: catches seconds-vs-ms mistakes (1.6e9 "ms" is January 1970)
const MIN_MS = 946684800000;
const MAX_MS = 7258118400000;

const BAD_TAG = /[\n\r\\]/;
const allowedCache = new WeakMap<MeasurementSchema, Set<string>>();
function allowedTags(s: MeasurementSchema): Set<string> {
  let a = allowedCache.get(s);
  if (!a) allowedCache.set(s, (a = new Set([...s.tags.required, ...s.tags.optional])));
  return a;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks a point against its measurement's schema; returns the wire form or the reason it is refused. */
export function validatePoint(p: unknown, defaultTags: Record<string, string> = {}): Validation {
  if (!isRecord(p)) return { ok: false, reason: 'not an object' };
  const m = p.measurement;
  if (typeof m !== 'string' || m.length === 0) return { ok: false, reason: 'measurement: missing' };
  const schema = MEASUREMENTS[m];
  if (!schema) return { ok: false, reason: `measurement: "${m.slice(0, 40)}" is not in the schema (${Object.keys(MEASUREMENTS).join(', ')})` };
  const time = p.time;
  if (typeof time !== 'number' || !Number.isFinite(time)) return { ok: false, reason: `${m}: time: not a number (ms since the epoch)` };
  if (time < MIN_MS || time > MAX_MS) return { ok: false, reason: `${m}: time: ${time} is not ms since the epoch in 2000..2200 (seconds or ns?)` };
  const tagsIn = p.tags === undefined ? {} : p.tags;
  if (!isRecord(tagsIn)) return { ok: false, reason: `${m}: tags: not an object` };
  const tags: Record<string, string> = {};
  for (const k in defaultTags) if (defaultTags[k] !== '') tags[k] = defaultTags[k]!;
  const allowed = allowedTags(schema);
  for (const k in tagsIn) {
    const v = tagsIn[k];
    if (v === undefined || v === null || v === '') continue; // an absent tag, not an error
    if (!allowed.has(k)) return { ok: false, reason: `${m}: tag "${k.slice(0, 40)}" is not in the schema (allowed: ${[...allowed].join(', ')})` };
    if (typeof v !== 'string') return { ok: false, reason: `${m}: tag ${k}: not a string` };
    if (v.length > MAX_KEY || BAD_TAG.test(v)) return { ok: false, reason: `${m}: tag ${k}: too long or holds a newline/backslash` };
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
    const known = schema.fields[k] as FieldKind | undefined;
    if (known === undefined && (!NAME_OK.test(k) || k.length > MAX_KEY)) return { ok: false, reason: `${m}: field name "${k.slice(0, 40)}" is not a plain name` };
    const kind: FieldKind | 'any' | undefined = known ?? schema.extraFields;
    if (kind === undefined) return { ok: false, reason: `${m}: field "${k}" is not in the schema` };
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { ok: false, reason: `${m}: field ${k}: ${v} is not a finite number` };
      if (kind !== 'number' && kind !== 'any') return { ok: false, reason: `${m}: field ${k}: expected ${kind}, got a number` };
    } else if (typeof v === 'string') {
      if (kind !== 'string' && kind !== 'any') return { ok: false, reason: `${m}: field ${k}: expected ${kind}, got a string` };
      if (v.length > MAX_STRING) return { ok: false, reason: `${m}: field ${k}: string longer than ${MAX_STRING}` };
    } else if (typeof v === 'boolean') {
      if (kind !== 'boolean' && kind !== 'any') return { ok: false, reason: `${m}: field ${k}: expected ${kind}, got a boolean` };
    } else return { ok: false, reason: `${m}: field ${k}: ${typeof v} is not a number, string or boolean` };
    fields[k] = v;
    n++;
  }
  if (n === 0) return { ok: false, reason: `${m}: no fields` };
  return { ok: true, point: { measurement: m, tags, fields, timestamp: Math.round(time * 1000) } };
}

/** Field kinds per known field must stay consistent between stored points of one measurement. */
export function schemaOf(measurement: string): MeasurementSchema | undefined {
  return MEASUREMENTS[measurement];
}
