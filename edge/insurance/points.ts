// Points for InfluxDB (edge/store's StorePoint): the `renewal` measurement per policy, and the `kpi`
// measurement this module registers (headline KPIs per period and split). Money fields are in
// currency units (cents / 100) for the dashboards, with the exact integer cents beside them.
import { registerMeasurement, type FieldValue, type StorePoint } from '../store/point.js';
import { daysBetween, zonedInstant } from './dates.js';
import { headline, type KpiReport, type RenewalSplit } from './kpi.js';
import type { Quote, Referral } from './quote.js';
import type { ReminderRecord } from './register.js';

registerMeasurement({
  name: 'kpi',
  tags: { required: ['split', 'group'], optional: ['period', 'depot'] },
  fields: { renewal_rate: 'number', renewable: 'number', renewed: 'number' },
  extraFields: 'number',
  retention: 'long',
  dropPriority: 2,
  doc: 'insurance KPIs per period (time: the period start, depot midnight): split=all carries every headline figure; split=claims|new_vehicle|depot|vehicle_class|use|scheme carries the renewal rate of each group; split=non_renewal carries counts by reason',
});

/** Tag values must be plain names: anything else becomes '_' (the group is also a field). */
const tagSafe = (s: string): string => (/^[A-Za-z_][A-Za-z0-9_.\-]*$/.test(s) ? s : `g_${s.replace(/[^A-Za-z0-9_.\-]/g, '_')}`);

export function kpiPoints(r: KpiReport, timeZone: string, depot?: string): StorePoint[] {
  const time = zonedInstant(r.from, 0, 0, timeZone);
  const base = { period: `${r.from}_${r.to}`, ...(depot ? { depot } : {}) };
  const out: StorePoint[] = [];
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(headline(r))) {
    if (v === null) continue;
    if (k.endsWith('_cents')) fields[k.replace(/_cents$/, '')] = v / 100;
    fields[k] = v;
  }
  for (const [k, v] of Object.entries(r.change ?? {})) if (v !== null) fields[`yoy_${k}`] = v;
  out.push({ measurement: 'kpi', tags: { ...base, split: 'all', group: 'all' }, fields, time });
  const groups: Array<[string, Record<string, RenewalSplit>]> = [
    ['claims', r.renewal.byClaims],
    ['new_vehicle', r.renewal.byNewVehicle],
    ['depot', r.renewal.byDepot],
    ['vehicle_class', r.renewal.byVehicleClass],
    ['use', r.renewal.byUse],
    ['scheme', r.renewal.byScheme],
  ];
  for (const [split, m] of groups)
    for (const [g, s] of Object.entries(m)) {
      const f: Record<string, FieldValue> = { renewable: s.renewable, renewed: s.renewed };
      if (s.rate !== null) f.renewal_rate = s.rate;
      out.push({ measurement: 'kpi', tags: { ...base, split, group: tagSafe(g) }, fields: f, time });
    }
  out.push({ measurement: 'kpi', tags: { ...base, split: 'non_renewal', group: 'reasons' }, fields: { ...r.renewal.nonRenewalReasons }, time });
  return out;
}

/** One `renewal` point per policy reminded or quoted (time: the run instant). */
export function renewalPoint(p: { policyNumber: string; endDate: string; depot: string; vehicle?: string }, today: string, at: number, stage: number | null, decision: Quote | Referral | null): StorePoint {
  const fields: Record<string, FieldValue> = { policy: p.policyNumber, days_to_expiry: daysBetween(today, p.endDate) };
  if (stage !== null) fields.reminder_stage = stage;
  if (decision?.kind === 'quote') {
    fields.quoted_premium = decision.premiumCents / 100;
    fields.discount_pct = decision.discountBp / 100;
    fields.ubi_factor = decision.factorBp / 10000;
  } else if (decision?.kind === 'referral') fields.referred = true;
  const tags: Record<string, string> = {};
  if (p.depot) tags.depot = p.depot;
  if (p.vehicle) tags.vehicle = p.vehicle;
  if (stage !== null) tags.stage = String(stage);
  return { measurement: 'renewal', tags, fields, time: at };
}

export type { ReminderRecord };
