// Decode configuration as people write it (the ubi-decode node's fields, CLI options) -> a DecodeEngine.
// Every problem names the field (and line) it comes from; DBC problems name file:line:column.

import fs from 'node:fs';
import path from 'node:path';
import { DbcSyntaxError, formatProblem, loadDbcSync, type Database } from '../dbc/index.js';
import { DecodeEngine, type DecodeEngineOptions } from './decoder.js';
import type { InterfaceConfig } from './frame-decoders.js';
import { loadVssMap } from './maps/index.js';
import { VssMapError } from './vss-map.js';

export class DecodeConfigError extends Error {
  override readonly name = 'DecodeConfigError';
  constructor(
    /** the configuration field at fault */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface DecodeSettings {
  /** one line per interface: `<iface|*>: <item>, <item> ...` where an item is a DBC file, `j1939` or `obd` */
  interfaces: string;
  /** a shipped map name (car-obd-gnss, j1939-truck, toyota-2017), a JSON map file, or '' for none */
  map?: string;
  /** 'mapped' | 'all' | 'list' */
  emit?: string;
  /** for emit 'list': names separated by commas or new lines */
  signals?: string;
  /** seconds per down-sampled point; 0 = no down-sampled output */
  period?: string | number;
  /** 'last' | 'mean' */
  mode?: string;
  /** relative DBC and map paths are taken from here (default: the working directory) */
  baseDir?: string;
}

export interface InterfaceLine {
  iface: string;
  dbc: string[];
  j1939: boolean;
  obd: boolean;
}

/** Parses the interfaces field; errors name the line. */
export function parseInterfaces(text: string, baseDir = process.cwd()): InterfaceLine[] {
  const out: InterfaceLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `line ${i + 1}`;
    const m = /^([A-Za-z0-9_.*-]+)\s*[:=]\s*(.*)$/.exec(line);
    if (!m) throw new DecodeConfigError('interfaces', `${where}: expected "<interface>: <DBC file>, j1939, obd", found "${line}"`);
    const iface = m[1]!;
    if (out.some((l) => l.iface === iface)) throw new DecodeConfigError('interfaces', `${where}: ${iface} is listed twice`);
    const entry: InterfaceLine = { iface, dbc: [], j1939: false, obd: false };
    for (const item of m[2]!.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      if (item.toLowerCase() === 'j1939') entry.j1939 = true;
      else if (item.toLowerCase() === 'obd') entry.obd = true;
      else entry.dbc.push(path.resolve(baseDir, item));
    }
    if (entry.dbc.length === 0 && !entry.obd) throw new DecodeConfigError('interfaces', `${where}: ${iface} has no DBC file and no obd`);
    if (entry.j1939 && entry.dbc.length === 0) throw new DecodeConfigError('interfaces', `${where}: j1939 needs a DBC file on ${iface}`);
    out.push(entry);
  });
  if (out.length === 0) throw new DecodeConfigError('interfaces', 'no interface configured (e.g. "can0: /etc/ubi-edge/vehicle.dbc")');
  return out;
}

