// Chooses and builds the frame source a ubi-can-in node (or `ubi-edge start`) reads from.
//
// 'auto' reads SocketCAN when interfaces are configured or present, and otherwise replays the
// bundled real log, so a fresh `npm start` on a laptop shows data flowing.
import fs from 'node:fs';
import path from 'node:path';
import type { BatchOptions } from './batcher.js';
import { listCanInterfaces } from './discover.js';
import { parseFilters, type CanFilter } from './filters.js';
import type { FrameSource } from './source.js';
import { ReplaySource } from './replay-source.js';
import { SocketCanSource } from './socketcan-source.js';

export type SourceKind = 'auto' | 'socketcan' | 'replay';

export interface BusConfig {
  vehicle: string;
  source: SourceKind;
  /** comma-separated interface names, for socketcan */
  interfaces: string;
  bitrate: number;
  fd: boolean;
  /** filter text, see filters.ts */
  filters: string;
  /** log files for replay (empty: the bundled log) */
  replayFiles: string[];
  /** replay speed factor, or 'max' for as fast as possible */
  speed: number | 'max';
  loop: boolean;
}

export interface SourcePlan {
  kind: 'socketcan' | 'replay';
  interfaces: string[];
  files: string[];
  filters: CanFilter[];
  /** one line for logs and status: what is read and why */
  describe: string;
}

/** Folder of the bundled real log (with its LICENSE and SOURCE). */
export const BUNDLED_LOG_DIR = path.resolve(__dirname, '..', '..', '..', 'assets', 'logs');

export function bundledLogs(dir = BUNDLED_LOG_DIR): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => /\.log(\.gz|\.xz)?$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** Decides what to read. Throws with a message naming the field when the config is unusable. */
export function planSource(cfg: BusConfig, env: NodeJS.ProcessEnv = process.env, present = listCanInterfaces): SourcePlan {
  const filters = parseFilters(cfg.filters ?? '');
  const configured = splitList(cfg.interfaces);
  if (cfg.source === 'socketcan' || (cfg.source === 'auto' && configured.length > 0)) {
    if (configured.length === 0) throw new Error('interfaces: name at least one SocketCAN interface, e.g. can0');
    return { kind: 'socketcan', interfaces: configured, files: [], filters, describe: `SocketCAN ${configured.join(', ')}` };
  }
  if (cfg.source === 'auto') {
    const fromEnv = splitList(env.UBI_CAN_IFACES ?? '');
    const found = fromEnv.length > 0 ? fromEnv : present();
    if (found.length > 0) {
      const why = fromEnv.length > 0 ? 'from UBI_CAN_IFACES' : 'found on this machine';
      return { kind: 'socketcan', interfaces: found, files: [], filters, describe: `SocketCAN ${found.join(', ')} (${why})` };
    }
  }
  const files = cfg.replayFiles.length > 0 ? cfg.replayFiles : bundledLogs();
  if (files.length === 0) throw new Error('replay: no log file configured and no bundled log found in ' + BUNDLED_LOG_DIR);
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`replay file ${f}: not found`);
  const speed = cfg.speed === 'max' ? 'as fast as possible' : `at ${cfg.speed}x real time`;
  const why = cfg.source === 'auto' ? 'no CAN interface configured (UBI_CAN_IFACES) or present: ' : '';
  return {
    kind: 'replay',
    interfaces: [],
    files,
    filters,
    describe: `${why}replaying ${files.map((f) => path.basename(f)).join(', ')} ${speed}${cfg.loop ? ', looping' : ''}`,
  };
}

export function openSource(cfg: BusConfig, plan: SourcePlan, batch: BatchOptions): FrameSource {
  if (plan.kind === 'socketcan') {
    return new SocketCanSource({
      vehicle: cfg.vehicle,
      interfaces: plan.interfaces.map((name) => ({ name, bitrate: cfg.bitrate, fd: cfg.fd, filters: plan.filters })),
      batch,
    });
  }
  return new ReplaySource({ vehicle: cfg.vehicle, files: plan.files, speed: cfg.speed, loop: cfg.loop, batch });
}

function splitList(s: string): string[] {
  return (s ?? '')
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
