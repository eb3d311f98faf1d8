import { resolveConfig, ScoringEngine, type DeepPartial, type ScoringConfig, type ScoringEvent, type ScoringOutput, type TripSummary, type Score, type VehicleClass } from '../../edge/scoring/index.js';
import { batches, type Drive } from '../support/motion-model.js';

export function run(d: Drive, batchSize = 1000, cfg: ScoringConfig | DeepPartial<ScoringConfig> = {}, cls: VehicleClass = 'van'): ScoringOutput[] {
  const config = 'vehicleClass' in cfg && 'harsh' in cfg && (cfg as ScoringConfig).harsh?.braking ? (cfg as ScoringConfig) : resolveConfig(cls, cfg);
  const e = new ScoringEngine({ config });
  const out: ScoringOutput[] = [];
  for (const b of batches(d, batchSize)) out.push(...e.push(b));
  out.push(...e.finish());
  return out;
}

export const events = (o: ScoringOutput[], type?: string): ScoringEvent[] => o.filter((x): x is ScoringEvent => x.kind === 'event' && (!type || x.type === type));
export const trips = (o: ScoringOutput[]): TripSummary[] => o.filter((x): x is TripSummary => x.kind === 'trip');
export const scores = (o: ScoringOutput[], scope?: string): Score[] => o.filter((x): x is Score => x.kind === 'score' && (!scope || x.scope === scope));

/** Standing 5 s (gravity), then a gentle run-up and slow-down that teach the IMU where forward is. */
export const WARMUP = [
  { duration: 5, label: 'warm-still' },
  { duration: 12, accel: 1.5, label: 'warm-acc' },
  { duration: 10, label: 'warm-cruise' },
] as const;
