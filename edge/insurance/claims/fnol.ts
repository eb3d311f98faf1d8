// Building the FNOL record: from an Incident and the policy in force for its vehicle, or from a
// manual report (validated field by field). Pure functions: no clock, no I/O.
import crypto from 'node:crypto';
import type { Incident, IncidentRecording } from '../../incidents/types.js';
import type { Policy } from '../types.js';
import { FNOL_VERSION, ClaimInputError, type FieldError, type FnolFix, type FnolRecord } from './types.js';

export interface FnolOptions {
  test?: boolean;
  /** a fix older than this before the occurrence is not trusted (default 5 s) */
  positionMaxAgeS?: number;
  /** a reported accuracy above this is not trusted (default 50 m) */
  positionMaxAccuracyM?: number;
}

const sha = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/** The idempotency key of an incident's claim: stable across restarts and replays. */
export function fnolIdOf(incidentId: string): string {
  return `fnol-${sha(`incident:${incidentId}`).slice(0, 32)}`;
}

export const iso = (ms: number): string => new Date(Math.round(ms)).toISOString();
const round = (x: number | null, digits: number): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

const norm = (s: string): string => s.toUpperCase().replace(/[\s-]/g, '');

/**
 * The policy in force for a vehicle at a time: the vehicle id (or its mapped VIN/plate) matched
 * against the policies' VIN and plate (ignoring case, spaces, hyphens); cover from startDate to the
 * day before endDate (UTC calendar days). Latest start wins if several match.
 */
export function policyFor(policies: readonly Policy[], vehicleKey: string, atMs: number): Policy | null {
  const key = norm(vehicleKey);
  const day = iso(atMs).slice(0, 10);
  const hits = policies.filter((p) => (norm(p.vin) === key || norm(p.plate) === key) && p.startDate <= day && day < p.endDate);
  hits.sort((a, b) => (a.startDate < b.startDate ? 1 : a.startDate > b.startDate ? -1 : 0));
  return hits[0] ?? null;
}

/** Last value of a signal at or before t in the recording (null when absent). */
function lastValue(r: IncidentRecording, names: readonly string[], t: number): number | null {
  const idx = new Set<number>();
  r.signals.forEach((s, i) => {
    if (names.includes(s.name)) idx.add(i);
  });
  if (idx.size === 0) return null;
  let v: number | null = null;
  for (let i = 0; i < r.t.length && r.t[i]! <= t; i++) if (idx.has(r.signal[i]!)) v = r.value[i]!;
  return v;
}

const HEADING = ['Vehicle.CurrentLocation.Heading'];
const ACCURACY = ['Vehicle.CurrentLocation.HorizontalAccuracy'];

function describe(i: Incident): string {
  const what = i.trigger === 'acceleration' ? `an impact of ${i.peakG?.toFixed(1) ?? '?'} g` : i.trigger === 'speed_drop' ? 'a sudden loss of speed' : "the vehicle's crash signal";
  const speed = i.speedBefore !== null ? ` at ${i.speedBefore.toFixed(0)} km/h` : '';
  const dv = i.deltaV !== null ? `, delta-v ${i.deltaV.toFixed(0)} km/h` : '';
  const moving = i.moving ? 'while moving' : 'while stationary';
  return `Automatic notice: the gateway detected ${what}${speed}${dv} ${moving}. ${i.triggers.length} trigger(s) in the event. Reported without driver input; injuries unknown.`;
}

