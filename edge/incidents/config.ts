// Incident detection settings, validated like the scoring config (errors name the field).
import { ConfigError } from '../scoring/config.js';

export const INCIDENT_CONFIG_SCHEMA = 'ubi-incident-config/1';

export interface IncidentConfig {
  /** horizontal acceleration magnitude that is a crash, g */
  accelThresholdG: number;
  /** a speed drop of at least this (km/h) ... */
  speedDropKmh: number;
  /** ... within this time (s) ... */
  speedDropWindowS: number;
  /** ... that does not bounce back within this time (a dropped-out wheel-speed sample does), s */
  speedDropConfirmS: number;
  /** recording before and after the first trigger, s */
  preS: number;
  postS: number;
  /** below this speed (km/h) the vehicle is parked: IMU triggers must pass the handling check */
  standstillKmh: number;
  /** handling check at standstill, over [t - windowBeforeS, t + windowAfterS]: */
  handling: {
    /** angular rate above this (deg/s, any axis) is a sensor being turned, not a parked vehicle being hit */
    maxRateDegS: number;
    /** the gravity direction (per-axis median over 0.4 s) tilting further than this from the mounting is the sensor moving */
    maxTiltDeg: number;
    windowBeforeS: number;
    windowAfterS: number;
    /** a disturbance lasts until the IMU has been quiet for this long, s */
    quietS: number;
  };
  /** signals whose value > 0 means the vehicle reported a crash (airbag deployment ...) */
  crashSignals: string[];
  signals: {
    speed: string;
    latitude: string;
    longitude: string;
    accelLongitudinal: string;
    accelLateral: string;
    driverId: string;
    imuX: string;
    imuY: string;
    imuZ: string;
    rateX: string;
    rateY: string;
    rateZ: string;
  };
}

export const INCIDENT_DEFAULTS: Readonly<IncidentConfig> = {
  accelThresholdG: 2.5,
  speedDropKmh: 8,
  speedDropWindowS: 0.15,
  speedDropConfirmS: 0.3,
  preS: 20,
  postS: 10,
  standstillKmh: 2,
  handling: { maxRateDegS: 150, maxTiltDeg: 25, windowBeforeS: 2, windowAfterS: 1, quietS: 5 },
  crashSignals: [],
  signals: {
    speed: 'Vehicle.Speed',
    latitude: 'Vehicle.CurrentLocation.Latitude',
    longitude: 'Vehicle.CurrentLocation.Longitude',
    accelLongitudinal: 'Vehicle.Acceleration.Longitudinal',
    accelLateral: 'Vehicle.Acceleration.Lateral',
    driverId: 'Vehicle.Driver.Identifier.Subject',
    imuX: 'gnss_imu.AccelerationX',
    imuY: 'gnss_imu.AccelerationY',
    imuZ: 'gnss_imu.AccelerationZ',
    rateX: 'gnss_imu.AngularRateX',
    rateY: 'gnss_imu.AngularRateY',
    rateZ: 'gnss_imu.AngularRateZ',
  },
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: unknown, over: unknown, path: string, problems: string[]): unknown {
  if (over === undefined) return structuredClone(base);
  if (Array.isArray(base)) {
    if (!Array.isArray(over) || over.some((x) => typeof x !== 'string' || x === '')) {
      problems.push(`${path}: must be a list of signal names`);
      return structuredClone(base);
    }
    return [...over];
  }
  if (isObj(base)) {
    if (!isObj(over)) {
      problems.push(`${path || '(root)'}: must be an object`);
      return structuredClone(base);
    }
    for (const k of Object.keys(over)) if (!(k in base)) problems.push(`${path ? path + '.' : ''}${k}: unknown field`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(base)) out[k] = merge(v, over[k], path ? `${path}.${k}` : k, problems);
    return out;
  }
  if (typeof base === 'number') {
    if (typeof over !== 'number' || !Number.isFinite(over) || over <= 0) {
      problems.push(`${path}: must be a number > 0, got ${JSON.stringify(over)}`);
      return base;
    }
    return over;
  }
  if (typeof over !== 'string' || over === '') {
    problems.push(`${path}: must be a non-empty string, got ${JSON.stringify(over)}`);
    return base;
  }
  return over;
}

export function resolveIncidentConfig(overrides: unknown = {}): IncidentConfig {
  const problems: string[] = [];
  const c = merge(INCIDENT_DEFAULTS, overrides, '', problems) as IncidentConfig;
  if (c.preS > 300) problems.push(`preS: at most 300 s, got ${c.preS}`);
  if (c.postS > 300) problems.push(`postS: at most 300 s, got ${c.postS}`);
  if (c.speedDropWindowS > 2) problems.push(`speedDropWindowS: at most 2 s, got ${c.speedDropWindowS}`);
  if (problems.length) throw new ConfigError(problems, 'incident config');
  return c;
}
