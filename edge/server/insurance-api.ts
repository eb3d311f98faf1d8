// REST API of the renewal flow: policies, CSV import/export, renewals due, quotes, referrals,
// outcomes, KPIs, and an OpenAPI 3 description at GET /openapi.json (its own routes', or the one the
// host hands in: the whole API's, edge/server/api-document.ts). Mounted by the host under
// /api/v1 behind authentication:
//   app.use('/api/v1', requireAccount(creds, dataDir), basicAuth(creds, 'ubi-edge'), createInsuranceRouter({ service }));
// Every body and query is validated; errors are JSON { error, errors?: [{field, reason, line?}] }.
import express, { type NextFunction, type Request, type Response } from 'express';
import { addDays, dayNumber, isIsoDate } from '../insurance/dates.js';
import { computeKpis } from '../insurance/kpi.js';
import { dueWithin } from '../insurance/schedule.js';
import type { RenewalService } from '../insurance/service.js';
import { describeColumns, TABLES, type TableName } from '../insurance/tables.js';
import { ValidationError, type RowError } from '../insurance/types.js';
import type { JsonSchema, OpenApiDocument, OpenApiParameter, OpenApiResponse } from './openapi.js';

export interface InsuranceApiDeps {
  service: RenewalService;
  /** clock for "today" (depot calendar); default Date.now */
  now?: () => number;
  /** largest CSV upload, bytes (default 5 MB) */
  maxCsvBytes?: number;
  /**
   * The document served at GET /openapi.json, given where the router is mounted. Default: this
   * router's routes only (openApi below); the host serves the whole API's (api-document.ts).
   */
  openApi?: (base: string) => OpenApiDocument;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: RowError[],
  ) {
    super(message);
  }
}

const bad = (field: string, reason: string): HttpError => new HttpError(400, `${field}: ${reason}`, [{ field, reason }]);

