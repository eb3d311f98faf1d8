// The scoring engine: SignalBatches of any number of vehicles in, events / trip summaries / scores /
// IMU calibrations out. Node-RED-free: a node constructs one, feeds it msg.payload, sends the result.

import type { SignalBatch } from '../signals/signal-batch.js';
import { resolveConfig, type ScoringConfig } from './config.js';
import { RollingScores } from './score.js';
import type { ScoringOutput } from './types.js';
import { VehicleScorer, type ScoreBooks } from './vehicle.js';

export interface ScoringEngineOptions {
  /** one config for every vehicle, or a lookup by vehicle id (see fleetConfig); default: van defaults */
  config?: ScoringConfig | ((vehicle: string) => ScoringConfig);
  /**
   * How far (s) batches of one vehicle may overlap in time (per-interface batches): samples are held
   * this long to be merged in time order. Default 1 s. Outputs lag the input by this much.
   */
  reorderS?: number;
}

export class ScoringEngine {
  private readonly vehicles = new Map<string, VehicleScorer>();
  private last: VehicleScorer | undefined;
  private readonly books: ScoreBooks = { drivers: new RollingScores(), vehicles: new RollingScores() };
  private readonly configFor: (vehicle: string) => ScoringConfig;
  private readonly reorderS: number;

  constructor(opts: ScoringEngineOptions = {}) {
    this.reorderS = opts.reorderS ?? 1;
    const c = opts.config ?? resolveConfig('van');
    this.configFor = typeof c === 'function' ? c : () => c;
  }

  /** Feeds one batch (samples ascending in time within the vehicle); returns what it completed. */
  push(batch: SignalBatch): ScoringOutput[] {
    // batches of one vehicle mostly come in a row: no Map lookup for them
    let v = this.last;
    if (v?.vehicle !== batch.vehicle) {
      v = this.vehicles.get(batch.vehicle);
      if (!v) this.vehicles.set(batch.vehicle, (v = new VehicleScorer(batch.vehicle, this.configFor(batch.vehicle), this.books, this.reorderS)));
      this.last = v;
    }
    return v.push(batch);
  }

  /** End of the stream: closes open episodes and trips of every vehicle (in vehicle id order). */
  finish(): ScoringOutput[] {
    const out: ScoringOutput[] = [];
    for (const id of [...this.vehicles.keys()].sort()) out.push(...this.vehicles.get(id)!.finish());
    return out;
  }
}
