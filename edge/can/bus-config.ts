// Validates a CAN bus configuration as the editor stores it (strings and booleans) into a BusConfig.
import path from 'node:path';
import { parseFilters } from './filters.js';
import type { BusConfig, SourceKind } from './open-source.js';
import { DEFAULT_BATCH, type BatchOptions } from './batcher.js';

export interface RawBusConfig {
  vehicle?: unknown;
  source?: unknown;
  interfaces?: unknown;
  bitrate?: unknown;
  fd?: unknown;
  filters?: unknown;
  replayFile?: unknown;
  speed?: unknown;
  loop?: unknown;
}

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const SOURCES: readonly SourceKind[] = ['auto', 'socketcan', 'replay'];

export function busConfigFrom(raw: RawBusConfig, baseDir = process.cwd()): BusConfig {
  const vehicle = str(raw.vehicle, 'vehicle').trim();
  if (!vehicle) throw new ConfigError('vehicle', 'give the vehicle an id (fleet number, plate or VIN)');
  const source = (str(raw.source, 'source') || 'auto') as SourceKind;
  if (!SOURCES.includes(source)) throw new ConfigError('source', `"${source}" is not one of ${SOURCES.join(', ')}`);
  const bitrate = num(raw.bitrate ?? 500000, 'bitrate');
  if (!(bitrate >= 10_000 && bitrate <= 1_000_000)) throw new ConfigError('bitrate', `${bitrate} is outside 10000..1000000 bit/s`);
  const filters = str(raw.filters ?? '', 'filters');
  try {
    parseFilters(filters);
  } catch (e) {
    throw new ConfigError('filters', (e as Error).message);
  }
  const speedRaw = shown(raw.speed ?? '1').trim();
  let speed: number | 'max';
  if (speedRaw === 'max') speed = 'max';
  else {
    speed = Number(speedRaw);
    if (!(speed > 0 && speed <= 10_000)) throw new ConfigError('speed', `"${speedRaw}": a factor in (0, 10000] or "max"`);
  }
  const file = str(raw.replayFile ?? '', 'replayFile').trim();
  return {
    vehicle,
    source,
    interfaces: str(raw.interfaces ?? '', 'interfaces'),
    bitrate,
    fd: bool(raw.fd),
    filters,
    replayFiles: file ? file.split(',').map((f) => path.resolve(baseDir, f.trim())) : [],
    speed,
    loop: bool(raw.loop),
  };
}

export function batchOptionsFrom(raw: { maxFrames?: unknown; maxAgeMs?: unknown }): BatchOptions {
  const maxFrames = num(raw.maxFrames ?? DEFAULT_BATCH.maxFrames, 'maxFrames');
  const maxAgeMs = num(raw.maxAgeMs ?? DEFAULT_BATCH.maxAgeMs, 'maxAgeMs');
  if (!(Number.isInteger(maxFrames) && maxFrames >= 1 && maxFrames <= 100_000)) throw new ConfigError('maxFrames', `${maxFrames}: an integer 1..100000`);
  if (!(maxAgeMs >= 1 && maxAgeMs <= 60_000)) throw new ConfigError('maxAgeMs', `${maxAgeMs}: 1..60000 ms`);
  return { maxFrames, maxAgeMs };
}

function str(v: unknown, field: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new ConfigError(field, `expected text, got ${typeof v}`);
}

/** v as text, for parsing and messages; never throws (String() does for {"toString": null} from JSON) */
function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function num(v: unknown, field: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new ConfigError(field, `"${shown(v)}" is not a number`);
  return n;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true';
}
