// Output records of the scoring engine. Plain JSON-serialisable objects, each with a `kind`, so a
// stream of them can be written as JSON lines, diffed, and replayed into InfluxDB.

/** A GNSS fix: degrees WGS84, at the frame time `t` (s since the epoch). */
export interface Position {
  t: number;
  lat: number;
  lon: number;
}

export const EVENT_TYPES = [
  'harsh_braking',
  'harsh_acceleration',
  'harsh_cornering',
  'speeding',
  'idling',
  'fatigue',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Where the acceleration behind a harsh event came from. */
export type AccelSource = 'measured' | 'calibrated' | 'derived';

/**
 * One behaviour event. `peak` is in `unit`: g for harsh events (magnitude, always positive), km/h
 * for speeding (highest speed), s for idling (idle time), h for fatigue (longest continuous driving).
 */
export interface ScoringEvent {
  kind: 'event';
  /** `<vehicle>/<type>/<t0 in ms>`: stable across replays */
  id: string;
  vehicle: string;
  driver?: string;
  type: EventType;
  /** start and end, s since the epoch (frame time) */
  t0: number;
  t1: number;
  duration: number;
  peak: number;
  unit: 'g' | 'km/h' | 's' | 'h';
  /** time of the peak */
  peakT: number;
  /** the configured threshold the event crossed, in `unit` */
  threshold: number;
  /** vehicle speed at t0 (km/h), null when no speed was known */
  speedAtStart: number | null;
  /** last fix at or before t0, null when none */
  position: Position | null;
  /** harsh events: which acceleration was used */
  accelSource?: AccelSource;
  /** speeding: limit used, time and distance over it */
  limitKmh?: number;
  overSeconds?: number;
  overDistanceKm?: number;
  /** idling: engine running at standstill, and the fuel burnt when an accumulated-fuel signal exists */
  idleSeconds?: number;
  fuelLitres?: number | null;
  /** fatigue: driving time without a qualifying break when the event opened */
  drivingSeconds?: number;
  configVersion: string;
}

export type EventCounts = Record<EventType, number>;

export function zeroCounts(): EventCounts {
  return {
    harsh_braking: 0,
    harsh_acceleration: 0,
    harsh_cornering: 0,
    speeding: 0,
    idling: 0,
    fatigue: 0,
  };
}

/** A reference to an event behind a score. */
export interface EventRef {
  id: string;
  type: EventType;
  t0: number;
}

export type ScoreScope = 'trip' | 'driver' | 'vehicle';

export interface Score {
  kind: 'score';
  scope: ScoreScope;
  /** trip id, driver id or vehicle id */
  key: string;
  vehicle?: string;
  driver?: string;
  /** period covered (trip start/end, or the rolling window's first trip start to last trip end) */
  from: number;
  to: number;
  /** km */
  distance: number;
  /** driving time, s */
  duration: number;
  counts: EventCounts;
  /** events per 100 km, by type */
  ratePer100Km: Record<EventType, number>;
  /** points taken off, by type, after the cap */
  deductions: Record<EventType, number>;
  /** share of driving time over the speed limit, 0..1 */
  speedingShare: number;
  speedingDeduction: number;
  /** 0..100, or null with status 'insufficient_data' below the minimum distance */
  score: number | null;
  status: 'ok' | 'insufficient_data';
  /** formula and weights version (e.g. `ubi-score/1`) */
  version: string;
  configVersion: string;
  trips: string[];
  events: EventRef[];
}

export interface TripSummary {
  kind: 'trip';
  /** `<vehicle>/trip/<t0 in ms>` */
  id: string;
  vehicle: string;
  /** the driver with the most driving time in the trip */
  driver?: string;
  drivers: string[];
  t0: number;
  t1: number;
  /** t1 - t0, s */
  duration: number;
  /** time moving (speed above the stop threshold), s */
  drivingSeconds: number;
  /** engine running at standstill inside the trip, s */
  idleSeconds: number;
  /** time without data inside the trip (gaps longer than trip.maxSampleGapS), s */
  gapSeconds: number;
  /** km */
  distance: number;
  /** 'speed' (integral) unless gaps left holes in it and the odometer covered more */
  distanceSource: 'odometer' | 'speed';
  speedDistance: number;
  /** odometer difference over the trip (its own resolution, e.g. 1 km), null without an odometer */
  odometerDistance: number | null;
  maxSpeed: number;
  startPosition: Position | null;
  endPosition: Position | null;
  counts: EventCounts;
  speedingSeconds: number;
  speedingShare: number;
  nightSeconds: number;
  nightShare: number;
  /** acceleration sources the harsh detectors used during the trip */
  accelSources: AccelSource[];
  score: number | null;
  scoreStatus: 'ok' | 'insufficient_data';
  version: string;
  configVersion: string;
  events: EventRef[];
}

/** The IMU mounting found from the data (gravity at standstill, acceleration direction when driving). */
export interface ImuCalibration {
  kind: 'calibration';
  vehicle: string;
  t: number;
  /** unit vector, sensor axes, pointing up (the accelerometer reads +g along it at rest) */
  up: [number, number, number];
  /** unit vector, sensor axes, vehicle forward; null until enough driving has been seen */
  forward: [number, number, number] | null;
  /** unit vector, sensor axes, vehicle left (up x forward) */
  left: [number, number, number] | null;
  /** 'gravity': up known only; 'complete': up and forward known */
  state: 'gravity' | 'complete';
  /** samples behind the forward estimate, and its agreement with speed-derived acceleration (0..1) */
  samples: number;
  correlation: number | null;
}

export type ScoringOutput = ScoringEvent | TripSummary | Score | ImuCalibration;
