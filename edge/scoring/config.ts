// One typed config of every threshold the scoring engine uses, with defaults per vehicle class,
// overridable per vehicle, validated with errors that name the field. See DESIGN.md for the values.

export const VEHICLE_CLASSES = ['van', 'rigid_truck', 'tractor_unit'] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];

/** Bumped whenever a field is added, removed or changes meaning. */
export const CONFIG_SCHEMA = 'ubi-scoring-config/1';

export interface HarshRule {
  /** magnitude in g (braking is a deceleration of this size) */
  thresholdG: number;
  /** held at or above the threshold for at least this long, s */
  minDurationS: number;
  /** only evaluated when the speed at the start is at least this, km/h */
  minSpeedKmh: number;
}

export interface ScoreWeight {
  /** points per event per 100 km */
  perEventPer100Km: number;
  /** at most this many points for the type */
  cap: number;
}

export interface ScoringConfig {
  vehicleClass: VehicleClass;
  /** free label of the operator's revision of this config (recorded in configVersion) */
  revision: string;
  harsh: {
    braking: HarshRule;
    acceleration: HarshRule;
    cornering: HarshRule;
    /** an episode stays open until the value falls this far (g) below the threshold */
    hysteresisG: number;
    /** moving-average window over measured/IMU acceleration, s */
    smoothingS: number;
    /** a gap between acceleration samples longer than this closes an episode, s */
    maxGapS: number;
  };
  speeding: {
    /** the limit where no zone source gives one, km/h */
    limitKmh: number;
    /** over the limit means above limit + tolerance, km/h */
    toleranceKmh: number;
    minDurationS: number;
  };
  idling: {
    /** engine running and speed below trip.stopSpeedKmh for longer than this, s */
    minDurationS: number;
  };
  night: {
    /** IANA time zone of the depot */
    timeZone: string;
    /** local "HH:MM"; the window may wrap midnight (22:00-05:00) */
    start: string;
    end: string;
  };
  fatigue: {
    /** EU 561/2006 art. 7: 4.5 h */
    maxDrivingS: number;
    /** uninterrupted break that resets the driving time: 45 min */
    breakS: number;
    /** split break: a first part of at least 15 min ... */
    splitFirstS: number;
    /** ... followed by a second part of at least 30 min */
    splitSecondS: number;
  };
  engine: {
    /** engine speed at or above this is "running", rpm */
    runningRpm: number;
  };
  trip: {
    /** a trip starts when the speed reaches this, km/h */
    startSpeedKmh: number;
    /** below this the vehicle is stationary, km/h */
    stopSpeedKmh: number;
    /** a stop (stationary with the engine off or unknown) at least this long ends the trip, s */
    minStopS: number;
    /** a data gap at least this long ends the trip at the last sample before it, s */
    maxGapS: number;
    /** speed samples further apart than this are a gap: not integrated, counted as gapSeconds, s */
    maxSampleGapS: number;
    /** trips shorter than this are dropped (manoeuvring in the yard), km */
    minDistanceKm: number;
  };
  acceleration: {
    /** derived from speed: least-squares slope over this window, s (widened to 2.5 sample periods for slow sources) */
    derivedWindowS: number;
    /** at least this many speed samples in the window */
    derivedMinSamples: number;
    /** and spanning at least this fraction of the window */
    derivedMinSpan: number;
    /** IMU calibration: stationary at least this long (s) with spread below maxSpreadMs2 to take gravity */
    gravityStandstillS: number;
    gravityMaxSpreadMs2: number;
    /** forward axis: samples with |speed-derived accel| >= this (m/s^2) are used ... */
    forwardMinAccelMs2: number;
    /** ... and at least this many of them before the IMU is used */
    forwardMinSamples: number;
    /** and the IMU must agree with speed-derived acceleration at least this well (correlation) */
    forwardMinCorrelation: number;
  };
  score: {
    minTripDistanceKm: number;
    minRollingDistanceKm: number;
    rollingDays: number;
    weights: Record<'harsh_braking' | 'harsh_acceleration' | 'harsh_cornering' | 'idling' | 'fatigue', ScoreWeight>;
    /** points per percent of driving time over the limit, and the cap */
    speeding: { perPercent: number; cap: number };
  };
  /** signal names (VSS paths, or `<Message>.<Signal>` for raw IMU axes) */
  signals: {
    speed: string;
    accelLongitudinal: string;
    accelLateral: string;
    yawRate: string;
    latitude: string;
    longitude: string;
    engineSpeed: string;
    engineRunning: string;
    /** text signal: OFF / ACC / ON / START */
    ignition: string;
    odometer: string;
    fuelUsed: string;
    /** text signal: tachograph driver identification (J1939 PGN 65131) */
    driverId: string;
    imuX: string;
    imuY: string;
    imuZ: string;
  };
  /** who drove the vehicle when, where the vehicle has no tachograph driver id; ISO 8601 times */
  roster: Array<{ driver: string; from: string; to?: string }>;
}