function queryDate(req: Request, name: string, fallback: string): string {
  const v = req.query[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !isIsoDate(v)) throw bad(name, `"${String(v).slice(0, 40)}" is not an ISO date YYYY-MM-DD`);
  return v;
}
function queryInt(req: Request, name: string, fallback: number, min: number, max: number): number {
  const v = req.query[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw bad(name, `must be a whole number ${min}..${max}`);
  return n;
}
function table(req: Request): TableName {
  const t = req.params.table;
  if (typeof t !== 'string' || !Object.hasOwn(TABLES, t)) throw new HttpError(404, `table: "${String(t)}" is not one of ${Object.keys(TABLES).join(', ')}`);
  return t as TableName;
}
function objectBody(req: Request): Record<string, unknown> {
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw new HttpError(400, 'body: a JSON object is required (Content-Type: application/json)');
  return req.body as Record<string, unknown>;
}

export function createInsuranceRouter(deps: InsuranceApiDeps): express.Router {
  const { service } = deps;
  const reg = service.register;
  const now = deps.now ?? Date.now;
  const today = (): string => service.today(now());
  const r = express.Router();
  r.use(express.json({ limit: '256kb' }));
  r.use(express.text({ type: ['text/csv', 'text/plain'], limit: deps.maxCsvBytes ?? 5 * 1024 * 1024 }));

  const document = deps.openApi ?? openApi;
  r.get('/openapi.json', (req, res) => {
    res.json(document(req.baseUrl || '/'));
  });

  r.get('/policies', (req, res) => {
    const vin = req.query.vin;
    const depot = req.query.depot;
    if (vin !== undefined && typeof vin !== 'string') throw bad('vin', 'one value');
    if (depot !== undefined && typeof depot !== 'string') throw bad('depot', 'one value');
    res.json({ policies: reg.listPolicies({ ...(vin ? { vin } : {}), ...(depot ? { depot } : {}) }) });
  });
  r.get('/policies/:number', (req, res) => {
    const p = reg.getPolicy(String(req.params.number));
    if (!p) throw new HttpError(404, `policy_number: "${String(req.params.number)}" is not in the register`);
    const decision = reg.decisions().find((d) => d.policyNumber === p.policyNumber) ?? null;
    res.json({ policy: p, outcome: reg.getOutcome(p.policyNumber), reminders: reg.reminders(p.policyNumber), decision: decision?.value ?? null, daysToExpiry: service.daysToExpiry(p, now()) });
  });
  r.post('/policies', (req, res) => {
    res.status(201).json({ policy: reg.put('policies', objectBody(req)) });
  });
  r.post('/schemes', (req, res) => {
    res.status(201).json({ scheme: reg.put('schemes', objectBody(req)) });
  });
  r.get('/schemes', (_req, res) => {
    res.json({ schemes: reg.listSchemes() });
  });
  r.post('/outcomes', (req, res) => {
    res.status(201).json({ outcome: reg.put('outcomes', objectBody(req)) });
  });
  r.get('/outcomes', (_req, res) => {
    res.json({ outcomes: reg.listOutcomes() });
  });

  r.post('/import/:table', (req, res) => {
    const t = table(req);
    if (typeof req.body !== 'string') throw new HttpError(415, 'body: send the CSV file with Content-Type: text/csv');
    const result = reg.importCsv(t, req.body);
    res.status(result.imported === 0 && result.errors.length > 0 ? 422 : 200).json(result);
  });
  r.get('/export/:table', (req, res) => {
    const t = table(req);
    res.type('text/csv').set('Content-Disposition', `attachment; filename="${t}.csv"`).send(reg.exportCsv(t));
  });
  r.get('/columns/:table', (req, res) => {
    res.json({ columns: describeColumns(TABLES[table(req)] as never) });
  });

  r.get('/renewals/due', (req, res) => {
    const from = queryDate(req, 'date', today());
    const days = queryInt(req, 'days', 7, 1, 366);
    res.json({ from, to: addDays(from, days), due: dueWithin(reg, service.schedule, from, days) });
  });

  r.post('/quotes', (req, res) => {
    const b = objectBody(req);
    for (const k of Object.keys(b)) if (k !== 'policy_number' && k !== 'as_of') throw bad(k, 'unknown field (expected: policy_number, as_of)');
    if (typeof b.policy_number !== 'string' || b.policy_number === '') throw bad('policy_number', 'required');
    if (b.as_of !== undefined && (typeof b.as_of !== 'string' || !isIsoDate(b.as_of))) throw bad('as_of', 'an ISO date YYYY-MM-DD');
    const q = service.quote(b.policy_number, (b.as_of as string | undefined) ?? today(), now());
    if (!q) throw new HttpError(404, `policy_number: "${b.policy_number}" is not in the register`);
    res.json(q);
  });
  r.get('/quotes', (_req, res) => {
    res.json({ quotes: reg.decisions('quote').map((d) => d.value) });
  });
  r.get('/referrals', (_req, res) => {
    res.json({ referrals: reg.decisions('referral').map((d) => d.value) });
  });

  r.get('/kpis', (req, res) => {
    const t = today();
    const from = queryDate(req, 'from', `${t.slice(0, 4)}-01-01`);
    const to = queryDate(req, 'to', `${Number(t.slice(0, 4)) + 1}-01-01`);
    const asOf = queryDate(req, 'asOf', t);
    if (dayNumber(to)! <= dayNumber(from)!) throw bad('to', `must be after from (${from})`);
    res.json(computeKpis(reg, { from, to, asOf, timeZone: service.schedule.timeZone }));
  });

  r.use((req, _res, next) => next(new HttpError(404, `${req.method} ${req.path}: no such endpoint`)));
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ValidationError) return void res.status(400).json({ error: err.message, errors: err.errors });
    if (err instanceof HttpError) return void res.status(err.status).json({ error: err.message, ...(err.errors ? { errors: err.errors } : {}) });
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') return void res.status(400).json({ error: 'body: not valid JSON' });
    if (e?.type === 'entity.too.large') return void res.status(413).json({ error: 'body: too large' });
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return void res.status(e.status).json({ error: e.message ?? 'bad request' });
    res.status(500).json({ error: 'internal error' });
  });
  return r;
}

const errorSchema = { $ref: '#/components/schemas/Error' };
const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const errors: Record<string, OpenApiResponse> = { '400': { description: 'invalid input; `errors` names each field', ...json(errorSchema) }, '401': { description: 'authentication required', ...json(errorSchema) } };

function columnsSchema(t: TableName): JsonSchema {
  const cols = describeColumns(TABLES[t] as never);
  return { type: 'object', additionalProperties: false, required: cols.filter((c) => c.required).map((c) => c.name), properties: Object.fromEntries(cols.map((c) => [c.name, { type: 'string', description: c.doc }])) };
}

