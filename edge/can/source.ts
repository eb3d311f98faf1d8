// What every frame source (SocketCAN, log replay) offers the node and the CLI.
import type { EventEmitter } from 'node:events';
import type { FrameBatch } from './frame.js';

export type SourceState = 'starting' | 'running' | 'down' | 'retrying' | 'ended' | 'closed';

export interface SourceStatus {
  state: SourceState;
  /** why the source is not running (interface missing, bus-off, end of log ...) */
  reason?: string;
  iface?: string;
}

/** Running totals, read by the node status and the `gateway` measurement. */
export interface SourceCounters {
  frames: number;
  /** error frames received (counted, never fatal) */
  errorFrames: number;
  /** frames the kernel or the source reports as lost (socket overflow, interface rx_dropped ...) */
  dropped: number;
  /** malformed input (log lines) skipped */
  malformed: number;
  batches: number;
  /** bits on the wire as estimated by busload.ts, for bus-load % */
  bits: number;
}

/** A problem with one piece of input that was skipped; the rest goes on. */
export interface SourceWarning {
  /** file:line, interface or CAN id the problem is about */
  where: string;
  message: string;
}

/**
 * Events: 'batch' (FrameBatch), 'status' (SourceStatus), 'warning' (SourceWarning).
 * A source never throws from its callbacks; failures become status changes.
 */
export interface FrameSource extends EventEmitter {
  start(): void;
  /** Stops reading, flushes what is buffered as a last batch, releases timers and sockets. */
  close(): Promise<void>;
  counters(): SourceCounters;
  status(): SourceStatus;
}

export function emptyCounters(): SourceCounters {
  return { frames: 0, errorFrames: 0, dropped: 0, malformed: 0, batches: 0, bits: 0 };
}

export type { FrameBatch };
