// Records of the policy register. Money: integer cents. Rates: basis points. Dates: ISO civil
// dates on the depot's calendar (the policy's own dates); instants: ms since the epoch, written as
// ISO strings with an explicit offset wherever they leave the process.

export const CHANNELS = ['email', 'sms', 'phone', 'post'] as const;
export type Channel = (typeof CHANNELS)[number];

export const OUTCOMES = ['renewed', 'lapsed'] as const;
export type OutcomeKind = (typeof OUTCOMES)[number];

/** Non-renewal reasons recorded with a lapsed outcome. */
export const LAPSE_REASONS = ['price', 'competitor', 'sold', 'scrapped', 'other'] as const;
export type LapseReason = (typeof LAPSE_REASONS)[number];

export const CLAIM_STATUSES = ['reported', 'registered', 'closed', 'rejected'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** A fleet or group scheme (mass merchandising: the employer markets it, members individually underwritten). */
export interface Scheme {
  schemeId: string;
  name: string;
  holder: string;
  /** scheme discount, basis points (1250 = 12.5 %) */
  discountBp: number;
  payrollDeduction: boolean;
}

export interface Policy {
  policyNumber: string;
  /** null: an individual policy outside any scheme */
  schemeId: string | null;
  holder: string;
  vin: string;
  plate: string;
  drivers: string[];
  /** inception date (cover from 00:00 depot time) */
  startDate: string;
  /** expiry date (cover ends at 00:00 depot time; the renewal starts that day) */
  endDate: string;
  premiumCents: number;
  /** how reminders reach the holder */
  channel: Channel;
  contact: string;
  depot: string;
  vehicleClass: string;
  use: string;
  /** the vehicle was new (first registered) when this policy started */
  newVehicle: boolean;
}

export interface Outcome {
  policyNumber: string;
  outcome: OutcomeKind;
  /** required when lapsed */
  reason: LapseReason | null;
  date: string;
  successorPolicy: string | null;
  note: string;
}

/** One claim of the claims ledger (written by the claims flow and the insurer's callbacks). */
export interface ClaimEntry {
  claimId: string;
  policyNumber: string;
  vin: string;
  occurredAt: number;
  /** first notice of loss sent (reported) */
  reportedAt: number;
  /** the insurer registered it (its claim number issued); null until then */
  registeredAt: number | null;
  closedAt: number | null;
  status: ClaimStatus;
  /** paid so far */
  paidCents: number;
  /** outstanding reserve (0 once closed) */
  reserveCents: number;
  source: 'automatic' | 'manual';
}

export interface RowError {
  /** 1-based line in the CSV file (header is line 1); absent for JSON bodies */
  line?: number;
  field?: string;
  reason: string;
}

export class ValidationError extends Error {
  constructor(readonly errors: RowError[]) {
    super(errors.map((e) => `${e.line !== undefined ? `line ${e.line}: ` : ''}${e.field ? `${e.field}: ` : ''}${e.reason}`).join('; '));
    this.name = 'ValidationError';
  }
}
