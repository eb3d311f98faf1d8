// The incident engine: SignalBatches of any number of vehicles in; preliminary alerts, incidents
// (with their recordings) and sensor-disturbance notes out. Node-RED-free.
import type { SignalBatch } from '../signals/signal-batch.js';
import { resolveIncidentConfig, type IncidentConfig } from './config.js';
import { VehicleIncidents } from './detector.js';
import type { IncidentOutput } from './types.js';

export class IncidentEngine {
  private readonly vehicles = new Map<string, VehicleIncidents>();
  private readonly configFor: (vehicle: string) => IncidentConfig;

  private readonly reorderS: number;

  /**
   * reorderS: how far (s) batches of one vehicle may overlap in time (per-interface batches); samples
   * are held this long to be merged in time order (default 0.2 s: alerts stay prompt).
   */
  constructor(opts: { config?: IncidentConfig | ((vehicle: string) => IncidentConfig); reorderS?: number } = {}) {
    this.reorderS = opts.reorderS ?? 0.2;
    const c = opts.config ?? resolveIncidentConfig();
    this.configFor = typeof c === 'function' ? c : () => c;
  }

  push(batch: SignalBatch): IncidentOutput[] {
    let v = this.vehicles.get(batch.vehicle);
    if (!v) this.vehicles.set(batch.vehicle, (v = new VehicleIncidents(batch.vehicle, this.configFor(batch.vehicle), this.reorderS)));
    return v.push(batch);
  }

  /** End of the stream: emits incidents whose post-window the data did not reach. */
  finish(): IncidentOutput[] {
    const out: IncidentOutput[] = [];
    for (const id of [...this.vehicles.keys()].sort()) out.push(...this.vehicles.get(id)!.finish());
    return out;
  }
}
