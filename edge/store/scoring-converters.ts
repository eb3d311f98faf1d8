// Converters for the scoring and incident engines' records (edge/scoring/types.ts,
// edge/incidents/types.ts) into `event`, `trip`, `score` and `incident` points. Registered on import
// (store.ts imports this module). Ids are fields, never tags; times are the records' own (s -> ms).
import type { Score, ScoringEvent, TripSummary, EventCounts } from '../scoring/types.js';
import type { Incident, IncidentAlert } from '../incidents/types.js';
import { registerConverter } from './convert.js';
import type { FieldValue, StorePoint } from './point.js';

function kindOf(x: unknown): string | undefined {
  return typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string' ? (x as { kind: string }).kind : undefined;
}

/** Drops null/undefined/non-finite values (InfluxDB has no nulls: an absent field is the null). */
function clean(f: Record<string, FieldValue | null | undefined>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) continue;
    out[k] = v;
  }
  return out;
}

function tags(t: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) if (v) out[k] = v;
  return out;
}

function counts(c: EventCounts | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (c) for (const [k, v] of Object.entries(c)) out[`count_${k}`] = v;
  return out;
}

export function eventPoint(e: ScoringEvent): StorePoint {
  return {
    measurement: 'event',
    tags: tags({ vehicle: e.vehicle, driver: e.driver, type: e.type }),
    fields: clean({
      event: e.id,
      duration_s: e.duration,
      peak: e.peak,
      unit: e.unit,
      peak_offset_s: e.peakT - e.t0,
      threshold: e.threshold,
      speed_kmh: e.speedAtStart,
      lat: e.position?.lat,
      lon: e.position?.lon,
      accel_source: e.accelSource,
      limit_kmh: e.limitKmh,
      over_s: e.overSeconds,
      over_km: e.overDistanceKm,
      idle_s: e.idleSeconds,
      fuel_l: e.fuelLitres,
      driving_s: e.drivingSeconds,
      config_version: e.configVersion,
    }),
    time: e.t0 * 1000,
  };
}

export function tripPoint(t: TripSummary): StorePoint {
  return {
    measurement: 'trip',
    tags: tags({ vehicle: t.vehicle, driver: t.driver }),
    fields: clean({
      trip: t.id,
      distance_km: t.distance,
      duration_s: t.duration,
      driving_s: t.drivingSeconds,
      idle_s: t.idleSeconds,
      gap_s: t.gapSeconds,
      max_speed_kmh: t.maxSpeed,
      speeding_share: t.speedingShare,
      night_share: t.nightShare,
      score: t.score,
      score_status: t.scoreStatus,
      score_version: t.version,
      config_version: t.configVersion,
      start_lat: t.startPosition?.lat,
      start_lon: t.startPosition?.lon,
      end_lat: t.endPosition?.lat,
      end_lon: t.endPosition?.lon,
      ...counts(t.counts),
    }),
    time: t.t1 * 1000,
  };
}

export function scorePoint(s: Score): StorePoint {
  return {
    measurement: 'score',
    tags: tags({ scope: s.scope, vehicle: s.vehicle, driver: s.driver }),
    fields: clean({
      key: s.key,
      score: s.score,
      status: s.status,
      distance_km: s.distance,
      duration_s: s.duration,
      trips: s.trips.length,
      speeding_share: s.speedingShare,
      score_version: s.version,
      config_version: s.configVersion,
      from_ms: s.from * 1000,
      ...counts(s.counts),
    }),
    time: s.to * 1000,
  };
}

export function incidentPoint(i: Incident | IncidentAlert): StorePoint {
  const full = i.kind === 'incident' ? i : undefined;
  return {
    measurement: 'incident',
    tags: tags({ vehicle: i.vehicle, driver: i.driver, type: i.trigger }),
    fields: clean({
      incident: i.id,
      stage: i.kind === 'incident' ? 'recorded' : 'alert',
      peak_g: i.peakG,
      speed_before_kmh: i.speedBefore,
      speed_after_kmh: full?.speedAfter,
      delta_v_kmh: full?.deltaV,
      moving: i.moving,
      lat: i.position?.lat,
      lon: i.position?.lon,
      accel_source: full?.accelSource,
      triggers: full?.triggers.length,
      recording_samples: full?.recording.t.length,
      config_version: i.configVersion,
    }),
    // alert and incident share the time and tags: the recorded incident completes the alert's point
    time: i.t * 1000,
  };
}

registerConverter({ kind: 'event', matches: (x) => kindOf(x) === 'event', toPoints: (x) => [eventPoint(x as ScoringEvent)] });
registerConverter({ kind: 'trip', matches: (x) => kindOf(x) === 'trip', toPoints: (x) => [tripPoint(x as TripSummary)] });
registerConverter({ kind: 'score', matches: (x) => kindOf(x) === 'score', toPoints: (x) => [scorePoint(x as Score)] });
registerConverter({ kind: 'incident', matches: (x) => kindOf(x) === 'incident' || kindOf(x) === 'incident_alert', toPoints: (x) => [incidentPoint(x as Incident)] });
// engine records that are not time series of the schema: accepted and left out
registerConverter({ kind: 'not stored', matches: (x) => kindOf(x) === 'calibration' || kindOf(x) === 'sensor_disturbance', toPoints: () => [] });