export type DeepPartial<T> = T extends ReadonlyArray<unknown>
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

const COMMON: Omit<ScoringConfig, 'vehicleClass' | 'harsh' | 'speeding' | 'idling'> = {
  revision: 'default',
  night: { timeZone: 'Europe/Copenhagen', start: '00:00', end: '04:00' },
  fatigue: { maxDrivingS: 4.5 * 3600, breakS: 45 * 60, splitFirstS: 15 * 60, splitSecondS: 30 * 60 },
  engine: { runningRpm: 300 },
  trip: { startSpeedKmh: 3, stopSpeedKmh: 1, minStopS: 300, maxGapS: 1800, maxSampleGapS: 5, minDistanceKm: 0.2 },
  acceleration: {
    derivedWindowS: 1,
    derivedMinSamples: 3,
    derivedMinSpan: 0.5,
    gravityStandstillS: 2,
    gravityMaxSpreadMs2: 1.5,
    forwardMinAccelMs2: 0.8,
    forwardMinSamples: 100,
    forwardMinCorrelation: 0.7,
  },
  score: {
    minTripDistanceKm: 10,
    minRollingDistanceKm: 100,
    rollingDays: 30,
    weights: {
      harsh_braking: { perEventPer100Km: 3, cap: 25 },
      harsh_acceleration: { perEventPer100Km: 1.5, cap: 15 },
      harsh_cornering: { perEventPer100Km: 3, cap: 20 },
      idling: { perEventPer100Km: 0.5, cap: 5 },
      fatigue: { perEventPer100Km: 10, cap: 15 },
    },
    speeding: { perPercent: 1, cap: 20 },
  },
  signals: {
    speed: 'Vehicle.Speed',
    accelLongitudinal: 'Vehicle.Acceleration.Longitudinal',
    accelLateral: 'Vehicle.Acceleration.Lateral',
    yawRate: 'Vehicle.AngularVelocity.Yaw',
    latitude: 'Vehicle.CurrentLocation.Latitude',
    longitude: 'Vehicle.CurrentLocation.Longitude',
    engineSpeed: 'Vehicle.Powertrain.CombustionEngine.Speed',
    engineRunning: 'Vehicle.Powertrain.CombustionEngine.IsRunning',
    ignition: 'Vehicle.LowVoltageSystemState',
    odometer: 'Vehicle.TraveledDistance',
    fuelUsed: 'Vehicle.Powertrain.FuelSystem.AccumulatedConsumption',
    driverId: 'Vehicle.Driver.Identifier.Subject',
    imuX: 'gnss_imu.AccelerationX',
    imuY: 'gnss_imu.AccelerationY',
    imuZ: 'gnss_imu.AccelerationZ',
  },
  roster: [],
};

const harsh = (brake: number, accel: number, corner: number): ScoringConfig['harsh'] => ({
  braking: { thresholdG: brake, minDurationS: 0.3, minSpeedKmh: 10 },
  acceleration: { thresholdG: accel, minDurationS: 0.3, minSpeedKmh: 10 },
  cornering: { thresholdG: corner, minDurationS: 0.3, minSpeedKmh: 30 },
  hysteresisG: 0.05,
  smoothingS: 0.2,
  maxGapS: 0.5,
});

