// REST bodies and queries: the insurance and claims routers mounted on a bare express app the way
// the host mounts them (one /api/v1 router: insurance, then claims; the insurer callback; a JSON 404),
// fed JSON bodies with known and unknown fields of every type, CSV uploads, junk bodies with any
// content type, and queries with odd and repeated parameters. Holds when: no request gets a 5xx or
// hangs; every refusal is JSON with an `error`; every 400/422 names where (errors[] with field or
// line, or an error text that starts with `<field>: `); the claims endpoints answer (never the
// insurance router's "no such endpoint").
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import { ClaimsService } from '../../../edge/insurance/claims/index.js';
import { DEFAULT_QUOTE_CONFIG } from '../../../edge/insurance/quote.js';
import type { PolicyRegister } from '../../../edge/insurance/register.js';
import { DEFAULT_SCHEDULE } from '../../../edge/insurance/schedule.js';
import { RenewalService } from '../../../edge/insurance/service.js';
import { header, TABLES, type TableName } from '../../../edge/insurance/tables.js';
import { createClaimsRouter, createInsurerCallbackRouter } from '../../../edge/server/claims-api.js';
import { createInsuranceRouter } from '../../../edge/server/insurance-api.js';
import { register, tmpdir, VEHICLES, VIN1 } from '../../claims/helpers.js';
import { anyValue, HANG_MS, target, timedAsync } from '../harness.js';

/** The routers as edge/server/host.ts mounts them (without the auth in front). */
export function appLikeHost(service: RenewalService, claims: () => ClaimsService | null): express.Express {
  const app = express();
  app.use('/insurer/callback', createInsurerCallbackRouter({ claims }));
  const api = express.Router();
  api.use(createClaimsRouter({ claims }));
  api.use(createInsuranceRouter({ service, now: () => Date.parse('2024-03-01T09:00:00Z') }));
  app.use('/api/v1', api);
  app.use((_req, res) => res.status(404).json({ error: 'not found' }));
  return app;
}

interface Req {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  type?: string;
}

const enc = encodeURIComponent;
const str = (vals: readonly string[]): fc.Arbitrary<string> => fc.oneof(fc.constantFrom(...vals), fc.string({ maxLength: 10 }));

const CLAIM_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  vin: fc.oneof(fc.constantFrom(VIN1, 'TESTVEH0000000002', 'NOT-A-VIN', 'WVWZZZ1JZXW000001'), anyValue),
  plate: fc.oneof(fc.constantFrom('AB12 CDE', 'ab12-cde', 'XY34 ZZZ'), anyValue),
  occurredAt: fc.oneof(fc.constantFrom('2024-01-10T10:00:00+01:00', '2024-01-10T10:00:00Z', '2099-01-01T00:00:00Z', '2024-01-10 10:00', '2024-02-30T10:00:00Z'), anyValue),
  description: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('x'.repeat(5000)), anyValue),
  latitude: fc.oneof(fc.double({ min: -100, max: 100 }), anyValue),
  longitude: fc.oneof(fc.double({ min: -200, max: 200 }), anyValue),
  driverId: anyValue,
  injuries: fc.oneof(fc.boolean(), anyValue),
  reference: anyValue,
  test: fc.oneof(fc.boolean(), anyValue),
};

/** an object with a random subset of `fields` (values from their generators) and maybe an unknown key */
function objectOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), anyValue), { freq: 5 })).map(([o, extra]) => (extra ? { ...o, [extra[0]]: extra[1] } : o));
}

function columnsOf(t: TableName): Record<string, fc.Arbitrary<unknown>> {
  return Object.fromEntries(header(TABLES[t]).map((c) => [c, fc.oneof({ weight: 3, arbitrary: str(['P-1001', 'P-9001', 'ACME-STAFF', '2024-04-01', '2025-04-01', '1200.00', 'email', 'a@b.example', 'WF0XXXTTGXKA00009', 'AB1', 'yes', 'lapsed', 'price']) }, { weight: 2, arbitrary: anyValue })]));
}

const jsonBody = (o: fc.Arbitrary<unknown>): fc.Arbitrary<Pick<Req, 'body' | 'type'>> => o.map((v) => ({ body: JSON.stringify(v) ?? 'null', type: 'application/json' }));
const junkBody: fc.Arbitrary<Pick<Req, 'body' | 'type'>> = fc.record({
  body: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('{"vin": ', '[]', 'null', '"x"', '1', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {}}}', 'a,b\n1,2', '')),
  type: fc.constantFrom('application/json', 'text/csv', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=latin1', ''),
});

const postArb: fc.Arbitrary<Req> = fc.oneof(
  ...(['policies', 'schemes', 'outcomes'] as const).map((t) => fc.tuple(fc.oneof({ weight: 3, arbitrary: jsonBody(objectOf(columnsOf(t))) }, { weight: 1, arbitrary: jsonBody(anyValue) }, { weight: 1, arbitrary: junkBody })).map(([b]) => ({ method: 'POST' as const, path: `/api/v1/${t}`, ...b }))),
  fc.tuple(fc.oneof(jsonBody(objectOf({ policy_number: str(['P-1001', 'P-1002', '']), as_of: str(['2024-03-01', '2024-02-30']) })), junkBody)).map(([b]) => ({ method: 'POST' as const, path: '/api/v1/quotes', ...b })),
  fc.tuple(fc.oneof({ weight: 4, arbitrary: jsonBody(objectOf(CLAIM_FIELDS)) }, { weight: 1, arbitrary: junkBody })).map(([b]) => ({ method: 'POST' as const, path: '/api/v1/claims', ...b })),
  fc.tuple(fc.constantFrom('policies', 'schemes', 'outcomes', 'claims', 'nothing'), fc.string({ maxLength: 200 }), fc.constantFrom('text/csv', 'text/plain', 'application/json')).map(([t, body, type]) => ({ method: 'POST' as const, path: `/api/v1/import/${t}`, body: `${header(TABLES[(t in TABLES ? t : 'schemes') as TableName]).join(',')}\n${body}`, type })),
  fc.tuple(fc.string({ maxLength: 20 }), junkBody).map(([id, b]) => ({ method: 'POST' as const, path: `/api/v1/claims/${enc(id)}/retry`, ...b })),
  junkBody.map((b) => ({ method: 'POST' as const, path: '/insurer/callback', ...b })),
);

