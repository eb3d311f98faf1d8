// Score formula (versioned; DESIGN.md explains the weights):
//   score = max(0, 100 - sum over types of min(cap_t, weight_t * events_t per 100 km)
//                      - min(cap_speeding, perPercent * percent of driving time over the limit))
// No score below the minimum distance: status 'insufficient_data', score null.

import type { ScoringConfig } from './config.js';
import { EVENT_TYPES, zeroCounts, type EventCounts, type EventRef, type EventType, type Score, type ScoreScope } from './types.js';

export const FORMULA_VERSION = 'ubi-score/1';

/** What a score is computed from: one trip, or the trips of a rolling window. */
export interface ScoreInput {
  from: number;
  to: number;
  distanceKm: number;
  drivingSeconds: number;
  speedingSeconds: number;
  counts: EventCounts;
  events: EventRef[];
  trips: string[];
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r1 = (x: number): number => Math.round(x * 10) / 10;

export function computeScore(
  scope: ScoreScope,
  key: string,
  input: ScoreInput,
  cfg: ScoringConfig['score'],
  minDistanceKm: number,
  who: { vehicle?: string; driver?: string },
  configVersion: string,
): Score {
  const per100 = input.distanceKm > 0 ? 100 / input.distanceKm : 0;
  const rate = zeroCounts();
  const deductions = zeroCounts();
  let total = 0;
  for (const t of EVENT_TYPES) {
    rate[t] = r3(input.counts[t] * per100);
    if (t === 'speeding') continue; // speeding counts by share of time, not by events
    const w = cfg.weights[t];
    const d = Math.min(w.cap, w.perEventPer100Km * input.counts[t] * per100);
    deductions[t] = r3(d);
    total += d;
  }
  const share = input.drivingSeconds > 0 ? Math.min(1, input.speedingSeconds / input.drivingSeconds) : 0;
  const speedingDeduction = Math.min(cfg.speeding.cap, cfg.speeding.perPercent * share * 100);
  total += speedingDeduction;
  const enough = input.distanceKm >= minDistanceKm;
  return {
    kind: 'score',
    scope,
    key,
    ...(who.vehicle !== undefined ? { vehicle: who.vehicle } : {}),
    ...(who.driver !== undefined ? { driver: who.driver } : {}),
    from: input.from,
    to: input.to,
    distance: r3(input.distanceKm),
    duration: r3(input.drivingSeconds),
    counts: { ...input.counts },
    ratePer100Km: rate,
    deductions,
    speedingShare: r3(share),
    speedingDeduction: r3(speedingDeduction),
    score: enough ? r1(Math.max(0, 100 - total)) : null,
    status: enough ? 'ok' : 'insufficient_data',
    version: FORMULA_VERSION,
    configVersion,
    trips: input.trips,
    events: input.events,
  };
}

/** The part of a trip a rolling score needs. */
export interface TripRecord {
  id: string;
  t0: number;
  t1: number;
  distanceKm: number;
  drivingSeconds: number;
  speedingSeconds: number;
  counts: EventCounts;
  events: EventRef[];
}

/** Trips per key (driver or vehicle) over the last `rollingDays` days, ending at the newest trip. */
export class RollingScores {
  private readonly byKey = new Map<string, TripRecord[]>();

  add(key: string, trip: TripRecord, rollingDays: number): ScoreInput {
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, (list = []));
    list.push(trip);
    const from = trip.t1 - rollingDays * 86400;
    while (list.length && list[0]!.t1 < from) list.shift();
    const counts = zeroCounts();
    const events: EventRef[] = [];
    let distanceKm = 0;
    let drivingSeconds = 0;
    let speedingSeconds = 0;
    for (const tr of list) {
      distanceKm += tr.distanceKm;
      drivingSeconds += tr.drivingSeconds;
      speedingSeconds += tr.speedingSeconds;
      for (const t of Object.keys(counts) as EventType[]) counts[t] += tr.counts[t];
      events.push(...tr.events);
    }
    return { from: list[0]!.t0, to: trip.t1, distanceKm, drivingSeconds, speedingSeconds, counts, events, trips: list.map((x) => x.id) };
  }
}