/** Defaults per vehicle class (DESIGN.md says why each number). */
export const CLASS_DEFAULTS: Readonly<Record<VehicleClass, ScoringConfig>> = {
  van: {
    ...structuredClone(COMMON),
    vehicleClass: 'van',
    harsh: harsh(0.35, 0.35, 0.4),
    speeding: { limitKmh: 110, toleranceKmh: 5, minDurationS: 10 },
    idling: { minDurationS: 300 },
  },
  rigid_truck: {
    ...structuredClone(COMMON),
    vehicleClass: 'rigid_truck',
    harsh: harsh(0.3, 0.25, 0.3),
    speeding: { limitKmh: 80, toleranceKmh: 5, minDurationS: 10 },
    idling: { minDurationS: 300 },
  },
  tractor_unit: {
    ...structuredClone(COMMON),
    vehicleClass: 'tractor_unit',
    harsh: harsh(0.28, 0.2, 0.25),
    speeding: { limitKmh: 80, toleranceKmh: 5, minDurationS: 10 },
    idling: { minDurationS: 600 },
  },
};

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    what = 'scoring config',
  ) {
    super(`invalid ${what}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Check = (v: number) => string | null;
const positive: Check = (v) => (v > 0 ? null : 'must be > 0');
const nonNegative: Check = (v) => (v >= 0 ? null : 'must be >= 0');
const unit: Check = (v) => (v >= 0 && v <= 1 ? null : 'must be within 0..1');
const g: Check = (v) => (v > 0 && v <= 5 ? null : 'must be within (0, 5] g');
const speed: Check = (v) => (v >= 0 && v <= 300 ? null : 'must be within 0..300 km/h');

/** Range check per numeric field path; a numeric field without an entry must be finite and >= 0. */
const RANGES: Record<string, Check> = {
  'harsh.braking.thresholdG': g,
  'harsh.acceleration.thresholdG': g,
  'harsh.cornering.thresholdG': g,
  'harsh.braking.minSpeedKmh': speed,
  'harsh.acceleration.minSpeedKmh': speed,
  'harsh.cornering.minSpeedKmh': speed,
  'harsh.smoothingS': nonNegative,
  'harsh.maxGapS': positive,
  'speeding.limitKmh': (v) => (v > 0 && v <= 300 ? null : 'must be within (0, 300] km/h'),
  'fatigue.maxDrivingS': positive,
  'fatigue.breakS': positive,
  'fatigue.splitFirstS': positive,
  'fatigue.splitSecondS': positive,
  'trip.startSpeedKmh': positive,
  'trip.minStopS': positive,
  'trip.maxGapS': positive,
  'trip.maxSampleGapS': positive,
  'acceleration.derivedWindowS': positive,
  'acceleration.derivedMinSamples': (v) => (Number.isInteger(v) && v >= 2 ? null : 'must be an integer >= 2'),
  'acceleration.derivedMinSpan': unit,
  'acceleration.forwardMinAccelMs2': positive,
  'acceleration.forwardMinSamples': (v) => (Number.isInteger(v) && v >= 10 ? null : 'must be an integer >= 10'),
  'acceleration.forwardMinCorrelation': unit,
  'acceleration.gravityStandstillS': positive,
  'score.rollingDays': positive,
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges `over` into a clone of `base`, checking every field's name and type against `base`. */
function merge(base: unknown, over: unknown, path: string, problems: string[]): unknown {
  if (over === undefined) return structuredClone(base);
  if (path === 'roster') return over; // checked below
  if (isPlainObject(base)) {
    if (!isPlainObject(over)) {
      problems.push(`${path || '(root)'}: must be an object, got ${JSON.stringify(over)}`);
      return structuredClone(base);
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(over)) {
      if (!(k in base)) problems.push(`${path ? path + '.' : ''}${k}: unknown field`);
    }
    for (const [k, v] of Object.entries(base)) out[k] = merge(v, over[k], path ? `${path}.${k}` : k, problems);
    return out;
  }
  if (typeof base === 'number') {
    if (typeof over !== 'number' || !Number.isFinite(over)) {
      problems.push(`${path}: must be a finite number, got ${JSON.stringify(over)}`);
      return base;
    }
    const why = (RANGES[path] ?? nonNegative)(over);
    if (why) problems.push(`${path}: ${why}, got ${over}`);
    return over;
  }
  if (typeof base === 'string') {
    if (typeof over !== 'string' || over === '') {
      problems.push(`${path}: must be a non-empty string, got ${JSON.stringify(over)}`);
      return base;
    }
    return over;
  }
  return over;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after local midnight of an "HH:MM" string (already validated). */
export function parseHhmm(s: string): number {
  const m = HHMM.exec(s)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

function checkSemantics(c: ScoringConfig, problems: string[]): void {
  if (!(VEHICLE_CLASSES as readonly string[]).includes(c.vehicleClass)) {
    problems.push(`vehicleClass: must be one of ${VEHICLE_CLASSES.join(', ')}, got ${JSON.stringify(c.vehicleClass)}`);
  }
  for (const f of ['start', 'end'] as const) {
    if (!HHMM.test(c.night[f])) problems.push(`night.${f}: must be "HH:MM" (00:00..23:59), got ${JSON.stringify(c.night[f])}`);
  }
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: c.night.timeZone });
  } catch {
    problems.push(`night.timeZone: not an IANA time zone: ${JSON.stringify(c.night.timeZone)}`);
  }
  if (c.trip.stopSpeedKmh >= c.trip.startSpeedKmh) {
    problems.push(`trip.stopSpeedKmh: must be below trip.startSpeedKmh (${c.trip.startSpeedKmh}), got ${c.trip.stopSpeedKmh}`);
  }
  if (c.harsh.hysteresisG >= Math.min(c.harsh.braking.thresholdG, c.harsh.acceleration.thresholdG, c.harsh.cornering.thresholdG)) {
    problems.push(`harsh.hysteresisG: must be below every harsh threshold, got ${c.harsh.hysteresisG}`);
  }
  for (const f of ['splitFirstS', 'splitSecondS'] as const) {
    if (c.fatigue[f] >= c.fatigue.breakS) problems.push(`fatigue.${f}: must be shorter than fatigue.breakS (${c.fatigue.breakS}), got ${c.fatigue[f]}`);
  }
  if (!Array.isArray(c.roster)) {
    problems.push(`roster: must be an array, got ${JSON.stringify(c.roster)}`);
    c.roster = [];
  } else {
    c.roster.forEach((r: unknown, i) => {
      const p = `roster[${i}]`;
      if (!isPlainObject(r)) return void problems.push(`${p}: must be an object {driver, from, to?}`);
      for (const k of Object.keys(r)) if (!['driver', 'from', 'to'].includes(k)) problems.push(`${p}.${k}: unknown field`);
      if (typeof r.driver !== 'string' || r.driver === '') problems.push(`${p}.driver: must be a non-empty string`);
      if (typeof r.from !== 'string' || Number.isNaN(Date.parse(r.from))) problems.push(`${p}.from: must be an ISO 8601 time, got ${JSON.stringify(r.from)}`);
      if (r.to !== undefined && (typeof r.to !== 'string' || Number.isNaN(Date.parse(r.to)))) problems.push(`${p}.to: must be an ISO 8601 time, got ${JSON.stringify(r.to)}`);
      if (typeof r.from === 'string' && typeof r.to === 'string' && Date.parse(r.to) <= Date.parse(r.from)) problems.push(`${p}.to: must be after from`);
    });
  }
}

/**
 * The config of one vehicle: its class's defaults with `overrides` merged in. Throws ConfigError
 * listing every problem (unknown field, wrong type, out of range) by its field path.
 */
export function resolveConfig(vehicleClass: VehicleClass, overrides: unknown = {}): ScoringConfig {
  const problems: string[] = [];
  const base = CLASS_DEFAULTS[vehicleClass];
  if (!base) throw new ConfigError([`vehicleClass: must be one of ${VEHICLE_CLASSES.join(', ')}, got ${JSON.stringify(vehicleClass)}`]);
  if (isPlainObject(overrides) && 'vehicleClass' in overrides && overrides.vehicleClass !== vehicleClass) {
    problems.push(`vehicleClass: overrides cannot change the class (${vehicleClass} -> ${JSON.stringify(overrides.vehicleClass)}); pick the class instead`);
  }
  const c = merge(base, overrides, '', problems) as ScoringConfig;
  checkSemantics(c, problems);
  if (problems.length) throw new ConfigError(problems);
  return c;
}

/** Fleet config: per-vehicle class and overrides, plus overrides that apply to every vehicle. */
export interface FleetConfig {
  /** class of vehicles not listed */
  defaultClass?: VehicleClass;
  /** applied to every vehicle before its own overrides */
  common?: DeepPartial<ScoringConfig>;
  vehicles?: Record<string, { class: VehicleClass; overrides?: DeepPartial<ScoringConfig> }>;
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
    return out;
  }
  return b;
}

/**
 * Validates a whole fleet config up front (every vehicle; errors prefixed `vehicles.<id>.`) and
 * returns a lookup of resolved configs by vehicle id.
 */
export function fleetConfig(input: unknown): (vehicle: string) => ScoringConfig {
  const problems: string[] = [];
  if (!isPlainObject(input)) throw new ConfigError([`(root): must be an object, got ${JSON.stringify(input)}`]);
  for (const k of Object.keys(input)) if (!['defaultClass', 'common', 'vehicles'].includes(k)) problems.push(`${k}: unknown field`);
  const f = input as FleetConfig;
  const defaultClass = f.defaultClass ?? 'van';
  if (!(VEHICLE_CLASSES as readonly string[]).includes(defaultClass)) problems.push(`defaultClass: must be one of ${VEHICLE_CLASSES.join(', ')}, got ${JSON.stringify(defaultClass)}`);
  const resolved = new Map<string, ScoringConfig>();
  const tryResolve = (prefix: string, cls: VehicleClass, over: unknown): ScoringConfig | undefined => {
    try {
      return resolveConfig(cls, over);
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems.map((p) => prefix + p));
      else throw e;
      return undefined;
    }
  };
  const common = f.common ?? {};
  if (problems.length === 0) tryResolve('common.', defaultClass, common);
  if (f.vehicles !== undefined && !isPlainObject(f.vehicles)) problems.push('vehicles: must be an object keyed by vehicle id');
  for (const [id, v] of Object.entries(f.vehicles ?? {})) {
    if (!isPlainObject(v)) {
      problems.push(`vehicles.${id}: must be {class, overrides?}`);
      continue;
    }
    for (const k of Object.keys(v)) if (!['class', 'overrides'].includes(k)) problems.push(`vehicles.${id}.${k}: unknown field`);
    if (!(VEHICLE_CLASSES as readonly string[]).includes(v.class as string)) {
      problems.push(`vehicles.${id}.class: must be one of ${VEHICLE_CLASSES.join(', ')}, got ${JSON.stringify(v.class)}`);
      continue;
    }
    const c = tryResolve(`vehicles.${id}.overrides.`, v.class as VehicleClass, deepMerge(common, v.overrides ?? {}));
    if (c) resolved.set(id, c);
  }
  if (problems.length) throw new ConfigError(problems);
  const fallback = resolveConfig(defaultClass, common);
  return (vehicle) => resolved.get(vehicle) ?? fallback;
}

/** FNV-1a over canonical JSON (keys sorted): same config, same string, on every machine. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** `ubi-scoring-config/1:<class>:<revision>:<hash>`, recorded on every output. */
export function configVersion(c: ScoringConfig): string {
  return `${CONFIG_SCHEMA}:${c.vehicleClass}:${c.revision}:${hash(canonical(c))}`;
}
