// Configuration as the editor, files and the environment give it: ubi-can-bus settings and batch
// options (bus-config.ts), scoring overrides and fleet configs (scoring/config.ts), VSS maps as
// objects (the shipped maps mutated) and as JSON files. Holds when: each either returns or throws
// its own documented error type naming the field: ConfigError.field of the bus config's fields,
// scoring problems as `<path>: <why>` with a path of the config or of the input, VssMapError
// problems as `<where>: <what>` under the map's source, JSON syntax errors as file:line:col.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { batchOptionsFrom, busConfigFrom, ConfigError as BusConfigError, type RawBusConfig } from '../../../edge/can/bus-config.js';
import { CLASS_DEFAULTS, ConfigError as ScoringConfigError, fleetConfig, resolveConfig, VEHICLE_CLASSES, type VehicleClass } from '../../../edge/scoring/config.js';
import { BUILTIN_MAPS } from '../../../edge/signals/maps/index.js';
import { loadVssMapFile, validateVssMap, VssMapError } from '../../../edge/signals/vss-map.js';
import { anyValue, mutate, mutationArb, target, timed } from '../harness.js';

const BUS_FIELDS = ['vehicle', 'source', 'interfaces', 'bitrate', 'fd', 'filters', 'replayFile', 'speed', 'loop'] as const;

const busArb: fc.Arbitrary<RawBusConfig> = fc.record(
  {
    vehicle: fc.oneof(fc.constantFrom('van-7', '', '  ', '${UBI_VEHICLE}'), anyValue),
    source: fc.oneof(fc.constantFrom('auto', 'socketcan', 'replay', 'SocketCAN', ''), anyValue),
    interfaces: fc.oneof(fc.constantFrom('can0', 'can0,can1', ''), anyValue),
    bitrate: fc.oneof(fc.constantFrom('500000', 500000, '10000', '9999', '1000001', '250k', ' 125000 '), anyValue),
    fd: anyValue,
    filters: fc.oneof(fc.constantFrom('', '7DF', '0x18FEF100/0x00FFFF00x', '123/7FF,456', '1FFFFFFFF', 'zz', '123/', '/7FF', '7df\n7e8'), fc.string({ unit: fc.constantFrom(...'0123456789abcdefxX/,\n ~!'.split('')), maxLength: 30 }), anyValue),
    replayFile: fc.oneof(fc.constantFrom('a.log', 'a.log, b.log.gz', ''), anyValue),
    speed: fc.oneof(fc.constantFrom('1', 'max', '0', '10000', '10001', '-1', 'Infinity', '1e-9'), anyValue),
    loop: anyValue,
  },
  { requiredKeys: [] },
);

/** every leaf path of the default config with its value */
function leaves(o: unknown, prefix = ''): Array<[string, unknown]> {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return [[prefix, o]];
  return Object.entries(o).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}
const PATHS = leaves(CLASS_DEFAULTS.van).map(([p]) => p);

function setPath(o: Record<string, unknown>, p: string, v: unknown): void {
  const parts = p.split('.');
  let cur = o;
  for (const k of parts.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = v;
}

/** overrides: a few known paths (or a prefix of one, or an unknown sibling) set to any value */
const overridesArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.tuple(fc.constantFrom(...PATHS), fc.constantFrom('exact', 'exact', 'exact', 'parent', 'unknown'), anyValue), { maxLength: 5 }).map((sets) => {
    const o: Record<string, unknown> = {};
    for (const [p, how, v] of sets) setPath(o, how === 'parent' ? p.split('.').slice(0, -1).join('.') || p : how === 'unknown' ? `${p}X` : p, v);
    return o;
  }) },
  { weight: 1, arbitrary: anyValue },
);

const fleetArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ defaultClass: fc.oneof(fc.constantFrom<unknown>(...VEHICLE_CLASSES), anyValue), common: overridesArb, vehicles: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.record({ class: fc.oneof(fc.constantFrom<unknown>(...VEHICLE_CLASSES), anyValue), overrides: overridesArb }, { requiredKeys: [] }), { maxKeys: 3 }), anyValue), extra: anyValue }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: anyValue },
);

const MAP_NAMES = Object.keys(BUILTIN_MAPS);
const MAP_TOKENS = ['{', '}', '[', ']', '"', ':', ',', 'null', '"Vehicle.Speed"', '"unit"', '"from"', '{"dbc": "A.B"}', '{"obd": "0x0D"}', '{"derive": "rate", "of": "Vehicle.Speed"}', '"km/h"', '1e999', '-0'];

