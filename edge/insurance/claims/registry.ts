// The claims service the REST API serves: the ubi-insurer config node opens one (it owns the
// endpoint's secrets, from Node-RED credentials) and registers it here; the host's routers look it up
// per request, so they can be mounted before the flows start and follow a redeploy.
import type { ClaimsService } from './service.js';

let active: ClaimsService | null = null;

export function setActiveClaimsService(s: ClaimsService | null): void {
  active = s;
}

/** Clears the registration only if it is still `s` (a redeploy may have registered the next one). */
export function clearActiveClaimsService(s: ClaimsService): void {
  if (active === s) active = null;
}

export function activeClaimsService(): ClaimsService | null {
  return active;
}
