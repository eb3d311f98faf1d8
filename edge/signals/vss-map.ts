// Per-vehicle-type signal maps: which decoded signal (DBC / J1939 message signal, OBD-II PID) becomes
// which COVESA VSS signal, in which unit, and which signals are derived from others.
//
// A map is JSON (a file the user writes) or TS data (the maps shipped in ./maps/). Both go through
// validateVssMap, which names the file, the entry and the field of every problem it finds.
//
//   {
//     "vehicleType": "van-obd-gnss",
//     "description": "...",
//     "signals": {
//       "Vehicle.Speed": { "unit": "km/h", "from": [ { "obd": "0x0D" }, { "dbc": "gnss_speed.Speed" } ] },
//       "Vehicle.Acceleration.Longitudinal": { "unit": "m/s^2",
//          "from": [ { "dbc": "VDC2.LongitudinalAcceleration" }, { "derive": "rate", "of": "Vehicle.Speed", "window": 2 } ] }
//     },
//     "raw": [ "gnss_imu.*" ]
//   }
//
// `from` lists candidate sources in order of preference; the decode engine takes the first one that
// the vehicle's configuration can provide (its message is in a loaded DBC, or OBD-II is decoded on
// some interface) and ignores the rest. That choice is made once, when the engine is built, so the
// output never depends on timing. `raw` lists `<Message>.<Signal>` patterns (`*` matches any run of
// characters) that are emitted under their own names and DBC units even when only mapped signals are
// asked for: e.g. the IMU axes of a module whose mounting the scoring calibrates itself.

import fs from 'node:fs';
import { canonicalUnit, conversion, knownUnits, rateOf } from './units.js';

export interface DbcSource {
  /** `<Message>.<Signal>` as in the DBC (in J1939 mode the message is matched by PGN) */
  dbc: string;
  /** the source's unit when the DBC's is missing or wrong (default: the DBC's unit) */
  unit?: string;
  /** extra linear step after unit conversion: value * factor + offset (e.g. -1 to flip an axis) */
  factor?: number;
  offset?: number;
  /** a signal of the same message that must be non-zero for the value to count (a validity flag) */
  when?: string;
}

export interface ObdSource {
  /** OBD-II mode 01 PID: a number or a hex string "0x0D" */
  obd: number | string;
  unit?: string;
  factor?: number;
  offset?: number;
}

export interface DeriveSource {
  /** rate: least-squares slope of another signal of this map over a trailing time window */
  derive: 'rate';
  /** the VSS signal (of this map) whose rate of change this is */
  of: string;
  /** seconds of history the slope is fitted over (default 2) */
  window?: number;
  /** fewest samples in the window before a value is given (default 3) */
  minSamples?: number;
}

export type SourceSpec = DbcSource | ObdSource | DeriveSource;

export interface VssSignalSpec {
  /** unit of the VSS signal (VSS spelling: km/h, m/s^2, degrees/s, degrees, rpm, percent, celsius ...) */
  unit: string;
  from: SourceSpec[];
  description?: string;
}

export interface VssMapDoc {
  vehicleType: string;
  description?: string;
  signals: Record<string, VssSignalSpec>;
  raw?: string[];
}

/** A validated map; `source` names where it came from (file path or builtin:<name>). */
export interface VssMap extends VssMapDoc {
  source: string;
}

export class VssMapError extends Error {
  override readonly name = 'VssMapError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(problems.map((p) => `${source}: ${p}`).join('\n'));
  }
}

/** VSS units of the standard signals the shipped maps and the scoring use; a map giving another
 * unit for one of these is wrong (the names come from VSS 4.x). */
export const VSS_UNITS: Readonly<Record<string, string>> = {
  'Vehicle.Speed': 'km/h',
  'Vehicle.Acceleration.Longitudinal': 'm/s^2',
  'Vehicle.Acceleration.Lateral': 'm/s^2',
  'Vehicle.Acceleration.Vertical': 'm/s^2',
  'Vehicle.AngularVelocity.Yaw': 'degrees/s',
  'Vehicle.AngularVelocity.Roll': 'degrees/s',
  'Vehicle.AngularVelocity.Pitch': 'degrees/s',
  'Vehicle.CurrentLocation.Latitude': 'degrees',
  'Vehicle.CurrentLocation.Longitude': 'degrees',
  'Vehicle.CurrentLocation.Altitude': 'm',
  'Vehicle.CurrentLocation.Heading': 'degrees',
  'Vehicle.CurrentLocation.HorizontalAccuracy': 'm',
  'Vehicle.Powertrain.CombustionEngine.Speed': 'rpm',
  'Vehicle.Powertrain.CombustionEngine.ECT': 'celsius',
  'Vehicle.Powertrain.CombustionEngine.EngineHours': 'h',
  'Vehicle.OBD.ThrottlePosition': 'percent',
  'Vehicle.OBD.EngineLoad': 'percent',
  'Vehicle.OBD.CoolantTemperature': 'celsius',
  'Vehicle.OBD.FuelRate': 'l/h',
  'Vehicle.Chassis.SteeringWheel.Angle': 'degrees',
  'Vehicle.Chassis.Axle.Row1.Wheel.Left.Speed': 'km/h',
  'Vehicle.Chassis.Axle.Row1.Wheel.Right.Speed': 'km/h',
  'Vehicle.Chassis.Axle.Row2.Wheel.Left.Speed': 'km/h',
  'Vehicle.Chassis.Axle.Row2.Wheel.Right.Speed': 'km/h',
  'Vehicle.TraveledDistance': 'km',
};

