// JSON Schema (2020-12) of the FNOL record, published as schemas/fnol.schema.json (a test checks the
// file equals this object), and a validator for the subset of JSON Schema it uses, so the schema the
// insurer reads is the one the appliance (and the test insurer) enforce.
import { FNOL_SCHEMA_ID, FNOL_VERSION, type FieldError } from './types.js';

type Schema = Record<string, unknown>;

const str = (max: number, extra: Schema = {}): Schema => ({ type: 'string', minLength: 1, maxLength: max, ...extra });
const dateTime: Schema = { type: 'string', format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$', description: 'UTC, ISO 8601' };
const numOrNull = (min: number, max: number, description: string): Schema => ({ type: ['number', 'null'], minimum: min, maximum: max, description });
const obj = (properties: Record<string, Schema>, description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  additionalProperties: false,
  properties,
});

const fix = obj({ latitude: { type: 'number', minimum: -90, maximum: 90 }, longitude: { type: 'number', minimum: -180, maximum: 180 }, dateTime });

export const FNOL_SCHEMA: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: FNOL_SCHEMA_ID,
  title: 'ubi-edge first notice of loss (FNOL)',
  description:
    'A first notice of loss filed by a ubi-edge fleet gateway, automatically from a detected incident or manually by a depot manager. fnolId is stable per incident and is sent as the Idempotency-Key header: a repeated key is the same claim.',
  ...obj({
    schemaVersion: { const: FNOL_VERSION },
    fnolId: str(64, { pattern: '^fnol-[a-z0-9-]{8,58}$', description: 'stable id, equal to the Idempotency-Key header' }),
    source: { enum: ['automatic', 'manual'] },
    test: { type: 'boolean', description: 'a test claim, not a real loss' },
    policy: obj({ policyNumber: str(64), documentType: { const: 'FLEET_MOTOR' } }),
    vehicle: obj({ vin: { type: 'string', pattern: '^[A-HJ-NPR-Z0-9]{17}$' }, plate: str(15), vehicleId: str(64, { description: 'the gateway\'s id of the vehicle' }) }),
    driver: obj({ driverId: { type: ['string', 'null'], maxLength: 64 } }),
    occurrence: obj({
      dateTime,
      description: str(2000),
      injuries: { enum: ['unknown', 'none', 'yes'] },
      trigger: { enum: ['acceleration', 'speed_drop', 'crash_signal', 'manual'] },
    }),
    location: obj({
      latitude: numOrNull(-90, 90, 'WGS 84 degrees'),
      longitude: numOrNull(-180, 180, 'WGS 84 degrees'),
      accuracyM: numOrNull(0, 1e6, 'horizontal accuracy, metres'),
      headingDeg: numOrNull(0, 360, 'degrees from north'),
      positionTrusted: { type: 'boolean', description: 'EN 15722 "position can be trusted"' },
      fixDateTime: { anyOf: [dateTime, { type: 'null' }] },
      previousFixes: { type: 'array', maxItems: 2, items: fix, description: 'the two fixes before the position, newest first' },
    }),
    crash: {
      anyOf: [
        { type: 'null' },
        obj({
          incidentId: str(128),
          peakG: numOrNull(0, 1000, 'highest horizontal acceleration, g'),
          deltaVKmh: numOrNull(0, 1000, 'change of velocity, km/h'),
          speedBeforeKmh: numOrNull(0, 1000, 'km/h'),
          speedAfterKmh: numOrNull(0, 1000, 'km/h'),
          moving: { type: 'boolean' },
          accelSource: { enum: ['calibrated', 'measured', 'uncalibrated', 'none'] },
          configVersion: str(128),
        }),
      ],
    },
    evidence: {
      anyOf: [{ type: 'null' }, obj({ ref: str(512), sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bundle manifest' }, files: { type: 'integer', minimum: 1 } })],
    },
  }),
};

/** Errors of `value` against `schema` (the subset used above), with JSON paths as field names. */
export function validateAgainst(schema: Schema, value: unknown, path = ''): FieldError[] {
  const out: FieldError[] = [];
  const at = path || '(record)';
  if ('const' in schema && value !== schema.const) return [{ field: at, reason: `must be ${JSON.stringify(schema.const)}` }];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [{ field: at, reason: `must be one of ${schema.enum.map((x) => JSON.stringify(x)).join(', ')}` }];
  if (Array.isArray(schema.anyOf)) {
    const all = (schema.anyOf as Schema[]).map((s) => validateAgainst(s, value, path));
    if (all.some((e) => e.length === 0)) return [];
    return all.reduce((a, b) => (b.length < a.length ? b : a));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const ok = types.some((t) => t === kind || (t === 'integer' && typeof value === 'number' && Number.isInteger(value)) || (t === 'number' && kind === 'number' && Number.isFinite(value)));
    if (!ok) return [{ field: at, reason: `must be ${types.join(' or ')}` }];
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) out.push({ field: at, reason: schema.minLength === 1 ? 'must not be empty' : `at least ${schema.minLength} characters` });
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) out.push({ field: at, reason: `at most ${schema.maxLength} characters` });
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) out.push({ field: at, reason: `"${value.slice(0, 40)}" does not match ${schema.pattern}` });
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) out.push({ field: at, reason: 'not a date-time' });
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) out.push({ field: at, reason: `must be >= ${schema.minimum}` });
    if (typeof schema.maximum === 'number' && value > schema.maximum) out.push({ field: at, reason: `must be <= ${schema.maximum}` });
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) out.push({ field: at, reason: `at most ${schema.maxItems} items` });
    if (schema.items) value.forEach((v, i) => out.push(...validateAgainst(schema.items as Schema, v, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && schema.properties) {
    const o = value as Record<string, unknown>;
    const props = schema.properties as Record<string, Schema>;
    for (const k of (schema.required as string[] | undefined) ?? []) if (!(k in o)) out.push({ field: path ? `${path}.${k}` : k, reason: 'required' });
    for (const [k, v] of Object.entries(o)) {
      const p = path ? `${path}.${k}` : k;
      if (props[k]) out.push(...validateAgainst(props[k], v, p));
      else if (schema.additionalProperties === false) out.push({ field: p, reason: 'unknown field' });
    }
  }
  return out;
}

export function validateFnol(value: unknown): FieldError[] {
  return validateAgainst(FNOL_SCHEMA, value);
}
