// The REST API's OpenAPI document (GET /api/v1/openapi.json) against the API as the host mounts it:
// its paths and methods are exactly the routes mounted (walking the Express routers, and driving every
// documented operation over HTTP), its security is what the middleware does, it is OpenAPI 3.0 (only
// 3.0 schema keywords, every $ref resolves, path parameters declared), real responses validate
// against its response schemas (ajv), and its FNOL and manual-report schemas accept exactly what the
// appliance's own validators accept (fast-check).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import bcrypt from 'bcryptjs';
import express from 'express';
import fc from 'fast-check';
import { ClaimsService, FNOL_SCHEMA, fnolFromIncident, fnolFromManual, parseManualReport, sign, SIGNATURE_HEADER, validateFnol, type ClaimStatus } from '../../edge/insurance/claims/index.js';
import { DEFAULT_QUOTE_CONFIG } from '../../edge/insurance/quote.js';
import type { PolicyRegister } from '../../edge/insurance/register.js';
import { DEFAULT_SCHEDULE } from '../../edge/insurance/schedule.js';
import { RenewalService } from '../../edge/insurance/service.js';
import type { Policy } from '../../edge/insurance/types.js';
import { AdminCredentials } from '../../edge/server/admin-credentials.js';
import { apiDocument } from '../../edge/server/api-document.js';
import { createInsurerCallbackRouter } from '../../edge/server/claims-api.js';
import { API_ROOT, createApiRouter, INSURER_CALLBACK_ROOT } from '../../edge/server/host.js';
import { basicAuth } from '../../edge/server/http-auth.js';
import { HTTP_METHODS, type JsonSchema, type OpenApiDocument, type OpenApiOperation, type OpenApiPathItem } from '../../edge/server/openapi.js';
import { makePki, TestInsurer } from '../support/test-insurer.js';
import { incident, register, tmpdir, until, VEHICLES, VIN1 } from '../claims/helpers.js';

const SECRET = 'openapi-test-secret-0123456789ab';
const USER = 'depot';
const PASSWORD = 'a long test password';
const AUTH = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const ROOT = path.resolve(__dirname, '../../..');

// ---- the document ---------------------------------------------------------------------------------

/** "METHOD /full/path" of every operation in the document (paths joined to their server). */
function documented(doc: OpenApiDocument): Map<string, { path: string; item: OpenApiPathItem; op: OpenApiOperation }> {
  const out = new Map<string, { path: string; item: OpenApiPathItem; op: OpenApiOperation }>();
  for (const [p, item] of Object.entries(doc.paths)) {
    const server = (item.servers ?? doc.servers)[0]!.url;
    for (const m of HTTP_METHODS) {
      const op = item[m];
      if (op) out.set(`${m.toUpperCase()} ${normalise(server + p)}`, { path: p, item, op });
    }
  }
  return out;
}

const normalise = (p: string): string => p.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');

/** Every schema object in the document, with a JSON-pointer-ish location. */
function schemasOf(doc: OpenApiDocument): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [];
  const visit = (where: string, s: unknown): void => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return void out.push([where, { 'not-an-object': s }]);
    const o = s as JsonSchema;
    out.push([where, o]);
    for (const k of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(o[k])) (o[k] as unknown[]).forEach((x, i) => visit(`${where}/${k}/${i}`, x));
    for (const k of ['not', 'items'] as const) if (o[k] !== undefined) visit(`${where}/${k}`, o[k]);
    if (typeof o.additionalProperties === 'object') visit(`${where}/additionalProperties`, o.additionalProperties);
    if (typeof o.properties === 'object' && o.properties !== null) for (const [k, v] of Object.entries(o.properties)) visit(`${where}/properties/${k}`, v);
  };
  for (const [n, s] of Object.entries(doc.components.schemas)) visit(`#/components/schemas/${n}`, s);
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of HTTP_METHODS) {
      const op = item[m];
      if (!op) continue;
      const at = `${m.toUpperCase()} ${p}`;
      for (const prm of op.parameters ?? []) visit(`${at} parameter ${prm.name}`, prm.schema);
      for (const [t, media] of Object.entries(op.requestBody?.content ?? {})) visit(`${at} body ${t}`, media.schema);
      for (const [st, r] of Object.entries(op.responses)) {
        for (const [t, media] of Object.entries(r.content ?? {})) visit(`${at} ${st} ${t}`, media.schema);
        for (const [h, hd] of Object.entries(r.headers ?? {})) visit(`${at} ${st} header ${h}`, hd.schema);
      }
    }
  }
  return out;
}