const VSS_PATH = /^Vehicle(\.[A-Za-z][A-Za-z0-9_]*)+$/;
const MSG_SIGNAL = /^[^.\s]+\.[^.\s]+$/;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses an OBD PID given as 13, "13", "0x0D" or "0D"-style hex with 0x. */
export function parsePid(v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^0x[0-9a-f]{1,2}$/i.test(v.trim())) n = parseInt(v.trim().slice(2), 16);
  else if (typeof v === 'string' && /^\d{1,3}$/.test(v.trim())) n = Number(v.trim());
  else return undefined;
  return Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
}

/**
 * Checks a parsed map document and returns it typed, or throws VssMapError listing every problem as
 * `signals["Vehicle.Speed"].from[1].unit: ...` (the message starts with `source: `).
 */
export function validateVssMap(doc: unknown, source: string): VssMap {
  const problems: string[] = [];
  const p = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!isObj(doc)) throw new VssMapError(source, ['the map must be a JSON object']);
  for (const k of Object.keys(doc)) if (!['vehicleType', 'description', 'signals', 'raw', '$schema', '$comment'].includes(k)) p(k, 'unknown field (expected vehicleType, description, signals, raw)');
  if (typeof doc.vehicleType !== 'string' || doc.vehicleType.trim() === '') p('vehicleType', 'expected a non-empty string');
  if (doc.description !== undefined && typeof doc.description !== 'string') p('description', 'expected a string');
  const signals = doc.signals;
  const units = new Map<string, string>();
  if (!isObj(signals)) p('signals', 'expected an object of VSS name -> { unit, from }');
  else {
    for (const [name, spec] of Object.entries(signals)) {
      const at = `signals[${JSON.stringify(name)}]`;
      if (!VSS_PATH.test(name)) p(at, 'the name must be a VSS path like Vehicle.Speed');
      if (!isObj(spec)) {
        p(at, 'expected { unit, from: [...] }');
        continue;
      }
      for (const k of Object.keys(spec)) if (!['unit', 'from', 'description'].includes(k)) p(`${at}.${k}`, 'unknown field (expected unit, from, description)');
      if (typeof spec.unit !== 'string') p(`${at}.unit`, 'expected a unit string');
      else if (canonicalUnit(spec.unit) === undefined) p(`${at}.unit`, `unknown unit "${spec.unit}" (known: ${knownUnits().join(', ')})`);
      else {
        const u = canonicalUnit(spec.unit)!;
        units.set(name, u);
        const std = VSS_UNITS[name];
        if (std !== undefined && std !== u) p(`${at}.unit`, `VSS gives ${name} in ${std}, not ${spec.unit}`);
      }
      if (!Array.isArray(spec.from) || spec.from.length === 0) {
        p(`${at}.from`, 'expected a non-empty list of sources');
        continue;
      }
      spec.from.forEach((src: unknown, i: number) => checkSource(src, `${at}.from[${i}]`, p));
    }
    // derived sources: `of` must be a signal of this map, with a unit that has a rate
    for (const [name, spec] of Object.entries(signals)) {
      if (!isObj(spec) || !Array.isArray(spec.from)) continue;
      spec.from.forEach((src: unknown, i: number) => {
        if (!isObj(src) || src.derive !== 'rate' || typeof src.of !== 'string') return;
        const at = `signals[${JSON.stringify(name)}].from[${i}]`;
        const ofUnit = units.get(src.of);
        if (!(src.of in signals)) p(`${at}.of`, `"${src.of}" is not a signal of this map`);
        else if (src.of === name) p(`${at}.of`, 'a signal cannot be derived from itself');
        else if (ofUnit !== undefined && units.has(name)) {
          const r = rateOf(ofUnit);
          if (r === undefined) p(`${at}.of`, `the rate of a signal in ${ofUnit} has no unit here`);
          else {
            const c = conversion(r.unit, units.get(name)!);
            if (typeof c === 'string') p(`${at}`, `the rate of ${src.of} is in ${r.unit}: ${c}`);
          }
        }
      });
    }
  }
  if (doc.raw !== undefined) {
    if (!Array.isArray(doc.raw)) p('raw', 'expected a list of "<Message>.<Signal>" patterns');
    else
      doc.raw.forEach((r: unknown, i: number) => {
        if (typeof r !== 'string' || !MSG_SIGNAL.test(r)) p(`raw[${i}]`, `expected "<Message>.<Signal>" (with * wildcards), found ${JSON.stringify(r)}`);
      });
  }
  if (problems.length > 0) throw new VssMapError(source, problems);
  return { ...(doc as unknown as VssMapDoc), source };
}

