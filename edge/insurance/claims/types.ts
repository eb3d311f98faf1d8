// The first notice of loss (FNOL) record sent to the insurer, and the claim's delivery state.
// Field names follow the spirit of Open Insurance's claim notification (policy, occurrence, location)
// and the eCall minimum set of data, EN 15722 (position trusted, the two previous positions); the
// JSON Schema is schemas/fnol.schema.json (schema.ts, the same object).
//
// The record is a pure function of the incident, the policy and the configuration: no clock reads,
// so a replay of the raw archive gives a byte-identical record (and the same fnolId).

export const FNOL_SCHEMA_ID = 'https://ubi-edge.example/schemas/fnol.schema.json';
export const FNOL_VERSION = 'ubi-edge/fnol/1';

export const CLAIM_STATES = ['pending', 'sent', 'acknowledged', 'rejected', 'dead', 'closed'] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];
/** states after which the claim is never delivered again */
export const FINAL_DELIVERY: ReadonlySet<ClaimState> = new Set(['acknowledged', 'rejected', 'dead', 'closed']);

export interface FnolFix {
  latitude: number;
  longitude: number;
  /** UTC, ISO 8601 */
  dateTime: string;
}

export interface FnolRecord {
  schemaVersion: typeof FNOL_VERSION;
  /** stable id derived from the incident (or the manual report): the idempotency key */
  fnolId: string;
  source: 'automatic' | 'manual';
  /** a test claim: the insurer must not handle it as a real loss */
  test: boolean;
  policy: { policyNumber: string; documentType: 'FLEET_MOTOR' };
  vehicle: { vin: string; plate: string; vehicleId: string };
  driver: { driverId: string | null };
  occurrence: {
    /** UTC, ISO 8601 with milliseconds */
    dateTime: string;
    description: string;
    injuries: 'unknown' | 'none' | 'yes';
    /** incident trigger (acceleration, speed_drop, crash_signal) or 'manual' */
    trigger: string;
  };
  location: {
    latitude: number | null;
    longitude: number | null;
    /** horizontal accuracy, m, when the receiver reports it */
    accuracyM: number | null;
    /** heading, degrees from north, when known */
    headingDeg: number | null;
    /** EN 15722 'position can be trusted': a fix within positionMaxAgeS of the occurrence */
    positionTrusted: boolean;
    fixDateTime: string | null;
    /** the two fixes before the position, newest first */
    previousFixes: FnolFix[];
  };
  /** trigger figures (automatic claims) */
  crash: {
    incidentId: string;
    peakG: number | null;
    deltaVKmh: number | null;
    speedBeforeKmh: number | null;
    speedAfterKmh: number | null;
    moving: boolean;
    accelSource: string;
    configVersion: string;
  } | null;
  evidence: { ref: string; sha256: string; files: number } | null;
}

/** What the insurer answered, as stored. */
export interface InsurerReply {
  httpStatus: number;
  /** the insurer's claim / protocol number */
  claimNumber: string | null;
  /** the insurer's time of receipt when given, else ours (ms) */
  receivedAt: number;
  body: string;
}

/** A claim as the appliance tracks it (claims.db). */
export interface ClaimRecord {
  fnolId: string;
  record: FnolRecord;
  state: ClaimState;
  /** delivery attempts so far */
  attempts: number;
  claimNumber: string | null;
  /** why dead / rejected, or the last retry's error */
  reason: string | null;
  reply: InsurerReply | null;
  /** insurer's later updates (callback) */
  settledAmountCents: number | null;
  closedDate: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Claim status message (node output 1, API): one per change. */
export interface ClaimStatus {
  kind: 'claim_status';
  fnolId: string;
  state: ClaimState;
  vehicle: string;
  driver: string | null;
  policyNumber: string;
  incidentId: string | null;
  claimNumber: string | null;
  attempts: number;
  reason: string | null;
  settledAmountCents: number | null;
  closedDate: string | null;
  /** ms since the epoch of the change (host clock: delivery is not data time) */
  at: number;
  test: boolean;
}

export interface FieldError {
  field: string;
  reason: string;
}

export class ClaimInputError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.reason}`).join('; '));
    this.name = 'ClaimInputError';
  }
}
