// The InfluxDB config node's fields (strings from the editor) -> StoreOptions, with errors that
// name the field. Credentials come separately (Node-RED credentials), never from the flow.
import path from 'node:path';
import type { FsyncPolicy } from './outbox.js';
import { Store, type StoreOptions } from './store.js';
import { CanArchive, type ArchiveOptions } from './can-archive.js';

export interface RawInfluxConfig {
  url?: string;
  database?: string;
  depot?: string;
  /** outbox cap in MiB */
  capMB?: string | number;
  fsync?: string;
  fsyncMs?: string | number;
  batchSize?: string | number;
  rawDuration?: string;
  longDuration?: string;
  /** outbox directory (default: <userDir>/ubi-store/<config id>) */
  dir?: string;
  /** raw CAN archive of the FrameBatches this store receives */
  archive?: boolean | string;
  archiveDir?: string;
  archiveCapMB?: string | number;
  archiveDays?: string | number;
  archiveSegmentMB?: string | number;
}

/** Archive options from the config fields, or undefined when the archive is off. */
export function archiveOptionsFrom(raw: RawInfluxConfig, storeDir: string): ArchiveOptions | undefined {
  if (raw.archive !== true && raw.archive !== 'true') return undefined;
  return {
    dir: raw.archiveDir && raw.archiveDir.trim() ? path.resolve(raw.archiveDir.trim()) : path.join(storeDir, 'can-archive'),
    capBytes: num('archive cap (MiB)', raw.archiveCapMB, 2048, 1, 1024 * 1024 * 1024) * 1024 * 1024,
    retentionDays: num('archive retention (days)', raw.archiveDays, 30, 0.001, 36500),
    segmentBytes: num('archive file size (MiB)', raw.archiveSegmentMB, 16, 0.01, 4096) * 1024 * 1024,
  };
}

/** The whole store of a config node: options checked field by field, archive opened when enabled. */
export function openStore(raw: RawInfluxConfig, cred: { username?: string; password?: string }, baseDir: string, id: string, log: NonNullable<StoreOptions['log']>): Store {
  const opts = storeOptionsFrom(raw, cred, baseDir, id);
  const a = archiveOptionsFrom(raw, opts.dir);
  const archive = a ? new CanArchive({ ...a, onWarning: (m) => log('warn', m) }) : undefined;
  return new Store({ ...opts, ...(archive ? { archive } : {}), log });
}

function num(field: string, v: string | number | undefined, def: number, min: number, max: number): number {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${field}: "${String(v)}" is not a number in ${min}..${max}`);
  return n;
}

export function storeOptionsFrom(raw: RawInfluxConfig, cred: { username?: string; password?: string }, baseDir: string, id: string): StoreOptions & { dir: string } {
  const url = (raw.url ?? '').trim();
  const database = (raw.database ?? '').trim() || 'ubi';
  const fsync = (raw.fsync ?? 'interval') as FsyncPolicy;
  if (!['always', 'interval', 'never'].includes(fsync)) throw new Error(`fsync: "${fsync}" is not always, interval or never`);
  const dur = /^(\d+(w|d|h|m)|INF)$/i;
  if (raw.rawDuration && !dur.test(raw.rawDuration)) throw new Error(`raw retention: "${raw.rawDuration}" is not like 30d or INF`);
  if (raw.longDuration && !dur.test(raw.longDuration)) throw new Error(`long retention: "${raw.longDuration}" is not like 30d or INF`);
  const dir = raw.dir && raw.dir.trim() ? path.resolve(raw.dir.trim()) : path.join(baseDir, id.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const opts: StoreOptions & { dir: string } = {
    dir,
    outbox: {
      capBytes: num('outbox cap (MiB)', raw.capMB, 256, 1, 1024 * 1024) * 1024 * 1024,
      fsync,
      fsyncIntervalMs: num('fsync interval (ms)', raw.fsyncMs, 500, 10, 1000),
    },
    writer: { batchSize: num('batch size', raw.batchSize, 5000, 1, 100000) },
    setup: {
      ...(raw.rawDuration ? { rawDuration: raw.rawDuration } : {}),
      ...(raw.longDuration ? { longDuration: raw.longDuration } : {}),
    },
  };
  if (raw.depot && raw.depot.trim()) opts.depot = raw.depot.trim();
  // an empty URL is allowed: nothing configured yet, everything is buffered (within the cap)
  if (url) {
    opts.influx = { url, database };
    if (cred.username) opts.influx.username = cred.username;
    if (cred.password) opts.influx.password = cred.password;
  }
  return opts;
}