function checkSource(src: unknown, at: string, p: (where: string, what: string) => void): void {
  if (!isObj(src)) return p(at, 'expected { dbc }, { obd } or { derive }');
  const kinds = ['dbc', 'obd', 'derive'].filter((k) => k in src);
  if (kinds.length !== 1) return p(at, `expected exactly one of dbc, obd, derive${kinds.length ? ` (found ${kinds.join(', ')})` : ''}`);
  const allowed = kinds[0] === 'derive' ? ['derive', 'of', 'window', 'minSamples'] : kinds[0] === 'dbc' ? ['dbc', 'unit', 'factor', 'offset', 'when'] : ['obd', 'unit', 'factor', 'offset'];
  for (const k of Object.keys(src)) if (!allowed.includes(k)) p(`${at}.${k}`, `unknown field (expected ${allowed.join(', ')})`);
  if ('dbc' in src) {
    if (typeof src.dbc !== 'string' || !MSG_SIGNAL.test(src.dbc)) p(`${at}.dbc`, `expected "<Message>.<Signal>", found ${JSON.stringify(src.dbc)}`);
    if (src.when !== undefined && (typeof src.when !== 'string' || src.when.trim() === '')) p(`${at}.when`, 'expected the name of a signal of the same message');
  } else if ('obd' in src) {
    if (parsePid(src.obd) === undefined) p(`${at}.obd`, `expected a mode 01 PID 0..255 (number or "0x0D"), found ${JSON.stringify(src.obd)}`);
  } else {
    if (src.derive !== 'rate') p(`${at}.derive`, `expected "rate", found ${JSON.stringify(src.derive)}`);
    if (typeof src.of !== 'string') p(`${at}.of`, 'expected the VSS name of a signal of this map');
    if (src.window !== undefined && !(typeof src.window === 'number' && src.window > 0 && src.window <= 60)) p(`${at}.window`, `expected seconds in (0, 60], found ${JSON.stringify(src.window)}`);
    if (src.minSamples !== undefined && !(Number.isInteger(src.minSamples) && (src.minSamples as number) >= 2 && (src.minSamples as number) <= 1000)) p(`${at}.minSamples`, `expected an integer 2..1000, found ${JSON.stringify(src.minSamples)}`);
  }
  if ('unit' in src && kinds[0] !== 'derive' && (typeof src.unit !== 'string' || canonicalUnit(src.unit) === undefined)) p(`${at}.unit`, `unknown unit ${JSON.stringify(src.unit)}`);
  for (const k of ['factor', 'offset'] as const) if (k in src && !(typeof src[k] === 'number' && Number.isFinite(src[k]))) p(`${at}.${k}`, 'expected a finite number');
}

/** Reads and validates a JSON map file; JSON syntax errors name file:line:column. */
export function loadVssMapFile(file: string): VssMap {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VssMapError(file, [code === 'ENOENT' ? 'not found' : `cannot read: ${(e as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    // V8 leaves the position out of some messages ("Unexpected token 'x', ...": is not valid JSON",
    // "Unexpected end of JSON input"): find it ourselves
    const pos = m ? Number(m[1]) : jsonErrorOffset(text);
    if (pos !== undefined) {
      const before = text.slice(0, pos).split('\n');
      throw new VssMapError(`${file}:${before.length}:${before.at(-1)!.length + 1}`, [`invalid JSON: ${msg}`]);
    }
    throw new VssMapError(file, [`invalid JSON: ${msg}`]);
  }
  return validateVssMap(doc, file);
}

/** Offset of the first JSON syntax error in text (undefined if none is found). */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const fail = (): never => {
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): void => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c === 0x5c) {
        const esc = text[i + 1];
        if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else {
          i++; // at the bad escape
          fail();
        }
      } else i++;
    }
    fail();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (c === '"') return str();
    for (const w of ['true', 'false', 'null']) if (text.startsWith(w, i)) return void (i += w.length);
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (e) {
    if (typeof e === 'number') return Math.min(e, text.length);
    return undefined; // nesting deeper than the stack
  }
}

/** `*` wildcard patterns over `<Message>.<Signal>` names. */
export function rawMatcher(patterns: readonly string[] | undefined): (name: string) => boolean {
  if (!patterns || patterns.length === 0) return () => false;
  const res = patterns.map((p) => new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$'));
  return (name) => res.some((r) => r.test(name));
}
