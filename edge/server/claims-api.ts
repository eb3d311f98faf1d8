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
import { SIGNATURE_HEADER } from '../insurance/claims/signature.js';
import { ClaimInputError, CLAIM_STATES, type ClaimRecord, type ClaimState } from '../insurance/claims/types.js';

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
    const limit = lim === undefined ? 500 : typeof lim === 'string' && /^\d{1,4}$/.test(lim) && Number(lim) >= 1 ? Number(lim) : NaN;
    if (Number.isNaN(limit)) throw new HttpError(400, 'limit: a whole number 1..5000', [{ field: 'limit', reason: 'a whole number 1..5000' }]);
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
    res.json({ sha256: check.sha256, verified: check.ok, problems: check.problems, manifest: JSON.parse(m.data.toString('utf8')) as unknown });
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
