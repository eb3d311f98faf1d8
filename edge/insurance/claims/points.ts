// `claim` points (README, InfluxDB schema): one per claim status change. ClaimStatus messages are
// registered with the store's converters, so the ubi-claim node's status output can be wired
// straight into ubi-influx-out.
import { registerConverter } from '../../store/convert.js';
import type { StorePoint } from '../../store/point.js';
import type { ClaimStatus } from './types.js';

export function isClaimStatus(x: unknown): x is ClaimStatus {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'claim_status' && typeof (x as { fnolId?: unknown }).fnolId === 'string';
}

export function claimPoint(s: ClaimStatus): StorePoint {
  const tags: Record<string, string> = { status: s.state };
  if (s.vehicle) tags.vehicle = s.vehicle;
  if (s.driver) tags.driver = s.driver;
  const fields: StorePoint['fields'] = { claim: s.fnolId, policy: s.policyNumber, detail: s.reason ?? '', attempts: s.attempts, test: s.test };
  if (s.incidentId) fields.incident = s.incidentId;
  if (s.claimNumber) fields.claim_number = s.claimNumber;
  if (s.settledAmountCents !== null) fields.settled_cents = s.settledAmountCents;
  if (s.closedDate) fields.closed_date = s.closedDate;
  return { measurement: 'claim', tags, fields, time: s.at };
}

registerConverter({ kind: 'claim_status', matches: isClaimStatus, toPoints: (x) => [claimPoint(x as ClaimStatus)] });
