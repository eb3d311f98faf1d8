// REST API of the claims flow (FNOL), two routers:
//
//   createClaimsRouter        the depot's API, mounted by the host under /api/v1 behind Basic auth:
//     GET  /claims                      list (?state=pending|sent|acknowledged|rejected|dead|closed, ?limit=)
//     POST /claims                      manual FNOL (validated; 400 naming the fields); 201 new, 200 same report again
//     GET  /claims/schema.json          the FNOL record's JSON Schema
//     GET  /claims/:id                  one claim: record, state, the insurer's reply
//     POST /claims/:id/retry            a dead claim filed again (after the cause was fixed)
//     GET  /claims/:id/evidence         the evidence manifest and its verification
//     GET  /claims/:id/evidence/:file   one file of the bundle
//
//   claimsOpenApi             the OpenAPI 3.0 description of both (merged into the API's document by
//                             api-document.ts, served at GET /api/v1/openapi.json)
//
//   createInsurerCallbackRouter  the insurer's status updates, mounted by the host at
//     /insurer/callback, NOT behind the admin account: every request is authenticated by its
//     UBI-Signature (HMAC-SHA256 with the shared secret over timestamp + raw body), checked before
//     the body is parsed. POST / { fnolId, status: acknowledged|rejected|closed, claimNumber?,
//     settledAmountCents?, closedDate?, reason? }
//
//   app.use('/api/v1', basicAuth(creds, 'ubi-edge'), createClaimsRouter({ claims: activeClaimsService }));
//   app.use('/insurer/callback', createInsurerCallbackRouter({ claims: activeClaimsService }));
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ClaimsService } from '../insurance/claims/service.js';
import { FNOL_SCHEMA } from '../insurance/claims/schema.js';
import { evidenceFile, verifyEvidence } from '../insurance/claims/evidence.js';
import { MANUAL_STRINGS } from '../insurance/claims/fnol.js';
import { SIGNATURE_HEADER } from '../insurance/claims/signature.js';
import { ClaimInputError, CLAIM_STATES, FNOL_SCHEMA_ID, type ClaimRecord, type ClaimState } from '../insurance/claims/types.js';
import { toOpenApi30, type JsonSchema, type OpenApiOperation, type OpenApiParameter, type OpenApiPathItem, type OpenApiResponse } from './openapi.js';

export interface ClaimsApiDeps {
  /** the claims service, looked up per request (null: 503, the flow has no insurer configured) */
  claims: () => ClaimsService | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<{ field: string; reason: string }>,
  ) {
    super(message);
  }
}

const ID = /^fnol-[a-z0-9-]{8,58}$/;
const MAX_LIST = 5000;

function service(deps: ClaimsApiDeps): ClaimsService {
  const s = deps.claims();
  if (!s) throw new HttpError(503, 'claims: no insurer endpoint is configured (add a ubi-insurer config node to the flow)');
  return s;
}

function claimOf(s: ClaimsService, req: Request): ClaimRecord {
  const id = String(req.params.id);
  if (!ID.test(id)) throw new HttpError(404, `id: "${id.slice(0, 80)}" is not a claim id`);
  const c = s.get(id);
  if (!c) throw new HttpError(404, `id: "${id}" is not a claim of this gateway`);
  return c;
}

function view(c: ClaimRecord): Record<string, unknown> {
  return { fnolId: c.fnolId, state: c.state, attempts: c.attempts, claimNumber: c.claimNumber, reason: c.reason, reply: c.reply, settledAmountCents: c.settledAmountCents, closedDate: c.closedDate, createdAt: new Date(c.createdAt).toISOString(), updatedAt: new Date(c.updatedAt).toISOString(), record: c.record };
}

