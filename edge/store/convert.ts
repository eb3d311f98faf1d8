// Message kinds -> StorePoints. The extension point for kinds that do not exist yet (Event,
// TripSummary, Score, Incident, Claim, renewal records): their module either emits StorePoints
// directly (any object with `measurement` is taken as one) or registers a Converter here:
//
//   registerConverter({ kind: 'event', matches: isEvent, toPoints: (e) => [{ measurement: 'event', ... }] });
//
// Converters are tried in registration order after the built-in ones; the measurement they
// produce must be in the schema (point.ts: registerMeasurement), else its points are quarantined.
import type { FrameBatch } from '../can/frame.js';
import type { SignalBatch } from '../signals/signal-batch.js';
import type { StorePoint } from './point.js';

export interface Converter {
  kind: string;
  matches(x: unknown): boolean;
  toPoints(x: unknown): StorePoint[];
}

const converters: Converter[] = [];

export function registerConverter(c: Converter): void {
  const i = converters.findIndex((x) => x.kind === c.kind);
  if (i >= 0) converters[i] = c;
  else converters.push(c);
}

export function isFrameBatch(x: unknown): x is FrameBatch {
  const b = x as FrameBatch;
  return typeof x === 'object' && x !== null && b.t instanceof Float64Array && b.id instanceof Uint32Array && typeof b.iface === 'string';
}

export function isSignalBatch(x: unknown): x is SignalBatch {
  const b = x as SignalBatch;
  return typeof x === 'object' && x !== null && b.t instanceof Float64Array && b.signal instanceof Uint16Array && Array.isArray(b.signals);
}

export function isPointLike(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { measurement?: unknown }).measurement === 'string';
}

export type Classified =
  | { kind: 'frames'; batch: FrameBatch }
  /** decoded signals: the store's aggregator turns them into 1 s `signal` windows */
  | { kind: 'signals'; batch: SignalBatch }
  | { kind: 'points'; points: StorePoint[]; from: string }
  | { kind: 'unknown'; value: unknown };

/** Sorts one message payload (or one element of an array payload) into what the store does with it. */
export function classifyPayload(x: unknown): Classified {
  if (isFrameBatch(x)) return { kind: 'frames', batch: x };
  if (isPointLike(x)) return { kind: 'points', points: [x as StorePoint], from: 'point' };
  if (isSignalBatch(x)) return { kind: 'signals', batch: x };
  for (const c of converters) if (c.matches(x)) return { kind: 'points', points: c.toPoints(x), from: c.kind };
  return { kind: 'unknown', value: x };
}
