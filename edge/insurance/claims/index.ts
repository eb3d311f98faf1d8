export * from './types.js';
export { FNOL_SCHEMA, validateFnol, validateAgainst } from './schema.js';
export { fnolIdOf, fnolFromIncident, fnolFromManual, parseManualReport, policyFor, type FnolOptions, type ManualReport } from './fnol.js';
export { sign, verify, SIGNATURE_HEADER } from './signature.js';
export { writeEvidence, verifyEvidence, evidenceFile, sha256, type EvidenceManifest, type EvidenceVersions } from './evidence.js';
export { postFnol, endpointProblem, type InsurerEndpoint, type SendResult } from './delivery.js';
export { ClaimStore } from './state.js';
export { ClaimsService, CLAIMS_STREAM, type ClaimsServiceOptions, type RetryPolicy } from './service.js';
export { claimPoint, isClaimStatus } from './points.js';
