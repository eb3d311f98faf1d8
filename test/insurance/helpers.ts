// Builders for insurance tests: policies and scores with every field explicit.
import { EVENT_TYPES, type Score } from '../../edge/scoring/index.js';
import type { PolicyRegister } from '../../edge/insurance/register.js';

export function zero(): Record<(typeof EVENT_TYPES)[number], number> {
  return Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<(typeof EVENT_TYPES)[number], number>;
}

export function score(scope: 'vehicle' | 'driver', key: string, value: number | null, opt: { distance?: number; fatigue?: number; speedingShare?: number; to?: number } = {}): Score {
  return {
    kind: 'score',
    scope,
    key,
    from: 1_700_000_000,
    to: opt.to ?? 1_730_000_000,
    distance: opt.distance ?? 1000,
    duration: 36000,
    counts: { ...zero(), fatigue: opt.fatigue ?? 0 },
    ratePer100Km: zero(),
    deductions: zero(),
    speedingShare: opt.speedingShare ?? 0,
    speedingDeduction: 0,
    score: value,
    status: value === null ? 'insufficient_data' : 'ok',
    version: 'ubi-score/1',
    configVersion: 'test',
    trips: [],
    events: [],
  };
}

let vinSeq = 0;
/** A unique well-formed VIN (ISO 3779 shape). */
export function vin(n = ++vinSeq): string {
  return `TESTVEH0000${String(n).padStart(6, '0')}`;
}

export function policy(reg: PolicyRegister, p: { n: string; vin?: string; plate?: string; start: string; end: string; premium?: string; scheme?: string; drivers?: string; depot?: string; cls?: string; use?: string; isNew?: boolean; channel?: string; contact?: string }): void {
  reg.put('policies', {
    policy_number: p.n,
    scheme_id: p.scheme ?? '',
    holder: `Holder of ${p.n}`,
    vin: p.vin ?? vin(),
    plate: p.plate ?? `PL ${p.n}`,
    drivers: p.drivers ?? '',
    start_date: p.start,
    end_date: p.end,
    premium: p.premium ?? '1000.00',
    channel: p.channel ?? 'email',
    contact: p.contact ?? `${p.n.toLowerCase()}@fleet.example`,
    depot: p.depot ?? 'leeds',
    vehicle_class: p.cls ?? 'van',
    use: p.use ?? 'goods',
    new_vehicle: p.isNew ?? false,
  });
}
