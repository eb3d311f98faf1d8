// Scoring settings as people write them (the ubi-score node's fields, the `score` CLI's config file)
// -> a ScoringEngine. Every problem names the field it comes from: `overrides: vehicles.v1.overrides.
// harsh.braking.thresholdG: must be within (0, 5] g, got -1`, `roster: line 2: ...`.
import { ConfigError, VEHICLE_CLASSES, fleetConfig, type ScoringConfig, type VehicleClass } from './config.js';
import { ScoringEngine } from './engine.js';

export interface ScoringSettings {
  /** class of the vehicles the overrides do not list: van | rigid_truck | tractor_unit */
  vehicleClass?: string;
  /**
   * JSON (text or already parsed) of `{ "common": {...}, "vehicles": { "<id>": { "class": ..., "overrides": {...} } } }`:
   * overrides for every vehicle, and per-vehicle class and overrides (fields as in ScoringConfig)
   */
  overrides?: string | Record<string, unknown>;
  /** IANA zone of the depot (night driving window); overrides may still change it per vehicle */
  timeZone?: string;
  /** lines `vehicle, driver, from[, to]` (ISO 8601 times; vehicle `*` = every vehicle), or those lines as an array */
  roster?: string | string[];
  /** merge window for per-interface batches of one vehicle, s (see ScoringEngineOptions.reorderS) */
  mergeS?: string | number;
}

export interface BuiltScoring {
  engine: ScoringEngine;
  /** resolved config lookup (for status / describe) */
  configFor: (vehicle: string) => ScoringConfig;
  describe: string;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A setting that is a JSON object, given as text (the editor) or as an object (code); empty or absent
 * is {}. What is wrong goes into problems, starting with the field name.
 */
export function objectSetting(v: unknown, field: string, shape: string, problems: string[]): Obj {
  if (typeof v === 'string') {
    if (v.trim() === '') return {};
    try {
      const o: unknown = JSON.parse(v);
      if (isObj(o)) return o;
      problems.push(`${field}: must be a JSON object ${shape}`);
    } catch (e) {
      problems.push(`${field}: not valid JSON: ${(e as Error).message}`);
    }
    return {};
  }
  if (v === undefined) return {};
  if (isObj(v)) return v;
  problems.push(`${field}: must be an object ${shape}`);
  return {};
}

export interface RosterLine {
  vehicle: string;
  driver: string;
  from: string;
  to?: string;
}

/** Parses roster lines; problems name the line. Blank lines and `#` comments are skipped. */
export function parseRoster(input: string | string[] | undefined, problems: string[]): RosterLine[] {
  const lines = input === undefined ? [] : Array.isArray(input) ? input.map(String) : String(input).split(/\r?\n/);
  const out: RosterLine[] = [];
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `roster: line ${i + 1}`;
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length < 3 || parts.length > 4 || parts.some((p) => p === '')) {
      problems.push(`${where}: expected "vehicle, driver, from[, to]", found "${line}"`);
      return;
    }
    const [vehicle, driver, from, to] = parts as [string, string, string, string | undefined];
    if (Number.isNaN(Date.parse(from))) problems.push(`${where}: from: not an ISO 8601 time: "${from}"`);
    if (to !== undefined && Number.isNaN(Date.parse(to))) problems.push(`${where}: to: not an ISO 8601 time: "${to}"`);
    if (to !== undefined && !Number.isNaN(Date.parse(from)) && Date.parse(to) <= Date.parse(from)) problems.push(`${where}: to: must be after from`);
    out.push({ vehicle, driver, from, ...(to !== undefined ? { to } : {}) });
  });
  return out;
}