function errors(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ClaimInputError) return void res.status(400).json({ error: err.message, errors: err.errors });
  if (err instanceof HttpError) return void res.status(err.status).json({ error: err.message, ...(err.errors ? { errors: err.errors } : {}) });
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed') return void res.status(400).json({ error: 'body: not valid JSON', errors: [{ field: 'body', reason: 'not valid JSON' }] });
  if (e?.type === 'entity.too.large') return void res.status(413).json({ error: 'body: too large' });
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return void res.status(e.status).json({ error: e.message ?? 'bad request' });
  res.status(500).json({ error: 'internal error' });
}

export function createClaimsRouter(deps: ClaimsApiDeps): express.Router {
  const r = express.Router();
  r.use('/claims', express.json({ limit: '64kb' }));

  r.get('/claims/schema.json', (_req, res) => {
    res.type('application/schema+json').send(JSON.stringify(FNOL_SCHEMA, null, 2));
  });

  r.get('/claims', (req, res) => {
    const s = service(deps);
    const st = req.query.state;
    if (st !== undefined && (typeof st !== 'string' || !(CLAIM_STATES as readonly string[]).includes(st))) throw new HttpError(400, `state: must be one of ${CLAIM_STATES.join(', ')}`, [{ field: 'state', reason: `one of ${CLAIM_STATES.join(', ')}` }]);
    const lim = req.query.limit;
    const limit = lim === undefined ? 500 : typeof lim === 'string' && /^\d{1,4}$/.test(lim) && Number(lim) >= 1 && Number(lim) <= MAX_LIST ? Number(lim) : NaN;
    if (Number.isNaN(limit)) throw new HttpError(400, `limit: a whole number 1..${MAX_LIST}`, [{ field: 'limit', reason: `a whole number 1..${MAX_LIST}` }]);
    res.json({ counts: s.counts(), claims: s.store.list({ ...(st ? { state: st as ClaimState } : {}), limit }).map(view) });
  });

  r.post('/claims', async (req, res) => {
    const s = service(deps);
    const { status, created } = await s.submitManual(req.body);
    res.status(created ? 201 : 200).location(`${req.baseUrl}/claims/${status.fnolId}`).json(status);
  });

  r.get('/claims/:id', (req, res) => {
    res.json(view(claimOf(service(deps), req)));
  });

  r.post('/claims/:id/retry', async (req, res) => {
    const s = service(deps);
    const c = claimOf(s, req);
    if (c.state !== 'dead') throw new HttpError(409, `state: the claim is ${c.state}, only a dead claim is filed again`);
    res.json(await s.retry(c.fnolId));
  });

  r.get('/claims/:id/evidence', (req, res) => {
    const s = service(deps);
    const c = claimOf(s, req);
    if (!c.record.evidence) throw new HttpError(404, 'evidence: this claim has no evidence bundle (manual reports have none)');
    const dir = path.join(s.evidenceDir, c.fnolId);
    const m = evidenceFile(dir, 'manifest.json');
    if (!m) throw new HttpError(404, 'evidence: the bundle is missing on this gateway');
    const check = verifyEvidence(dir, c.record.evidence.sha256);
    // a manifest that is not JSON is a verification problem to report (was: a 500)
    let manifest: unknown = null;
    try {
      manifest = JSON.parse(m.data.toString('utf8')) as unknown;
    } catch {
      /* verifyEvidence names it */
    }
    res.json({ sha256: check.sha256, verified: check.ok, problems: check.problems, manifest });
  });

  r.get('/claims/:id/evidence/:file', (req, res) => {
    const s = service(deps);
    const c = claimOf(s, req);
    const f = evidenceFile(path.join(s.evidenceDir, c.fnolId), String(req.params.file));
    if (!f) throw new HttpError(404, `file: "${String(req.params.file).slice(0, 80)}" is not in the bundle`);
    res.type(f.mediaType).set('Content-Disposition', `attachment; filename="${c.fnolId}-${String(req.params.file)}"`).send(f.data);
  });

  r.use('/claims', errors);
  return r;
}

