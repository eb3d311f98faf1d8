// The OpenAPI 3.0 description of everything the host serves as its REST API: the renewal routes
// (insurance-api.ts) and the claims routes (claims-api.ts) under /api/v1 behind HTTP Basic, and the
// insurer's signed callback at /insurer/callback (no Basic: the UBI-Signature is its authentication).
// The host serves it at GET /api/v1/openapi.json; test/server/openapi-coverage.test.ts checks that its
// paths and methods are exactly the routes mounted, and validates real responses against it.
import { openApi as insuranceOpenApi } from './insurance-api.js';
import { claimsOpenApi } from './claims-api.js';
import { HTTP_METHODS, type OpenApiDocument, type OpenApiPathItem } from './openapi.js';

/**
 * The whole API: `base` is where the /api/v1 router is mounted (the request's baseUrl), `callbackRoot`
 * where the host mounts the insurer callback (at the root of the host, not under `base`).
 */
export function apiDocument(base: string, callbackRoot: string): OpenApiDocument {
  const doc = insuranceOpenApi(base);
  const claims = claimsOpenApi(callbackRoot);
  const out: OpenApiDocument = {
    ...doc,
    info: {
      title: 'ubi-edge REST API',
      version: doc.info.version,
      description: `${doc.info.description ?? ''}\n\nClaims (first notice of loss): manual reports, claim status, evidence bundles, and the insurer's signed status callback. Every route under ${base} needs HTTP Basic with the admin account (401 without it, 429 after 10 failed logins from one address in a minute; the whole host answers 503 until an admin account is set up). The insurer callback at ${callbackRoot} is not under ${base} and not behind Basic: it is authenticated by its UBI-Signature header.`,
    },
    tags: [
      { name: 'renewals', description: 'policy register, renewals, quotes, outcomes, KPIs' },
      { name: 'claims', description: 'first notice of loss, claim status, evidence bundles' },
      { name: 'insurer', description: "the insurer's calls to the appliance" },
    ],
    components: {
      securitySchemes: { ...doc.components.securitySchemes, ...claims.securitySchemes },
      schemas: { ...doc.components.schemas, ...claims.schemas },
    },
    paths: {},
  };
  for (const [p, item] of Object.entries(doc.paths)) out.paths[p] = tagged(item, 'renewals');
  for (const [p, item] of Object.entries(claims.paths)) {
    if (out.paths[p]) throw new Error(`apiDocument: ${p} is described twice`);
    out.paths[p] = item;
  }
  // Basic auth sits in front of the whole /api/v1 router (host.ts): every operation that uses it can
  // answer 401 and 429 whatever its own handler does.
  for (const item of Object.values(out.paths)) {
    for (const m of HTTP_METHODS) {
      const op = item[m];
      if (!op || (op.security ?? out.security).every((s) => !('basic' in s))) continue;
      op.responses['401'] ??= { description: 'no or wrong credentials (WWW-Authenticate: Basic)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
      op.responses['429'] ??= { description: 'too many failed logins from this address (Retry-After)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
  }
  return out;
}

function tagged(item: OpenApiPathItem, tag: string): OpenApiPathItem {
  const out: OpenApiPathItem = { ...item };
  for (const m of HTTP_METHODS) {
    const op = item[m];
    if (op) out[m] = { ...op, tags: op.tags ?? [tag], responses: { ...op.responses } };
  }
  return out;
}