export function fnolFromIncident(i: Incident, p: Policy, evidence: FnolRecord['evidence'], o: FnolOptions = {}): FnolRecord {
  const tMs = i.t * 1000;
  const pos = i.position;
  const accuracy = lastValue(i.recording, ACCURACY, i.t);
  const heading = lastValue(i.recording, HEADING, i.t);
  const fresh = pos !== null && i.t - pos.t <= (o.positionMaxAgeS ?? 5);
  const accurate = accuracy === null || accuracy <= (o.positionMaxAccuracyM ?? 50);
  const fixes: FnolFix[] = i.previousFixes.slice(0, 2).map((f) => ({ latitude: f.lat, longitude: f.lon, dateTime: iso(f.t * 1000) }));
  return {
    schemaVersion: FNOL_VERSION,
    fnolId: fnolIdOf(i.id),
    source: 'automatic',
    test: o.test ?? false,
    policy: { policyNumber: p.policyNumber, documentType: 'FLEET_MOTOR' },
    vehicle: { vin: p.vin, plate: p.plate, vehicleId: i.vehicle },
    driver: { driverId: i.driver ?? null },
    occurrence: { dateTime: iso(tMs), description: describe(i), injuries: 'unknown', trigger: i.trigger },
    location: {
      latitude: pos ? pos.lat : null,
      longitude: pos ? pos.lon : null,
      accuracyM: round(accuracy, 1),
      headingDeg: heading === null ? null : round(((heading % 360) + 360) % 360, 1),
      positionTrusted: fresh && accurate,
      fixDateTime: pos ? iso(pos.t * 1000) : null,
      previousFixes: fixes,
    },
    crash: {
      incidentId: i.id,
      peakG: round(i.peakG, 3),
      deltaVKmh: round(i.deltaV === null ? null : Math.abs(i.deltaV), 2),
      speedBeforeKmh: round(i.speedBefore, 2),
      speedAfterKmh: round(i.speedAfter, 2),
      moving: i.moving,
      accelSource: i.accelSource,
      configVersion: i.configVersion,
    },
    evidence,
  };
}

// ---- manual reports ------------------------------------------------------------------------

export interface ManualReport {
  vin: string | null;
  plate: string | null;
  vehicleId: string | null;
  occurredAtMs: number;
  latitude: number | null;
  longitude: number | null;
  description: string;
  driverId: string | null;
  injuries: 'unknown' | 'none' | 'yes';
  test: boolean | null;
  reference: string | null;
}

const MANUAL_FIELDS = ['vin', 'plate', 'vehicleId', 'occurredAt', 'latitude', 'longitude', 'description', 'driverId', 'injuries', 'test', 'reference'];
const ISO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
/** The manual report's optional strings: pattern and meaning (the REST API's OpenAPI document uses them too, edge/server/claims-api.ts). */
export const MANUAL_STRINGS = {
  vin: { re: /^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$/, what: 'a VIN (17 characters, A-Z without I, O, Q, and 0-9)' },
  plate: { re: /^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$/, what: 'a plate (letters, digits, spaces, hyphens; up to 15)' },
  vehicleId: { re: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, what: 'an id (letters, digits, _ . : -; up to 64)' },
  driverId: { re: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, what: 'a driver id (letters, digits, _ . -; up to 64)' },
  reference: { re: /^[A-Za-z0-9][A-Za-z0-9_.:\/-]{0,63}$/, what: 'a reference (letters, digits, _ . : / -; up to 64)' },
} as const;