/** the part of a problem before its first `: ` (the field path), which must be non-empty */
function where(problem: string): string {
  // an unknown key is named verbatim, whatever it holds ("", ": ", "."): `<key>: unknown field`
  if (problem.endsWith(': unknown field')) return problem.slice(0, -': unknown field'.length);
  const i = problem.indexOf(': ');
  if (i <= 0) throw new Error(`problem does not name where: ${JSON.stringify(problem)}`);
  return problem.slice(0, i);
}

function checkScoringProblems(e: unknown, input: unknown, fleet: boolean): void {
  if (!(e instanceof ScoringConfigError)) throw e;
  if (e.problems.length === 0) throw new Error('ConfigError without problems');
  const inputKeys = typeof input === 'object' && input !== null ? Object.keys(input) : [];
  const top = new Set([...Object.keys(CLASS_DEFAULTS.van), ...inputKeys, '(root)', 'vehicleClass', 'defaultClass', 'common', 'vehicles']);
  for (const p of e.problems) {
    const w = where(p);
    if (!fleet && w !== '' && !top.has(w.split(/[.[]/)[0]!) && !inputKeys.some((k) => w === k || w.startsWith(`${k}.`))) throw new Error(`problem names no field of the config or the input: ${p}`);
    if (fleet && w !== '' && !/^(\(root\)|defaultClass\b|common\b|vehicles\b)/.test(w) && !inputKeys.includes(w)) throw new Error(`fleet problem names no field: ${p}`);
  }
}

export const configTarget = target<{ dir: string }>({
  name: 'config',
  what: 'bus config, batch options, scoring overrides and fleet configs, VSS maps (objects and JSON files)',
  setup: () => ({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'ubi-fuzz-config-')) }),
  teardown: (c) => fs.rmSync(c.dir, { recursive: true, force: true }),
  property: (c) =>
    fc.property(
      busArb,
      fc.record({ maxFrames: anyValue, maxAgeMs: anyValue }, { requiredKeys: [] }),
      fc.constantFrom<VehicleClass>(...VEHICLE_CLASSES),
      overridesArb,
      fleetArb,
      fc.tuple(fc.constantFrom(...MAP_NAMES), fc.array(mutationArb(MAP_TOKENS), { minLength: 1, maxLength: 4 })),
      fc.nat(1_000_000),
      (bus, batch, cls, overrides, fleet, [mapName, muts], n) => {
        const calls: Array<[string, () => unknown]> = [
          ['busConfigFrom', () => busConfigFrom(bus, c.dir)],
          ['batchOptionsFrom', () => batchOptionsFrom(batch)],
        ];
        for (const [what, fn] of calls) {
          try {
            timed(what, fn);
          } catch (e) {
            if (!(e instanceof BusConfigError)) throw e;
            if (!(BUS_FIELDS as readonly string[]).includes(e.field) && !['maxFrames', 'maxAgeMs'].includes(e.field)) throw new Error(`${what}: ConfigError names no field: ${e.message}`);
            if (!e.message.startsWith(`${e.field}: `)) throw new Error(`${what}: message does not start with the field: ${e.message}`);
          }
        }
        try {
          timed('resolveConfig', () => resolveConfig(cls, overrides));
        } catch (e) {
          checkScoringProblems(e, overrides, false);
        }
        try {
          const lookup = timed('fleetConfig', () => fleetConfig(fleet));
          lookup('any-vehicle');
        } catch (e) {
          checkScoringProblems(e, fleet, true);
        }
        // VSS map: the shipped map as JSON text, mutated; parsed and validated, and loaded from a file
        const text = mutate(JSON.stringify(BUILTIN_MAPS[mapName], null, 2), muts);
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          doc = undefined;
        }
        if (doc !== undefined) {
          try {
            timed('validateVssMap', () => validateVssMap(doc, 'fuzz-map.json'));
          } catch (e) {
            if (!(e instanceof VssMapError)) throw e;
            if (e.source !== 'fuzz-map.json' || e.problems.length === 0) throw new Error(`VssMapError without source or problems: ${e.message}`);
            // a document that is no object at all is named by its source alone
            if (!(e.problems.length === 1 && e.problems[0] === 'the map must be a JSON object')) e.problems.forEach(where);
          }
        }
        const file = path.join(c.dir, `map-${n}.json`);
        fs.writeFileSync(file, text);
        try {
          timed('loadVssMapFile', () => loadVssMapFile(file));
        } catch (e) {
          if (!(e instanceof VssMapError)) throw e;
          if (doc === undefined && !new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`).test(e.source)) throw new Error(`JSON syntax error not at file:line:col: ${e.source}: ${e.problems.join('; ')}`);
          if (doc !== undefined && e.source !== file) throw new Error(`map problem not under the file: ${e.message}`);
        } finally {
          fs.rmSync(file, { force: true });
        }
        return true;
      },
    ),
});