const q = (name: string, vals: readonly string[]): fc.Arbitrary<string> => fc.option(str(vals).map((v) => `${name}=${enc(v)}`), { nil: '' });
const getArb: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(q('date', ['2024-03-01', '2024-02-30', '']), q('days', ['7', '0', '367', '1.5', '-1'])).map((p) => `/api/v1/renewals/due?${p.join('&')}`),
  fc.tuple(q('from', ['2024-01-01', 'x']), q('to', ['2023-01-01', '2025-01-01']), q('asOf', ['2024-06-01', '2024-13-01'])).map((p) => `/api/v1/kpis?${p.join('&')}`),
  fc.tuple(q('state', ['pending', 'dead', 'x']), q('limit', ['1', '0', '5000', '99999', 'a']), fc.constantFrom('', '&state=a&state=b', '&limit[x]=1')).map(([a, b, c]) => `/api/v1/claims?${a}&${b}${c}`),
  fc.tuple(q('vin', [VIN1, '']), fc.constantFrom('', '&vin=a&vin=b', '&depot[a]=b')).map(([a, b]) => `/api/v1/policies?${a}${b}`),
  fc.string({ maxLength: 30 }).map((s) => `/api/v1/policies/${enc(s)}`),
  fc.tuple(fc.oneof(fc.string({ maxLength: 30 }), fc.constant('fnol-0123456789abcdef')), fc.constantFrom('', '/evidence', '/evidence/manifest.json', '/evidence/..%2F..%2Fetc%2Fpasswd')).map(([s, tail]) => `/api/v1/claims/${enc(s)}${tail}`),
  fc.constantFrom('policies', 'schemes', 'x', '__proto__', 'constructor', 'toString').chain((t) => fc.constantFrom(`/api/v1/columns/${t}`, `/api/v1/export/${t}`)),
  fc.constantFrom('/api/v1/openapi.json', '/api/v1/claims/schema.json', '/api/v1/quotes', '/api/v1/nope'),
).map((path) => ({ method: 'GET' as const, path }));

interface Ctx {
  base: string;
  server: http.Server;
  svc: ClaimsService;
  reg: PolicyRegister;
}

async function send(base: string, r: Req): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(base + r.path, {
    method: r.method,
    ...(r.body !== undefined ? { body: r.body, headers: r.type ? { 'content-type': r.type } : {} } : {}),
    signal: AbortSignal.timeout(HANG_MS),
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

export const apiTarget = target<Ctx>({
  name: 'api',
  what: 'REST bodies and queries -> insurance + claims routers on express (mounted as the host does)',
  setup: async () => {
    const reg = register();
    const service = new RenewalService(reg, { ...DEFAULT_SCHEDULE, timeZone: 'Europe/London' }, DEFAULT_QUOTE_CONFIG);
    const svc = new ClaimsService({ dir: tmpdir('fuzz'), register: reg, vehicles: VEHICLES, endpoint: null, fsync: 'interval' });
    await svc.start();
    const server = http.createServer(appLikeHost(service, () => svc));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, svc, reg };
  },
  teardown: async (c) => {
    await new Promise<void>((r) => c.server.close(() => r()));
    await c.svc.close();
    c.reg.close();
  },
  property: (c) =>
    fc.asyncProperty(fc.oneof(postArb, getArb), async (r) => {
      const res = await timedAsync(`${r.method} ${r.path}`, () => send(c.base, r));
      const what = `${r.method} ${r.path} ${r.type ?? ''} ${JSON.stringify(r.body)?.slice(0, 200)} -> ${res.status} ${res.text.slice(0, 300)}`;
      // 503 is documented: the insurer callback and the claims API without an insurer configured
      if (res.status >= 500 && res.status !== 503) throw new Error(`server error: ${what}`);
      if (res.status < 400) return true;
      let j: { error?: unknown; errors?: unknown };
      try {
        j = JSON.parse(res.text) as typeof j;
      } catch {
        throw new Error(`refusal is not JSON: ${what}`);
      }
      // an import refused as a whole (422) is the import result: errors[] by line, no `error` text
      const importResult = res.status === 422 && Array.isArray(j.errors);
      if (!importResult && (typeof j.error !== 'string' || j.error === '')) throw new Error(`refusal without an error text: ${what}`);
      if (typeof j.error === 'string' && /^(GET \/claims|POST \/claims|GET \/claims\/schema\.json): no such endpoint/.test(j.error)) throw new Error(`claims endpoint unreachable: ${what}`);
      if (res.status === 400 || res.status === 422) {
        const listed = Array.isArray(j.errors) && j.errors.length > 0 && (j.errors as Array<{ field?: unknown; line?: unknown }>).every((e) => (typeof e.field === 'string' && (e.field !== '' || /unknown field/.test(String((e as { reason?: unknown }).reason)))) || typeof e.line === 'number');
        if (!listed && !/^[A-Za-z_][\w.[\]]*: /.test(String(j.error))) throw new Error(`400 does not name where: ${what}`);
      }
      return true;
    }),
});