/** Validates a manual FNOL body; throws ClaimInputError naming every bad field. */
export function parseManualReport(body: unknown, nowMs: number): ManualReport {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ClaimInputError([{ field: 'body', reason: 'a JSON object is required (Content-Type: application/json)' }]);
  const b = body as Record<string, unknown>;
  const errs: FieldError[] = [];
  for (const k of Object.keys(b)) if (!MANUAL_FIELDS.includes(k)) errs.push({ field: k, reason: `unknown field (expected: ${MANUAL_FIELDS.join(', ')})` });
  const optStr = (k: keyof typeof MANUAL_STRINGS): string | null => {
    const v = b[k];
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string' || !MANUAL_STRINGS[k].re.test(v)) {
      errs.push({ field: k, reason: `must be ${MANUAL_STRINGS[k].what}` });
      return null;
    }
    return v;
  };
  const vin = optStr('vin');
  const plate = optStr('plate');
  const vehicleId = optStr('vehicleId');
  if (!vin && !plate && !errs.some((e) => e.field === 'vin' || e.field === 'plate')) errs.push({ field: 'vin', reason: 'required (or plate)' });
  let occurredAtMs = NaN;
  const oa = b.occurredAt;
  if (oa === undefined || oa === null || oa === '') errs.push({ field: 'occurredAt', reason: 'required: ISO 8601 date-time with offset, e.g. 2025-03-01T08:30:00+01:00' });
  else if (typeof oa !== 'string' || !ISO_OFFSET.test(oa) || Number.isNaN(Date.parse(oa))) errs.push({ field: 'occurredAt', reason: `"${String(oa).slice(0, 40)}" is not an ISO 8601 date-time with offset` });
  else {
    occurredAtMs = Date.parse(oa);
    if (occurredAtMs > nowMs + 5 * 60_000) errs.push({ field: 'occurredAt', reason: 'is in the future' });
  }
  const coord = (k: string, lim: number): number | null => {
    const v = b[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > lim) {
      errs.push({ field: k, reason: `must be a number from -${lim} to ${lim}` });
      return null;
    }
    return v;
  };
  const latitude = coord('latitude', 90);
  const longitude = coord('longitude', 180);
  if ((b.latitude === undefined || b.latitude === null) !== (b.longitude === undefined || b.longitude === null)) errs.push({ field: b.latitude === undefined || b.latitude === null ? 'latitude' : 'longitude', reason: 'latitude and longitude go together' });
  const d = b.description;
  let description = '';
  if (typeof d !== 'string' || d.trim() === '') errs.push({ field: 'description', reason: 'required: what happened (1-2000 characters)' });
  else if (d.length > 2000) errs.push({ field: 'description', reason: 'at most 2000 characters' });
  else description = d.trim();
  const driverId = optStr('driverId');
  const inj = b.injuries ?? 'unknown';
  if (inj !== 'unknown' && inj !== 'none' && inj !== 'yes') errs.push({ field: 'injuries', reason: 'must be one of unknown, none, yes' });
  const test = b.test;
  if (test !== undefined && test !== null && typeof test !== 'boolean') errs.push({ field: 'test', reason: 'must be true or false' });
  const reference = optStr('reference');
  if (errs.length) throw new ClaimInputError(errs);
  return {
    vin: vin ? vin.toUpperCase() : null,
    plate,
    vehicleId,
    occurredAtMs,
    latitude,
    longitude,
    description,
    driverId,
    injuries: inj as ManualReport['injuries'],
    test: typeof test === 'boolean' ? test : null,
    reference,
  };
}

/** The same report (vehicle, time, reference or description) gives the same id: a resubmission is the same claim. */
export function manualFnolId(r: ManualReport, p: Policy): string {
  return `fnol-m-${sha(`manual:${p.vin}:${r.occurredAtMs}:${r.reference ?? r.description}`).slice(0, 30)}`;
}

export function fnolFromManual(r: ManualReport, p: Policy, o: FnolOptions = {}): FnolRecord {
  return {
    schemaVersion: FNOL_VERSION,
    fnolId: manualFnolId(r, p),
    source: 'manual',
    test: r.test ?? o.test ?? false,
    policy: { policyNumber: p.policyNumber, documentType: 'FLEET_MOTOR' },
    vehicle: { vin: p.vin, plate: p.plate, vehicleId: r.vehicleId ?? p.plate },
    driver: { driverId: r.driverId },
    occurrence: { dateTime: iso(r.occurredAtMs), description: r.description, injuries: r.injuries, trigger: 'manual' },
    location: { latitude: r.latitude, longitude: r.longitude, accuracyM: null, headingDeg: null, positionTrusted: false, fixDateTime: null, previousFixes: [] },
    crash: null,
    evidence: null,
  };
}