/** The OpenAPI 3.0 description of this router; `base` is where it is mounted. */
export function openApi(base: string): OpenApiDocument {
  const date = { type: 'string', format: 'date' };
  const tableParam: OpenApiParameter = { name: 'table', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(TABLES) } };
  return {
    openapi: '3.0.3',
    info: { title: 'ubi-edge insurance API', version: '1', description: 'Policy register, renewal reminders, UBI renewal quotes, underwriting referrals, outcomes and KPIs. Money in the register is in integer cents (`...Cents`); CSV and JSON input take currency units with up to 2 decimals.' },
    servers: [{ url: base }],
    security: [{ basic: [] }],
    components: {
      securitySchemes: { basic: { type: 'http', scheme: 'basic' } },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, line: { type: 'integer' }, reason: { type: 'string' } } } } } },
        PolicyInput: columnsSchema('policies'),
        SchemeInput: columnsSchema('schemes'),
        OutcomeInput: columnsSchema('outcomes'),
        ImportResult: { type: 'object', properties: { table: { type: 'string' }, rows: { type: 'integer' }, imported: { type: 'integer' }, errors: { type: 'array', items: { $ref: '#/components/schemas/Error/properties/errors/items' } } } },
      },
    },
    paths: {
      '/policies': {
        get: { summary: 'List policies', parameters: [{ name: 'vin', in: 'query', schema: { type: 'string' } }, { name: 'depot', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: 'policies' }, ...errors } },
        post: { summary: 'Add or replace a policy', requestBody: { required: true, ...json({ $ref: '#/components/schemas/PolicyInput' }) }, responses: { '201': { description: 'stored' }, ...errors } },
      },
      '/policies/{number}': { get: { summary: 'One policy with its outcome, reminders and latest quote/referral', parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'policy' }, '404': { description: 'unknown', ...json(errorSchema) } } } },
      '/schemes': { get: { summary: 'List schemes', responses: { '200': { description: 'schemes' } } }, post: { summary: 'Add or replace a scheme', requestBody: { required: true, ...json({ $ref: '#/components/schemas/SchemeInput' }) }, responses: { '201': { description: 'stored' }, ...errors } } },
      '/outcomes': { get: { summary: 'List renewal outcomes', responses: { '200': { description: 'outcomes' } } }, post: { summary: 'Record a renewal outcome (stops reminders; reason required when lapsed)', requestBody: { required: true, ...json({ $ref: '#/components/schemas/OutcomeInput' }) }, responses: { '201': { description: 'stored' }, ...errors } } },
      '/import/{table}': { post: { summary: 'Import a CSV file; bad rows are reported by line and field, good rows stored', parameters: [tableParam], requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } }, responses: { '200': { description: 'result', ...json({ $ref: '#/components/schemas/ImportResult' }) }, '422': { description: 'nothing imported', ...json({ $ref: '#/components/schemas/ImportResult' }) }, '415': { description: 'not text/csv' } } } },
      '/export/{table}': { get: { summary: 'Export a table as CSV', parameters: [tableParam], responses: { '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } } } } },
      '/columns/{table}': { get: { summary: 'CSV columns of a table, with their meaning', parameters: [tableParam], responses: { '200': { description: 'columns' } } } },
      '/renewals/due': { get: { summary: 'Reminders falling due (not yet sent) in the next days', parameters: [{ name: 'date', in: 'query', schema: date }, { name: 'days', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 366, default: 7 } }], responses: { '200': { description: 'due' }, ...errors } } },
      '/quotes': {
        get: { summary: 'Latest automatic quotes', responses: { '200': { description: 'quotes' } } },
        post: { summary: 'Price a renewal now (quote, or referral when an underwriting rule fires)', requestBody: { required: true, ...json({ type: 'object', additionalProperties: false, required: ['policy_number'], properties: { policy_number: { type: 'string' }, as_of: date } }) }, responses: { '200': { description: 'quote or referral' }, ...errors, '404': { description: 'unknown policy', ...json(errorSchema) } } },
      },
      '/referrals': { get: { summary: 'Policies referred to an underwriter, with the reasons', responses: { '200': { description: 'referrals' } } } },
      '/kpis': { get: { summary: 'Renewal, premium and claims KPIs for [from, to) as of a day, with the year-earlier comparison and a monthly trend', parameters: [{ name: 'from', in: 'query', schema: date }, { name: 'to', in: 'query', schema: date }, { name: 'asOf', in: 'query', schema: date }], responses: { '200': { description: 'KPI report' }, ...errors } } },
      // behind the same Basic auth as the rest of /api/v1
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3', ...json({ type: 'object', required: ['openapi', 'paths'], properties: { openapi: { type: 'string' }, paths: { type: 'object' } } }) }, '401': errors['401']! } } },
    },
  };
}