/** Loads a DBC leniently (strict: false); a missing file or a syntax error throws naming file:line:col. */
export function loadDbcForDecode(file: string, field = 'interfaces'): Database {
  try {
    return loadDbcSync(file, { strict: false });
  } catch (e) {
    if (e instanceof DbcSyntaxError) throw new DecodeConfigError(field, e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DecodeConfigError(field, `${file}: not found`);
    if (code === 'EISDIR') throw new DecodeConfigError(field, `${file}: is a directory, not a DBC file`);
    throw new DecodeConfigError(field, `${file}: ${(e as Error).message}`);
  }
}

export interface BuiltEngine {
  engine: DecodeEngine;
  /** DBC problems (file:line:col), map entries nothing provides, missing decoders: worth a warning */
  warnings: string[];
  /** one line for logs: what decodes what */
  describe: string;
}

const num = (v: string | number | undefined, dflt: number): number => (v === undefined || v === '' ? dflt : Number(v));

/** Builds the engine from settings; throws DecodeConfigError for anything that stops decoding. */
export function buildDecodeEngine(s: DecodeSettings): BuiltEngine {
  const baseDir = s.baseDir ?? process.cwd();
  const lines = parseInterfaces(s.interfaces ?? '', baseDir);
  const dbcCache = new Map<string, Database>();
  const warnings: string[] = [];
  const interfaces: Record<string, InterfaceConfig> = {};
  for (const l of lines) {
    const dbs: Database[] = [];
    for (const f of l.dbc) {
      let db = dbcCache.get(f);
      if (!db) {
        db = loadDbcForDecode(f);
        dbcCache.set(f, db);
        for (const p of db.problems) warnings.push(formatProblem(p));
      }
      dbs.push(db);
    }
    interfaces[l.iface] = { dbc: dbs, j1939: l.j1939, obd: l.obd };
  }

  let map: DecodeEngineOptions['map'];
  const mapName = (s.map ?? '').trim();
  if (mapName !== '') {
    try {
      map = loadVssMap(mapName.includes('/') || mapName.endsWith('.json') ? path.resolve(baseDir, mapName) : mapName);
    } catch (e) {
      if (e instanceof VssMapError) throw new DecodeConfigError('map', e.message);
      throw e;
    }
  }

  const emitMode = (s.emit ?? 'mapped').trim() || 'mapped';
  let emit: DecodeEngineOptions['emit'];
  if (emitMode === 'mapped' || emitMode === 'all') emit = emitMode;
  else if (emitMode === 'list') {
    const names = (s.signals ?? '').split(/[\s,]+/).filter((x) => x !== '');
    if (names.length === 0) throw new DecodeConfigError('signals', 'emit "list" needs at least one signal name');
    emit = names;
  } else throw new DecodeConfigError('emit', `expected mapped, all or list, found "${emitMode}"`);

  const period = num(s.period, 1);
  if (!Number.isFinite(period) || period < 0 || period > 3600) throw new DecodeConfigError('period', `expected seconds 0..3600 (0: no down-sampled output), found "${s.period}"`);
  const mode = (s.mode ?? 'last').trim() || 'last';
  if (mode !== 'last' && mode !== 'mean') throw new DecodeConfigError('mode', `expected last or mean, found "${mode}"`);

  const engine = new DecodeEngine({ interfaces, ...(map ? { map } : {}), emit, ...(period > 0 ? { downsample: { period, mode } } : {}) });
  for (const p of engine.problems) warnings.push(`${p.severity}: ${p.message}`);
  const describe = lines
    .map((l) => `${l.iface}: ${[...l.dbc.map((f) => path.basename(f)), ...(l.j1939 ? ['J1939'] : []), ...(l.obd ? ['OBD-II'] : [])].join(' + ')}`)
    .concat(map ? [`map ${map.vehicleType}`] : [], period > 0 ? [`${mode} per ${period} s`] : [])
    .join('; ');
  return { engine, warnings, describe };
}

/** A readable file? (for CLI exit codes) */
export function isReadable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Checks that a message payload is a FrameBatch (from ubi-can-in or a function node); else says why. */
export function frameBatchProblem(p: unknown): string | undefined {
  if (typeof p !== 'object' || p === null) return 'payload is not a FrameBatch (expected an object from ubi-can-in)';
  const b = p as Record<string, unknown>;
  if (typeof b.iface !== 'string') return 'payload.iface: expected the interface name';
  if (typeof b.vehicle !== 'string') return 'payload.vehicle: expected the vehicle name';
  const n = b.count;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return 'payload.count: expected the number of frames';
  const arrays: Array<[string, new (...a: never[]) => unknown]> = [['t', Float64Array], ['id', Uint32Array], ['flags', Uint8Array], ['len', Uint8Array], ['offset', Uint32Array]];
  for (const [k, T] of arrays) {
    const a = b[k];
    if (!(a instanceof T) || (a as unknown as ArrayLike<number>).length < n) return `payload.${k}: expected a ${T.name} of ${n} entries`;
  }
  if (!(b.data instanceof Uint8Array)) return 'payload.data: expected a Uint8Array';
  const len = b.len as Uint8Array;
  const off = b.offset as Uint32Array;
  const data = b.data;
  for (let i = 0; i < n; i++) if (off[i]! + len[i]! > data.length) return `payload: frame ${i} lies past the end of data`;
  return undefined;
}