/** Builds the engine; throws ConfigError whose problems each start with the field name. */
export function buildScoringEngine(s: ScoringSettings): BuiltScoring {
  const problems: string[] = [];
  const cls = (s.vehicleClass ?? 'van').trim() || 'van';
  if (!(VEHICLE_CLASSES as readonly string[]).includes(cls)) problems.push(`vehicleClass: must be one of ${VEHICLE_CLASSES.join(', ')}, got ${JSON.stringify(cls)}`);

  // a copy: the depot zone and the roster are written into it below; the caller's object stays as it was
  const over = structuredClone(objectSetting(s.overrides, 'overrides', '{"common": {...}, "vehicles": {...}}', problems));
  for (const k of Object.keys(over)) if (k !== 'common' && k !== 'vehicles') problems.push(`overrides: ${k}: unknown field (expected common, vehicles)`);

  const mergeS = s.mergeS === undefined || s.mergeS === '' ? 1 : Number(s.mergeS);
  if (!Number.isFinite(mergeS) || mergeS < 0 || mergeS > 3600) problems.push(`mergeS: expected seconds 0..3600, got ${JSON.stringify(s.mergeS)}`);

  const roster = parseRoster(s.roster, problems);
  if (problems.length) throw new ConfigError(problems);

  // the depot zone and the roster go in as overrides of their own, under the JSON overrides
  const common: Obj = isObj(over.common) ? over.common : {};
  const vehicles: Obj = isObj(over.vehicles) ? over.vehicles : {};
  const tz = (s.timeZone ?? '').trim();
  if (tz !== '') {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    } catch {
      throw new ConfigError([`timeZone: not an IANA time zone: ${JSON.stringify(tz)}`]);
    }
    const night: Obj = isObj(common.night) ? common.night : {};
    if (night.timeZone === undefined) common.night = { ...night, timeZone: tz };
  }
  const rosterOf = (r: RosterLine) => ({ driver: r.driver, from: r.from, ...(r.to !== undefined ? { to: r.to } : {}) });
  const everyone = roster.filter((r) => r.vehicle === '*').map(rosterOf);
  if (everyone.length) {
    if (common.roster !== undefined) throw new ConfigError(['roster: "*" lines and overrides.common.roster both given; use one']);
    common.roster = everyone;
  }
  for (const id of [...new Set(roster.filter((r) => r.vehicle !== '*').map((r) => r.vehicle))]) {
    const lines = roster.filter((r) => r.vehicle === id || r.vehicle === '*').map(rosterOf);
    const v: Obj = isObj(vehicles[id]) ? (vehicles[id] as Obj) : { class: cls };
    const o: Obj = isObj(v.overrides) ? v.overrides : {};
    if (o.roster !== undefined) throw new ConfigError([`roster: vehicle ${id} has roster lines and overrides.vehicles.${id}.overrides.roster; use one`]);
    vehicles[id] = { ...v, overrides: { ...o, roster: lines } };
  }
  let configFor: (vehicle: string) => ScoringConfig;
  try {
    configFor = fleetConfig({ defaultClass: cls as VehicleClass, common, vehicles });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p) => `overrides: ${p}`));
    throw e;
  }
  const engine = new ScoringEngine({ config: configFor, reorderS: mergeS });
  const listed = Object.keys(vehicles);
  const describe = `class ${cls}${listed.length ? `, ${listed.length} vehicle(s) configured` : ''}, night ${configFor('').night.start}-${configFor('').night.end} ${configFor('').night.timeZone}${roster.length ? `, ${roster.length} roster line(s)` : ''}, merge ${mergeS} s`;
  return { engine, configFor, describe };
}

/**
 * Checks that a message payload is a SignalBatch (from ubi-decode or a function node); else says why.
 * Typed arrays are required: a batch that went through JSON (plain arrays) is refused by name.
 */
export function signalBatchProblem(p: unknown): string | undefined {
  if (!isObj(p)) return 'payload is not a SignalBatch (expected an object from ubi-decode)';
  if (typeof p.vehicle !== 'string' || p.vehicle === '') return 'payload.vehicle: expected the vehicle name';
  const n = p.count;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return 'payload.count: expected the number of samples';
  const arrays: Array<[string, new (...a: never[]) => ArrayLike<number>]> = [['t', Float64Array], ['signal', Uint16Array], ['value', Float64Array]];
  for (const [k, T] of arrays) {
    const a = p[k];
    if (!(a instanceof T) || a.length < n) return `payload.${k}: expected a ${T.name} of ${n} entries`;
  }
  const sigs = p.signals;
  if (!Array.isArray(sigs)) return 'payload.signals: expected the list of {name, unit, derived}';
  for (let i = 0; i < sigs.length; i++) if (!isObj(sigs[i]) || typeof (sigs[i] as Obj).name !== 'string') return `payload.signals[${i}]: expected {name, unit, derived}`;
  const sig = p.signal as Uint16Array;
  for (let i = 0; i < n; i++) if (sig[i]! >= sigs.length) return `payload.signal[${i}]: ${sig[i]} is not an index into signals`;
  if (p.source !== undefined && typeof p.source !== 'string') return 'payload.source: expected the name of the interface the samples came from';
  if (!Array.isArray(p.texts)) return 'payload.texts: expected a list of {t, name, value}';
  for (let i = 0; i < p.texts.length; i++) {
    const x = p.texts[i] as unknown;
    if (!isObj(x) || typeof x.t !== 'number' || typeof x.name !== 'string' || typeof x.value !== 'string') return `payload.texts[${i}]: expected {t, name, value}`;
  }
  return undefined;
}