export function createInsurerCallbackRouter(deps: ClaimsApiDeps): express.Router {
  const r = express.Router();
  // the signature is over the raw bytes: keep them (any content type)
  r.post('/', express.raw({ type: () => true, limit: '64kb' }), (req, res) => {
    const s = deps.claims();
    if (!s) return void res.status(503).json({ error: 'claims: no insurer endpoint is configured' });
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const out = s.callback(raw, req.get(SIGNATURE_HEADER));
    res.status(out.status).json(out.body);
  });
  r.use(errors);
  return r;
}

// ---- OpenAPI 3.0 description --------------------------------------------------------------------

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema): { content: Record<string, { schema: JsonSchema }> } => ({ content: { 'application/json': { schema } } });
/** an error answer: JSON { error, errors?: [{ field, reason }] } (components.schemas.Error, from the renewal API's part) */
const fail = (description: string): OpenApiResponse => ({ description, ...json(ref('Error')) });
const nullableString = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', nullable: true, ...extra, description });
const strict = (properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema => ({ type: 'object', required: Object.keys(properties), additionalProperties: false, properties, ...extra });
/** `{ type: object, required: [k], properties: { k: schema } }`: "k is present and matches schema" */
const has = (k: string, schema: JsonSchema): JsonSchema => ({ type: 'object', required: [k], properties: { [k]: schema } });

// ISO_OFFSET (fnol.ts) narrowed to what Date.parse then accepts: months 01-12, days 01-31 in any month,
// 24:00 as the end of the day, offsets up to ±23:59 (the property test holds them equal)
const OCCURRED_AT = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T(([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,6})?)?|24:00(:00(\\.0{1,6})?)?)(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$';

const NO_SERVICE = fail('no insurer endpoint is configured (no ubi-insurer config node in the deployed flows)');
const TOO_LARGE = fail('body larger than 64 kB');

function claimsSchemas(): Record<string, JsonSchema> {
  const claimNumber = nullableString("the insurer's claim number, once it gave one");
  const settled = { type: 'integer', minimum: 0, nullable: true, description: "settled amount, integer cents (insurer's callback)" };
  const closedDate = nullableString("the insurer's closing date (callback)", { pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
  const optional = (k: keyof typeof MANUAL_STRINGS): JsonSchema => nullableString(`${MANUAL_STRINGS[k].what}; null or "" is the same as leaving it out`, { pattern: `^(?:${MANUAL_STRINGS[k].re.source.replace(/^\^|\$$/g, '')})?$` });
  const coordinate = (lim: number, what: string): JsonSchema => ({ type: 'number', nullable: true, minimum: -lim, maximum: lim, description: `WGS 84 degrees ${what}; give both latitude and longitude, or neither` });
  return {
    FnolRecord: { ...toOpenApi30(FNOL_SCHEMA), description: `${String(FNOL_SCHEMA.description)} The published JSON Schema (2020-12) is ${FNOL_SCHEMA_ID}, served at GET /claims/schema.json; this is the same schema in OpenAPI 3.0 form.` },
    ManualFnolInput: {
      type: 'object',
      description: 'A manual first notice of loss. The vehicle is named by vin or plate (one is required) and must have a policy in force on the day of occurredAt, else 400 naming vin or plate. Every bad field is named in the 400 answer. The same report again (vehicle, time, and reference or description) is the same claim.',
      required: ['occurredAt', 'description'],
      additionalProperties: false,
      properties: {
        vin: optional('vin'),
        plate: optional('plate'),
        vehicleId: optional('vehicleId'),
        occurredAt: { type: 'string', pattern: OCCURRED_AT, description: 'when it happened: ISO 8601 date-time with an offset (Z or +hh:mm), seconds optional, e.g. 2025-03-01T08:30:00+01:00; not more than 5 minutes in the future' },
        latitude: coordinate(90, 'north'),
        longitude: coordinate(180, 'east'),
        description: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S', description: 'what happened (stored trimmed); not blank' },
        driverId: optional('driverId'),
        injuries: { type: 'string', nullable: true, enum: ['unknown', 'none', 'yes', null], default: 'unknown' },
        test: { type: 'boolean', nullable: true, description: 'a test claim, not a real loss (default: the ubi-insurer node setting)' },
        reference: optional('reference'),
      },
      allOf: [
        { description: 'vin or plate', anyOf: [has('vin', { type: 'string', minLength: 1 }), has('plate', { type: 'string', minLength: 1 })] },
        { description: 'latitude and longitude together', anyOf: [{ allOf: [has('latitude', { type: 'number' }), has('longitude', { type: 'number' })] }, { not: { anyOf: [has('latitude', { type: 'number' }), has('longitude', { type: 'number' })] } }] },
      ],
    },
    ClaimState: { type: 'string', enum: [...CLAIM_STATES], description: 'pending (queued) → sent → acknowledged (claim number) → closed; rejected by the insurer; dead: not deliverable (4xx, no policy in force, record not valid), reason says why; POST /claims/{id}/retry files it again' },
    ClaimStatus: strict(
      {
        kind: { type: 'string', enum: ['claim_status'] },
        fnolId: { type: 'string', pattern: ID.source },
        state: ref('ClaimState'),
        vehicle: { type: 'string', description: "the gateway's vehicle id" },
        driver: nullableString('driver id'),
        policyNumber: { type: 'string', description: '"UNKNOWN" while no policy was in force (a dead claim)' },
        incidentId: nullableString('the incident (automatic claims)'),
        claimNumber,
        attempts: { type: 'integer', minimum: 0, description: 'delivery attempts' },
        reason: nullableString('why dead or rejected, or the last failed attempt'),
        settledAmountCents: settled,
        closedDate,
        at: { type: 'integer', description: 'ms since the epoch of the change' },
        test: { type: 'boolean' },
      },
      { description: 'A claim status (also the ubi-claim node output).' },
    ),
    ClaimView: strict(
      {
        fnolId: { type: 'string', pattern: ID.source },
        state: ref('ClaimState'),
        attempts: { type: 'integer', minimum: 0 },
        claimNumber,
        reason: nullableString('why dead or rejected, or the last failed attempt'),
        reply: {
          ...strict({
            httpStatus: { type: 'integer' },
            claimNumber: nullableString("the claim number in the insurer's answer"),
            receivedAt: { type: 'integer', description: "the insurer's time of receipt when it gave one, else ours; ms since the epoch" },
            body: { type: 'string', maxLength: 16384, description: "the insurer's answer (first 16 KiB)" },
          }),
          nullable: true,
          description: "the insurer's answer to the delivery",
        },
        settledAmountCents: settled,
        closedDate,
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
        record: { type: 'object', description: 'the FNOL record as filed: a FnolRecord, except in a dead claim whose reason is that it is not one (no policy in force: policyNumber "UNKNOWN", empty vin and plate; or a field outside the schema)' },
      },
      { description: 'One claim: its record, state and the insurer\'s answer.', anyOf: [{ type: 'object', properties: { state: { type: 'string', enum: ['dead'] } } }, { type: 'object', properties: { record: ref('FnolRecord') } }] },
    ),
    ClaimList: strict({
      counts: { type: 'object', additionalProperties: { type: 'integer', minimum: 1 }, description: 'claims per state (states without claims are left out)' },
      claims: { type: 'array', items: ref('ClaimView'), description: 'newest first' },
    }),
    EvidenceManifest: strict(
      {
        bundle: { type: 'string', enum: ['ubi-edge/evidence/1'] },
        fnolId: { type: 'string' },
        incidentId: { type: 'string' },
        frames: strict({ fromUs: { type: 'integer' }, toUs: { type: 'integer' }, count: { type: 'integer', minimum: 0 } }, { description: 'raw CAN frames window [fromUs, toUs), µs since the epoch, and the number of frames' }),
        files: { type: 'array', items: strict({ name: { type: 'string' }, bytes: { type: 'integer', minimum: 0 }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, mediaType: { type: 'string' } }) },
      },
      { description: 'manifest.json of an evidence bundle: every file with its size and SHA-256. The bundle hash (FnolRecord.evidence.sha256) is the SHA-256 of its bytes.' },
    ),
    EvidenceReport: strict(
      {
        sha256: nullableString('SHA-256 of manifest.json as stored', { pattern: '^[0-9a-f]{64}$' }),
        verified: { type: 'boolean', description: "every file matches the manifest and the manifest matches the record's hash" },
        problems: { type: 'array', items: { type: 'string' } },
        manifest: { type: 'object', nullable: true, description: 'manifest.json as stored (an EvidenceManifest when verified; null when it is not JSON)' },
      },
      { anyOf: [{ type: 'object', properties: { verified: { type: 'boolean', enum: [false] } } }, { type: 'object', properties: { manifest: ref('EvidenceManifest') } }] },
    ),
    InsurerCallback: {
      type: 'object',
      description: "The insurer's status update. Fields other than these are ignored.",
      required: ['fnolId', 'status'],
      properties: {
        fnolId: { type: 'string', minLength: 1 },
        status: { type: 'string', enum: ['acknowledged', 'rejected', 'closed'] },
        claimNumber: nullableString('required with status acknowledged; must equal the number the claim already has, if any (else 409)', { minLength: 1, maxLength: 64 }),
        settledAmountCents: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, nullable: true },
        closedDate: nullableString('YYYY-MM-DD', { pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
        reason: nullableString('stored up to 500 characters'),
      },
      anyOf: [{ type: 'object', properties: { status: { type: 'string', enum: ['rejected', 'closed'] } } }, has('claimNumber', { type: 'string', minLength: 1 })],
    },
    CallbackResult: strict({ fnolId: { type: 'string' }, state: ref('ClaimState'), claimNumber: nullableString("the insurer's claim number") }),
  };
}

/**
 * The claims routes' part of the API document: paths relative to the /api/v1 mount, plus the insurer
 * callback at `callbackRoot` (at the root of the host: a path-level server '/').
 */
export function claimsOpenApi(callbackRoot: string): { paths: Record<string, OpenApiPathItem>; schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> } {
  const id: OpenApiParameter = { name: 'id', in: 'path', required: true, description: 'the claim\'s fnolId (other forms: 404)', schema: { type: 'string', pattern: ID.source } };
  const claimsOp = (o: Omit<OpenApiOperation, 'tags'>): OpenApiOperation => ({ tags: ['claims'], ...o, responses: { ...o.responses, '503': NO_SERVICE } });
  const signature = `${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(shared secret, "<t>" + "." + <raw body bytes>)>. The HMAC is over the exact bytes of the body as sent, before any JSON parsing; t more than 300 s from the appliance's clock is refused (replay); several v1= entries may be sent (any one matching the current or a previous secret is accepted); other key=value entries are ignored. A missing, forged or stale signature is refused with 401 before the body is looked at. The same scheme signs the appliance's requests to the insurer (edge/insurance/claims/DESIGN.md).`;
  return {
    schemas: claimsSchemas(),
    securitySchemes: {
      ubiSignature: { type: 'apiKey', in: 'header', name: SIGNATURE_HEADER, description: `Not a static key: an HMAC-SHA256 signature of each request with the secret shared with the insurer (ubi-insurer config node); the format is under the ${SIGNATURE_HEADER} header parameter of POST ${callbackRoot}.` },
    },
    paths: {
      '/claims': {
        get: claimsOp({
          summary: 'List claims, newest first, with counts per state',
          parameters: [
            { name: 'state', in: 'query', description: 'only claims in this state', schema: ref('ClaimState') },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_LIST, default: 500 } },
          ],
          responses: { '200': { description: 'claims', ...json(ref('ClaimList')) }, '400': fail('bad state or limit; `errors` names the parameter') },
        }),
        post: claimsOp({
          summary: 'File a manual first notice of loss',
          description: 'Validated field by field, then filed through the same durable queue as automatic claims.',
          requestBody: { required: true, ...json(ref('ManualFnolInput')) },
          responses: {
            '201': { description: 'a new claim, queued for delivery', headers: { Location: { description: 'the claim: <base>/claims/<fnolId>', schema: { type: 'string' } } }, ...json(ref('ClaimStatus')) },
            '200': { description: 'the same report again: the existing claim', headers: { Location: { description: 'the claim: <base>/claims/<fnolId>', schema: { type: 'string' } } }, ...json(ref('ClaimStatus')) },
            '400': fail('invalid report (or not JSON, or no policy in force for the vehicle then); `errors` names every bad field'),
            '413': TOO_LARGE,
          },
        }),
      },
      '/claims/schema.json': {
        get: { tags: ['claims'], summary: "The FNOL record's JSON Schema (2020-12), as published in schemas/fnol.schema.json", responses: { '200': { description: 'JSON Schema', content: { 'application/schema+json': { schema: { type: 'object', required: ['$schema', '$id'], properties: { $schema: { type: 'string' }, $id: { type: 'string' } } } } } } } },
      },
      '/claims/{id}': {
        get: claimsOp({ summary: "One claim: its FNOL record, state and the insurer's answer", parameters: [id], responses: { '200': { description: 'the claim', ...json(ref('ClaimView')) }, '404': fail('not a claim of this gateway') } }),
      },
      '/claims/{id}/retry': {
        post: claimsOp({
          summary: 'File a dead claim again (once its cause is fixed, e.g. the policy is in the register)',
          description: 'A claim that was dead for want of a policy is rebuilt with the policy now in force; while there is still none it stays dead (200, reason unchanged).',
          parameters: [id],
          responses: { '200': { description: 'the claim status after the retry', ...json(ref('ClaimStatus')) }, '404': fail('not a claim of this gateway'), '409': fail('the claim is not dead') },
        }),
      },
      '/claims/{id}/evidence': {
        get: claimsOp({ summary: "The claim's evidence bundle: manifest and its verification", parameters: [id], responses: { '200': { description: 'manifest and verification', ...json(ref('EvidenceReport')) }, '404': fail('not a claim of this gateway, or it has no evidence bundle (manual reports have none), or the bundle is missing') } }),
      },
      '/claims/{id}/evidence/{file}': {
        get: claimsOp({
          summary: 'One file of the evidence bundle (a name from the manifest, or manifest.json)',
          parameters: [id, { name: 'file', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }, description: 'e.g. frames.log, recording.json, incident.json, versions.json, manifest.json' }],
          responses: {
            '200': { description: "the file's bytes, with the media type the manifest gives (attachment)", headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename="<fnolId>-<file>"' } }, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
            '404': fail('not a claim of this gateway, or no such file in its bundle'),
          },
        }),
      },
      [callbackRoot]: {
        servers: [{ url: '/', description: 'the appliance itself: the callback is not under /api/v1 and not behind Basic auth' }],
        post: {
          tags: ['insurer'],
          summary: "The insurer's claim status update (acknowledged, rejected, closed), signed with the shared secret",
          description: `Authenticated by the ${SIGNATURE_HEADER} header (HMAC-SHA256 of the timestamp and the raw body with the shared secret; see the header parameter), not by Basic auth.`,
          security: [{ ubiSignature: [] }],
          parameters: [{ name: SIGNATURE_HEADER, in: 'header', required: true, description: signature, schema: { type: 'string', example: 't=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd' } }],
          requestBody: { required: true, description: 'JSON; the signature covers these exact bytes (any Content-Type is read as raw bytes)', ...json(ref('InsurerCallback')) },
          responses: {
            '200': { description: 'applied', ...json(ref('CallbackResult')) },
            '400': fail('not a JSON object, or bad fields; `errors` names each'),
            '401': fail(`${SIGNATURE_HEADER} missing, forged or stale (checked before the body)`),
            '404': fail('fnolId is not a claim of this gateway'),
            '409': fail('claimNumber differs from the one the claim has'),
            '413': TOO_LARGE,
            '503': fail('no insurer endpoint is configured'),
          },
        },
      },
    },
  };
}