// the Schema Object's fields in OpenAPI 3.0.3
const SCHEMA_30 = new Set(['title', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'type', 'allOf', 'oneOf', 'anyOf', 'not', 'items', 'properties', 'additionalProperties', 'description', 'format', 'default', 'nullable', 'discriminator', 'readOnly', 'writeOnly', 'xml', 'externalDocs', 'example', 'deprecated', '$ref']);

// ---- validation with ajv --------------------------------------------------------------------------

const COMPONENT = 'https://ubi-edge.example/openapi/components/';

/** `#/components/schemas/Name/rest` -> `<COMPONENT>Name#/rest`, so each component is its own ajv schema. */
function rebase(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(rebase);
  if (typeof s !== 'object' || s === null) return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string') {
      const m = /^#\/components\/schemas\/([^/]+)(\/.*)?$/.exec(v);
      assert.ok(m, `$ref ${v}: only component refs are used`);
      out[k] = `${COMPONENT}${m[1]}${m[2] ? `#${m[2]}` : ''}`;
    } else out[k] = k === 'properties' || k === 'enum' || k === 'required' ? (k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, ps]) => [p, rebase(ps)])) : v) : rebase(v);
  }
  return out;
}

function ajvFor(doc: OpenApiDocument): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true });
  ajv.addKeyword('example'); // an OpenAPI annotation
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('date-time', { validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('binary', true);
  for (const [n, s] of Object.entries(doc.components.schemas)) ajv.addSchema(rebase(s) as object, COMPONENT + n);
  return ajv;
}

const errorsText = (v: ValidateFunction): string => JSON.stringify(v.errors?.slice(0, 5));

// ---- the app, mounted as edge/server/host.ts mounts it ----------------------------------------------

interface Reply {
  status: number;
  type: string;
  headers: Headers;
  text: string;
  json: unknown;
}

describe('OpenAPI document: every route, nothing else, and honest schemas', function () {
  this.timeout(60000);
  let reg: PolicyRegister;
  let insurer: TestInsurer;
  let svc: ClaimsService | null;
  let keep: ClaimsService;
  let server: http.Server;
  let app: express.Express;
  let base = '';
  let doc: OpenApiDocument;
  let ajv: Ajv;
  const claims = (): ClaimsService | null => svc;

  before(async () => {
    reg = register();
    const pki = makePki();
    insurer = new TestInsurer(pki, SECRET);
    await insurer.start();
    keep = svc = new ClaimsService({ dir: tmpdir('openapi'), register: reg, vehicles: VEHICLES, endpoint: { url: insurer.url, secret: SECRET, ca: pki.caCert, timeoutMs: 1000 }, retry: { baseMs: 20, maxMs: 100 }, fsync: 'interval' });
    await svc.start();
    const dataDir = tmpdir('openapi-admin');
    const creds = new AdminCredentials(dataDir, { UBI_ADMIN_USER: USER, UBI_ADMIN_PASSWORD_HASH: bcrypt.hashSync(PASSWORD, 4) });
    const renewals = new RenewalService(reg, DEFAULT_SCHEDULE, DEFAULT_QUOTE_CONFIG);
    app = express();
    app.use(INSURER_CALLBACK_ROOT, createInsurerCallbackRouter({ claims }));
    app.use(API_ROOT, basicAuth(creds, 'ubi-edge'), createApiRouter({ renewals, claims }));
    app.use((_req, res) => res.status(404).json({ error: 'not found' }));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const served = await call('GET', `${API_ROOT}/openapi.json`);
    assert.equal(served.status, 200, served.text);
    doc = served.json as OpenApiDocument;
    ajv = ajvFor(doc);
  });
  after(async () => {
    await keep?.close();
    reg.close();
    await new Promise<void>((r) => server.close(() => r()));
    await insurer.close();
  });

  async function call(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const auth = p.startsWith(API_ROOT) && !('authorization' in headers) ? { authorization: AUTH } : {};
    const res = await fetch(base + p, {
      method,
      headers: { ...auth, ...(body !== undefined && !('content-type' in headers) ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0]!.trim(), headers: res.headers, text, json };
  }

  /** The response is documented for that operation and status, and its body matches the documented schema. */
  function conforms(method: string, docPath: string, r: Reply): void {
    const item = doc.paths[docPath];
    assert.ok(item, `${docPath} is documented`);
    const op = item[method.toLowerCase() as (typeof HTTP_METHODS)[number]];
    assert.ok(op, `${method} ${docPath} is documented`);
    const resp = op.responses[String(r.status)];
    assert.ok(resp, `${method} ${docPath}: status ${r.status} is documented (${Object.keys(op.responses).join(', ')}); body ${r.text.slice(0, 200)}`);
    const content = resp.content;
    if (!content) return;
    const media = content[r.type] ?? content['*/*'];
    assert.ok(media, `${method} ${docPath} ${r.status}: content type ${r.type} is documented (${Object.keys(content).join(', ')})`);
    for (const [h, hd] of Object.entries(resp.headers ?? {})) if (hd.required !== false) assert.ok(r.headers.get(h) !== null, `${method} ${docPath} ${r.status}: header ${h}`);
    if (content[r.type] && r.type !== '*/*' && /json$/.test(r.type)) {
      const v = ajv.compile(rebase(media.schema) as object);
      assert.ok(v(r.json), `${method} ${docPath} ${r.status}: ${errorsText(v)}\n${r.text.slice(0, 400)}`);
    }
  }

  it('is the whole API: the renewal part, the claims part and the insurer callback, served at /api/v1/openapi.json behind Basic auth', async () => {
    assert.deepEqual(doc, JSON.parse(JSON.stringify(apiDocument(API_ROOT, INSURER_CALLBACK_ROOT))));
    assert.equal(doc.openapi, '3.0.3');
    assert.deepEqual(doc.servers, [{ url: API_ROOT }]);
    assert.equal((await call('GET', `${API_ROOT}/openapi.json`, undefined, { authorization: '' })).status, 401);
    // the host mounts the API as this test does (the routers come from the same functions)
    const host = fs.readFileSync(path.join(ROOT, 'edge/server/host.ts'), 'utf8');
    assert.match(host, /app\.use\(INSURER_CALLBACK_ROOT, createInsurerCallbackRouter\(\{ claims: activeClaimsService \}\)\);/);
    assert.match(host, /app\.use\(API_ROOT, basicAuth\(creds, 'ubi-edge'\), createApiRouter\(\{ renewals, claims: activeClaimsService \}\)\);/);
    assert.equal(host.match(/create\w+Router\(\{/g)?.length, 4, 'host.ts creates the callback, API, claims and insurance routers, and no other');
  });

  it("lists exactly the routes mounted: walking the Express routers' stacks, both ways", () => {
    interface LayerLike {
      route?: { path: unknown; methods: Record<string, boolean | undefined> };
      handle?: unknown;
      rawPath?: unknown;
    }
    const mounted = new Set<string>();
    const walk = (stack: readonly LayerLike[], prefix: string): void => {
      for (const l of stack) {
        if (l.route) {
          const paths = Array.isArray(l.route.path) ? (l.route.path as unknown[]) : [l.route.path];
          for (const p of paths) {
            assert.ok(typeof p === 'string' && /^[A-Za-z0-9_./:-]*$/.test(p), `route path ${String(p)}: plain paths and :params only`);
            for (const [m, on] of Object.entries(l.route.methods)) if (on) mounted.add(`${m === '_all' ? 'ALL' : m.toUpperCase()} ${normalise(prefix + p.replace(/:(\w+)/g, '{$1}'))}`);
          }
          continue;
        }
        const inner = typeof l.handle === 'function' ? (l.handle as { stack?: unknown }).stack : undefined;
        if (!Array.isArray(inner)) continue; // middleware (parsers, auth, error handlers, the 404s)
        assert.ok(typeof l.rawPath === 'string', `a router mounted at ${String(l.rawPath)}: plain mount paths only`);
        walk(inner as LayerLike[], prefix + (l.rawPath === '/' ? '' : l.rawPath));
      }
    };
    walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
    const listed = new Set(documented(doc).keys());
    const undocumented = [...mounted].filter((r) => !listed.has(r)).sort();
    const missing = [...listed].filter((r) => !mounted.has(r)).sort();
    assert.deepEqual(undocumented, [], 'mounted but not in the document');
    assert.deepEqual(missing, [], 'in the document but not mounted');
    for (const r of ['GET /api/v1/claims', 'POST /api/v1/claims', 'GET /api/v1/claims/{id}/evidence/{file}', 'POST /insurer/callback', 'GET /api/v1/policies']) assert.ok(mounted.has(r), r);
  });

  it('every documented operation is answered by its own route, not a catch-all 404 (driven over HTTP)', async () => {
    const catchAll = (r: Reply): boolean => r.status === 404 && typeof r.json === 'object' && r.json !== null && /no such endpoint$|^not found$/.test(String((r.json as { error?: unknown }).error));
    // the detector sees the catch-alls
    assert.ok(catchAll(await call('GET', `${API_ROOT}/claims/fnol-0000000000000000/nope`)));
    assert.ok(catchAll(await call('DELETE', `${API_ROOT}/claims`)));
    assert.ok(catchAll(await call('PUT', `${INSURER_CALLBACK_ROOT}`, '{}')));
    const values: Record<string, string> = { id: 'fnol-0000000000000000', file: 'frames.log', table: 'policies', number: 'P-NOPE' };
    for (const [key, { path: p, item }] of documented(doc)) {
      const [method] = key.split(' ') as [string];
      const url = normalise(((item.servers ?? doc.servers)[0]!.url + p).replace(/\{(\w+)\}/g, (_m, n: string) => values[n] ?? 'x'));
      const csv = p.startsWith('/import/');
      const r = await call(method, url, method === 'POST' ? (csv ? 'a\n' : '{}') : undefined, csv ? { 'content-type': 'text/csv' } : {});
      assert.ok(!catchAll(r), `${key} (${url}): ${r.status} ${r.text.slice(0, 120)}`);
      if (url.startsWith(`${API_ROOT}/`)) assert.notEqual(r.status, 401, `${key}: authenticated as documented`);
    }
  });

  it('security is what the middleware does: Basic on every /api/v1 operation, the UBI-Signature on the callback', async () => {
    assert.deepEqual(doc.components.securitySchemes.basic, { type: 'http', scheme: 'basic' });
    assert.deepEqual(doc.components.securitySchemes.ubiSignature && { ...doc.components.securitySchemes.ubiSignature, description: '' }, { type: 'apiKey', in: 'header', name: SIGNATURE_HEADER, description: '' });
    for (const [key, { op }] of documented(doc)) {
      const schemes = (op.security ?? doc.security).flatMap((s) => Object.keys(s));
      if (key.split(' ')[1]!.startsWith(`${API_ROOT}/`)) {
        assert.deepEqual(schemes, ['basic'], key);
        assert.ok(op.responses['401'] && op.responses['429'], `${key}: 401 and 429 documented`);
      } else {
        assert.deepEqual(schemes, ['ubiSignature'], key);
        const h = op.parameters?.find((x) => x.in === 'header' && x.name === SIGNATURE_HEADER);
        assert.ok(h?.required, `${key}: the ${SIGNATURE_HEADER} header parameter`);
        assert.match(h.description ?? '', /t=<unix seconds>,v1=<hex HMAC-SHA256\(shared secret, "<t>" \+ "\." \+ <raw body bytes>\)>/);
        assert.match(h.description ?? '', /300 s/);
      }
    }
    // the signed string is exactly what sign() computes
    const body = '{"fnolId":"fnol-x","status":"closed"}';
    const hdr = sign(SECRET, body, 1_700_000_000_000);
    const { createHmac } = await import('node:crypto');
    assert.equal(hdr, `t=1700000000,v1=${createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex')}`);
    // Basic: refused without credentials (a few requests: the lockout counts failures per address)
    for (const p of ['/claims', '/claims/schema.json', '/policies']) {
      const r = await call('GET', API_ROOT + p, undefined, { authorization: '' });
      assert.equal(r.status, 401, p);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
      conforms('GET', p, r);
    }
    // the callback: Basic does not stand in for the signature
    const r = await call('POST', INSURER_CALLBACK_ROOT, body, { authorization: AUTH });
    assert.equal(r.status, 401);
    assert.match(String((r.json as { error: string }).error), new RegExp(`^${SIGNATURE_HEADER}: missing`));
  });

  it('is OpenAPI 3.0: only 3.0 schema keywords, every $ref resolves, path parameters declared, every operation answers something documented', () => {
    const schemas = schemasOf(doc);
    assert.ok(schemas.length > 100);
    for (const [where, s] of schemas) {
      for (const k of Object.keys(s)) assert.ok(SCHEMA_30.has(k) || k.startsWith('x-'), `${where}: "${k}" is not an OpenAPI 3.0 schema keyword`);
      if (s.type !== undefined) assert.ok(typeof s.type === 'string' && ['string', 'number', 'integer', 'boolean', 'array', 'object'].includes(s.type), `${where}: type ${JSON.stringify(s.type)}`);
      if (s.nullable !== undefined) assert.ok(s.type !== undefined, `${where}: nullable without type`);
      if (s.nullable === true && Array.isArray(s.enum)) assert.ok(s.enum.includes(null), `${where}: a nullable enum lists null`);
      if (s.$ref !== undefined) {
        assert.deepEqual(Object.keys(s), ['$ref'], `${where}: $ref has no siblings in 3.0`);
        const target = String(s.$ref).slice(2).split('/').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
        assert.ok(target !== undefined, `${where}: ${String(s.$ref)} resolves`);
      }
    }
    for (const [key, { path: p, op }] of documented(doc)) {
      const inPath = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name).sort();
      assert.deepEqual(declared, inPath, `${key}: path parameters`);
      for (const x of op.parameters ?? []) if (x.in === 'path') assert.equal(x.required, true, `${key}: ${x.name} required`);
      assert.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${key}: a 2xx`);
      for (const [st, r] of Object.entries(op.responses)) {
        assert.match(st, /^[1-5]\d\d$/);
        assert.ok(r.description, `${key} ${st}: description`);
      }
      assert.ok(op.summary, `${key}: summary`);
    }
    // ajv compiles every component (strict mode: no unknown keyword, no bad pattern)
    for (const n of Object.keys(doc.components.schemas)) assert.ok(ajv.getSchema(COMPONENT + n), n);
  });

  it('real claims responses validate against the documented schemas', async () => {
    const C = `${API_ROOT}/claims`;
    let r = await call('GET', `${C}/schema.json`);
    conforms('GET', '/claims/schema.json', r);
    assert.deepEqual(r.json, FNOL_SCHEMA);

    // manual FNOL: 400 naming fields (bad fields; not JSON; no policy)
    r = await call('POST', C, { vin: 'NOT-A-VIN', occurredAt: '2024-01-10 10:00', latitude: 91, colour: 'red' });
    conforms('POST', '/claims', r);
    assert.deepEqual((r.json as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort(), ['colour', 'description', 'latitude', 'longitude', 'occurredAt', 'vin']);
    conforms('POST', '/claims', await call('POST', C, '{"vin": '));
    conforms('POST', '/claims', await call('POST', C, { vin: 'WVWZZZ1JZXW000001', occurredAt: '2024-01-10T10:00:00+01:00', description: 'scrape' }));
    conforms('POST', '/claims', await call('POST', C, JSON.stringify({ description: 'x'.repeat(70_000) })));

    // manual FNOL: 201, acknowledged, then the same report again 200
    const body = { plate: 'ab12-cde', occurredAt: '2024-01-10T10:00:00+01:00', description: 'Scrape on the nearside door', driverId: 'D7', latitude: 56.1, longitude: 10.2, test: true };
    r = await call('POST', C, body);
    assert.equal(r.status, 201, r.text);
    conforms('POST', '/claims', r);
    const manual = (r.json as ClaimStatus).fnolId;
    await until(() => svc!.get(manual)?.state === 'acknowledged', 5000, 'acknowledged');
    r = await call('POST', C, body);
    assert.equal(r.status, 200);
    conforms('POST', '/claims', r);

    // an automatic claim with evidence; a dead one (no policy for V9)
    const auto = await svc!.submitIncident(incident(11));
    await until(() => svc!.get(auto.fnolId)?.state === 'acknowledged', 5000, 'acknowledged');
    const dead = await svc!.submitIncident(incident(12, 'V9'));
    assert.equal(dead.state, 'dead');
    assert.equal(svc!.get(dead.fnolId)!.record.policy.policyNumber, 'UNKNOWN');

    // list, views
    r = await call('GET', C);
    conforms('GET', '/claims', r);
    assert.equal((r.json as { claims: unknown[] }).claims.length, 3);
    for (const q of ['?state=dead', '?state=acknowledged&limit=1', '?limit=5000', '?state=lost', '?limit=0', '?limit=5001']) {
      r = await call('GET', C + q);
      assert.equal(r.status, /lost|=0|5001/.test(q) ? 400 : 200, q);
      conforms('GET', '/claims', r);
    }
    for (const id of [manual, auto.fnolId, dead.fnolId, 'fnol-0000000000000000', 'not-a-claim']) conforms('GET', '/claims/{id}', await call('GET', `${C}/${id}`));

    // retry: 409 for a live claim, 200 (still dead: no policy yet) for a dead one, 404 unknown
    r = await call('POST', `${C}/${auto.fnolId}/retry`);
    assert.equal(r.status, 409);
    conforms('POST', '/claims/{id}/retry', r);
    r = await call('POST', `${C}/${dead.fnolId}/retry`);
    assert.equal(r.status, 200);
    assert.equal((r.json as ClaimStatus).state, 'dead');
    conforms('POST', '/claims/{id}/retry', r);
    conforms('POST', '/claims/{id}/retry', await call('POST', `${C}/fnol-0000000000000000/retry`));

    // evidence: report, files, 404s
    r = await call('GET', `${C}/${auto.fnolId}/evidence`);
    assert.equal((r.json as { verified: boolean }).verified, true);
    conforms('GET', '/claims/{id}/evidence', r);
    conforms('GET', '/claims/{id}/evidence', await call('GET', `${C}/${manual}/evidence`));
    for (const f of ['frames.log', 'incident.json', 'manifest.json', 'nope.txt']) conforms('GET', '/claims/{id}/evidence/{file}', await call('GET', `${C}/${auto.fnolId}/evidence/${f}`));
  });

  it('a bundle whose manifest is not JSON is reported as not verified (was: a 500)', async () => {
    const s = await svc!.submitIncident(incident(13));
    fs.writeFileSync(path.join(svc!.evidenceDir, s.fnolId, 'manifest.json'), '{ not json');
    const r = await call('GET', `${API_ROOT}/claims/${s.fnolId}/evidence`);
    assert.equal(r.status, 200, r.text);
    const j = r.json as { verified: boolean; manifest: unknown; problems: string[]; sha256: string };
    assert.equal(j.verified, false);
    assert.equal(j.manifest, null);
    assert.ok(j.problems.some((p) => /not JSON|hash/.test(p)), j.problems.join('; '));
    conforms('GET', '/claims/{id}/evidence', r);
  });

  it('a dead claim whose record is outside the FNOL schema stays dead on retry (was: queued and sent to the insurer)', async () => {
    const s = await svc!.submitIncident(incident(15, 'V1', { driver: 'd'.repeat(70) }));
    assert.equal(s.state, 'dead');
    assert.match(s.reason ?? '', /does not match the FNOL schema: driver\.driverId: at most 64/);
    const before = insurer.requests;
    const r = await call('POST', `${API_ROOT}/claims/${s.fnolId}/retry`);
    assert.equal(r.status, 200, r.text);
    conforms('POST', '/claims/{id}/retry', r);
    assert.equal((r.json as ClaimStatus).state, 'dead');
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(svc!.get(s.fnolId)!.state, 'dead');
    assert.equal(insurer.requests, before, 'nothing sent');
    conforms('GET', '/claims/{id}', await call('GET', `${API_ROOT}/claims/${s.fnolId}`));
  });

  it("the insurer callback's responses validate against the document", async () => {
    const s = await svc!.submitIncident(incident(14));
    await until(() => svc!.get(s.fnolId)?.state === 'acknowledged', 5000, 'acknowledged');
    const num = svc!.get(s.fnolId)!.claimNumber!;
    const post = (payload: unknown, signed = true): Promise<Reply> => {
      const b = typeof payload === 'string' ? payload : JSON.stringify(payload);
      return call('POST', INSURER_CALLBACK_ROOT, b, signed ? { [SIGNATURE_HEADER]: sign(SECRET, b, Date.now()) } : {});
    };
    const P = INSURER_CALLBACK_ROOT;
    const cases: Array<[unknown, boolean, number]> = [
      [{ fnolId: s.fnolId, status: 'closed' }, false, 401],
      ['[1, 2]', true, 400],
      [{ fnolId: s.fnolId, status: 'paid', settledAmountCents: -1 }, true, 400],
      [{ fnolId: 'fnol-0000000000000000', status: 'closed' }, true, 404],
      [{ fnolId: s.fnolId, status: 'closed', claimNumber: 'OTHER-1' }, true, 409],
      [{ fnolId: s.fnolId, status: 'closed', claimNumber: num, settledAmountCents: 123456, closedDate: '2024-02-01', reason: 'settled' }, true, 200],
    ];
    for (const [payload, signed, status] of cases) {
      const r = await post(payload, signed);
      assert.equal(r.status, status, r.text);
      conforms('POST', P, r);
    }
    assert.equal(svc!.get(s.fnolId)!.state, 'closed');
  });

  it('503 without a claims service, as documented', async () => {
    svc = null;
    try {
      for (const [m, docPath, url] of [['GET', '/claims', `${API_ROOT}/claims`], ['POST', '/claims', `${API_ROOT}/claims`], ['GET', '/claims/{id}', `${API_ROOT}/claims/fnol-0000000000000000`], ['POST', INSURER_CALLBACK_ROOT, INSURER_CALLBACK_ROOT]] as const) {
        const r = await call(m, url, m === 'POST' ? '{}' : undefined);
        assert.equal(r.status, 503, url);
        conforms(m, docPath, r);
      }
      conforms('GET', '/claims/schema.json', await call('GET', `${API_ROOT}/claims/schema.json`));
    } finally {
      svc = keep;
    }
  });

  it('a few renewal responses validate too', async () => {
    for (const [m, docPath, url, body] of [
      ['GET', '/policies', '/policies', undefined],
      ['GET', '/renewals/due', '/renewals/due?days=0', undefined],
      ['POST', '/quotes', '/quotes', { policy: 'x' }],
      ['POST', '/quotes', '/quotes', { policy_number: 'NOPE' }],
      ['GET', '/openapi.json', '/openapi.json', undefined],
      ['POST', '/import/{table}', '/import/policies', '{}'],
    ] as const) conforms(m, docPath, await call(m, API_ROOT + url, body));
  });

  it('FnolRecord (the published FNOL schema in OpenAPI 3.0 form) accepts exactly what the published schema accepts', () => {
    const v = ajv.getSchema(`${COMPONENT}FnolRecord`)!;
    const pol: Policy = reg.getPolicy('POL-1')!;
    const base = [
      fnolFromIncident(incident(1), pol, { ref: '/api/v1/claims/x/evidence', sha256: 'a'.repeat(64), files: 4 }),
      fnolFromIncident(incident(2, 'V1', { position: null, previousFixes: [] }), pol, null),
      fnolFromManual(parseManualReport({ vin: VIN1, occurredAt: '2024-01-10T10:00:00Z', description: 'x' }, Date.now()), pol),
    ];
    for (const b of base) assert.deepEqual([v(b), validateFnol(b)], [true, []], errorsText(v));
    const pool = [null, '', 'x', 'manual', 'none', 'calibrated', 'ubi-edge/fnol/1', 'FLEET_MOTOR', 'fnol-abcdef0123', VIN1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123Z', '2024-01-01 00:00', 'a'.repeat(70), 'a'.repeat(2001), 'f'.repeat(64), -1, 0, 0.5, 91, 181, 361, 1e7, true, false, [], {}, [{ latitude: 0, longitude: 0, dateTime: '2024-01-01T00:00:00Z' }], [{ latitude: 0, longitude: 0 }]];
    fc.assert(
      fc.property(fc.constantFrom(...base), fc.array(fc.tuple(fc.nat(), fc.constantFrom('set', 'delete', 'add'), fc.constantFrom(...pool)), { minLength: 1, maxLength: 3 }), (rec, edits) => {
        const r = structuredClone(rec) as unknown as Record<string, unknown>;
        for (const [pick, what, value] of edits) {
          const spots: Array<[Record<string, unknown>, string]> = [];
          const collect = (o: Record<string, unknown>): void => {
            for (const [k, x] of Object.entries(o)) {
              spots.push([o, k]);
              if (x && typeof x === 'object' && !Array.isArray(x)) collect(x as Record<string, unknown>);
            }
          };
          collect(r);
          const [o, k] = spots[pick % spots.length]!;
          if (what === 'set') o[k] = structuredClone(value);
          else if (what === 'delete') delete o[k];
          else o[`extra${k}`] = structuredClone(value);
        }
        const published = validateFnol(r);
        assert.equal(v(r), published.length === 0, `openapi: ${errorsText(v)}; published: ${JSON.stringify(published)}; ${JSON.stringify(r).slice(0, 300)}`);
      }),
      { numRuns: 600, seed: 20240110 },
    );
  });

  it('ManualFnolInput accepts exactly the bodies the manual FNOL validator accepts', () => {
    const v = ajv.getSchema(`${COMPONENT}ManualFnolInput`)!;
    const now = Date.parse('2025-01-01T00:00:00Z');
    // each field absent, good, at a boundary (either side), or junk of another type; weighted so that
    // a good share of the bodies are valid and every rule is crossed in both directions
    const ABSENT = Symbol('absent');
    const JUNK = [null, '', 0, true, 'x y', [], {}];
    const field = (absent: number, good: readonly unknown[], edge: readonly unknown[]): fc.Arbitrary<unknown> =>
      fc.oneof({ weight: absent, arbitrary: fc.constant(ABSENT) }, { weight: 12, arbitrary: fc.constantFrom(...good) }, { weight: 2, arbitrary: fc.constantFrom(...edge) }, { weight: 1, arbitrary: fc.constantFrom(...JUNK) });
    const lat = fc.constantFrom(56.1, -90, 90, 0);
    const lon = fc.constantFrom(10.2, -180, 180, 0);
    const position = fc.oneof(
      { weight: 6, arbitrary: fc.constant({}) },
      { weight: 6, arbitrary: fc.record({ latitude: lat, longitude: lon }) },
      { weight: 1, arbitrary: fc.oneof(fc.record({ latitude: lat }), fc.record({ longitude: lon }), fc.record({ latitude: lat, longitude: fc.constant(null) }), fc.record({ latitude: fc.constant(null), longitude: lon })) },
      { weight: 1, arbitrary: fc.record({ latitude: field(2, [56.1], [90.5, -90.01, '56.1']), longitude: field(2, [10.2], [180.5, -181, '10.2']) }) },
    );
    const body = fc
      .record({
        vin: field(3, [VIN1, VIN1.toLowerCase()], ['TESTVEH000000000I', 'TESTVEH00000000011', 'TESTVEH0000000O01']),
        plate: field(3, ['AB12 CDE', 'ab12-cde', 'A'.repeat(15)], ['-AB', ' AB', 'A'.repeat(16), 'AB_12']),
        vehicleId: field(10, ['V1', 'depot:v.1_a-b', 'a'.repeat(64)], ['a'.repeat(65), '_V', 'v/1']),
        occurredAt: field(1, ['2024-01-10T10:00:00+01:00', '2024-01-10T10:00Z', '2024-01-10T10:00:00.123456Z', '2024-02-30T10:00:00Z', '2024-04-31T23:59:59.999-23:59', '2024-01-10T24:00Z', '2024-01-10T24:00:00.000Z'], ['2024-01-10T10:00:00.1234567Z', '2024-01-10 10:00', '2024-01-10T10:00:00', '2024-13-01T10:00:00Z', '2024-00-10T10:00Z', '2024-01-00T10:00Z', '2024-01-32T10:00Z', '2024-01-10T24:01Z', '2024-01-10T10:60Z', '2024-01-10T10:00:60Z', '2024-01-10T10:00+24:00', '2024-01-10T10:00+23:60']),
        description: field(1, ['Scrape', ' dent ', 'd'.repeat(2000)], ['  ', '\n\t', 'd'.repeat(2001)]),
        driverId: field(10, ['D7', 'd.7_x-y', 'a'.repeat(64)], ['d:7', 'a'.repeat(65), '.d']),
        injuries: field(10, ['unknown', 'none', 'yes'], ['maybe', 'None']),
        test: field(10, [true, false], ['true', 1]),
        reference: field(10, ['REF-1', 'a/b:c', 'r.1_x'], ['ref 1', '/ref', 'r'.repeat(65)]),
      })
      .chain((o) => position.map((pos) => Object.fromEntries(Object.entries({ ...o, ...pos }).filter(([, x]) => x !== ABSENT))));
    const bodies = fc.oneof({ weight: 12, arbitrary: body }, { weight: 1, arbitrary: body.map((b) => ({ ...b, colour: 'red' })) }, { weight: 1, arbitrary: fc.constantFrom(null, [], 'x', 1) });
    let valid = 0;
    fc.assert(
      fc.property(bodies, (b) => {
        let parsed = true;
        let why = '';
        try {
          parseManualReport(b, now);
        } catch (e) {
          parsed = false;
          why = (e as Error).message;
        }
        assert.equal(v(b), parsed, `openapi: ${errorsText(v)}; parser: ${why || 'ok'}; ${JSON.stringify(b).slice(0, 300)}`);
        if (parsed) valid++;
      }),
      { numRuns: 3000, seed: 20240110 },
    );
    assert.ok(valid > 300, `${valid} of 3000 bodies valid: the generator should reach both sides`);
  });
});
