// The register's CSV/JSON shapes: one column list per table, each column with its parser, so a
// CSV row and a JSON request body are validated by the same code and errors name the field.
import { dayNumber, isIsoDate, parseInstant } from './dates.js';
import { formatCents, parseCents, parsePercentBp } from './money.js';
import { CHANNELS, CLAIM_STATUSES, LAPSE_REASONS, OUTCOMES, type ClaimEntry, type Outcome, type Policy, type RowError, type Scheme } from './types.js';

type Parsed<V> = { ok: true; v: V } | { ok: false; reason: string };
interface Column<V> {
  name: string;
  required: boolean;
  /** value used for an empty optional cell */
  empty: V;
  parse(raw: string): Parsed<V>;
  format(v: V): string;
  doc: string;
}

const ok = <V>(v: V): Parsed<V> => ({ ok: true, v });
const bad = <V>(reason: string): Parsed<V> => ({ ok: false, reason });

function text(name: string, required: boolean, doc: string, max = 200): Column<string> {
  return { name, required, empty: '', doc, parse: (raw) => { const r = raw.replace(/\r\n?/g, '\n'); return r.length > max ? bad(`longer than ${max} characters`) : /[\u0000-\u0008\u000b-\u001f\u007f]/.test(r) ? bad('holds control characters') : ok(r); }, format: (v) => v };
}
function id(name: string, required: boolean, doc: string): Column<string> {
  return { name, required, empty: '', doc, parse: (r) => (/^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$/.test(r) ? ok(r) : bad(`"${r.slice(0, 40)}" is not an id (letters, digits, _ . / -; up to 64)`)), format: (v) => v };
}
function date(name: string, required: boolean, doc: string): Column<string> {
  return { name, required, empty: '', doc, parse: (r) => (isIsoDate(r) ? ok(r) : bad(`"${r.slice(0, 40)}" is not an ISO date YYYY-MM-DD`)), format: (v) => v };
}
function instant(name: string, required: boolean, doc: string): Column<number | null> {
  return {
    name,
    required,
    empty: null,
    doc,
    parse: (r) => {
      const ms = parseInstant(r);
      return ms === null ? bad(`"${r.slice(0, 40)}" is not an ISO date-time with an offset (2025-03-01T08:30:00+01:00 or ...Z)`) : ok(ms);
    },
    format: (v) => (v === null ? '' : new Date(v).toISOString()),
  };
}
function money(name: string, required: boolean, doc: string): Column<number> {
  return { name, required, empty: 0, doc, parse: (r) => { const c = parseCents(r); return c === null ? bad(`"${r.slice(0, 40)}" is not an amount (digits, optional . and up to 2 decimals, no sign or currency)`) : ok(c); }, format: formatCents };
}
function bool(name: string, doc: string): Column<boolean> {
  return {
    name,
    required: false,
    empty: false,
    doc,
    parse: (r) => { const l = r.toLowerCase(); return ['yes', 'y', 'true', '1'].includes(l) ? ok(true) : ['no', 'n', 'false', '0'].includes(l) ? ok(false) : bad(`"${r.slice(0, 20)}" is not yes/no`); },
    format: (v) => (v ? 'yes' : 'no'),
  };
}
function oneOf<T extends string>(name: string, required: boolean, values: readonly T[], doc: string): Column<T | null> {
  return { name, required, empty: null, doc, parse: (r) => ((values as readonly string[]).includes(r.toLowerCase()) ? ok(r.toLowerCase() as T) : bad(`"${r.slice(0, 30)}" is not one of ${values.join(', ')}`)), format: (v) => v ?? '' };
}

/** ISO 3779: 17 characters, digits and capitals except I, O, Q. */
export function vinProblem(v: string): string | null {
  return /^[A-HJ-NPR-Z0-9]{17}$/.test(v) ? null : `"${v.slice(0, 30)}" is not a VIN (17 characters, A-Z without I, O, Q, and 0-9)`;
}
const vinCol: Column<string> = { name: 'vin', required: true, empty: '', doc: 'vehicle identification number (ISO 3779: 17 characters, no I/O/Q); upper-cased', parse: (r) => { const v = r.toUpperCase(); const p = vinProblem(v); return p ? bad(p) : ok(v); }, format: (v) => v };
const plateCol: Column<string> = { name: 'plate', required: true, empty: '', doc: 'registration plate as printed; matched ignoring case, spaces and hyphens', parse: (r) => (/^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$/.test(r) ? ok(r.toUpperCase()) : bad(`"${r.slice(0, 30)}" is not a plate (letters, digits, spaces, hyphens; up to 15)`)), format: (v) => v };
const driversCol: Column<string[]> = {
  name: 'drivers',
  required: false,
  empty: [],
  doc: 'driver ids separated by ";" (the ids the scoring uses)',
  parse: (r) => {
    const ds = r.split(';').map((s) => s.trim()).filter((s) => s !== '');
    const badOne = ds.find((d) => !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(d));
    return badOne !== undefined ? bad(`"${badOne.slice(0, 30)}" is not a driver id`) : ok(ds);
  },
  format: (v) => v.join(';'),
};

export const normalisePlate = (p: string): string => p.toUpperCase().replace(/[\s-]/g, '');

export interface TableSpec<T> {
  name: string;
  key: string;
  columns: ReadonlyArray<Column<unknown>>;
  build(v: Record<string, unknown>): T;
  row(t: T): Record<string, unknown>;
  /** checks across fields of one row */
  check(t: T): RowError[];
}

function cols(...c: Column<never>[]): ReadonlyArray<Column<unknown>> {
  return c as unknown as ReadonlyArray<Column<unknown>>;
}

export const SCHEMES: TableSpec<Scheme> = {
  name: 'schemes',
  key: 'scheme_id',
  columns: cols(
    id('scheme_id', true, 'scheme id') as Column<never>,
    text('name', true, 'scheme name') as Column<never>,
    text('holder', true, 'the employer or association that markets the scheme') as Column<never>,
    { ...({ name: 'discount_pct', required: true, empty: 0, doc: 'scheme discount in percent, 0-100, up to 2 decimals (12.5)', parse: (r: string) => { const b = parsePercentBp(r); return b === null ? bad<number>(`"${r.slice(0, 20)}" is not a percentage 0-100 with up to 2 decimals`) : ok(b); }, format: (b: number) => `${Math.floor(b / 100)}${b % 100 ? '.' + String(b % 100).padStart(2, '0').replace(/0$/, '') : ''}` } as Column<number>) } as Column<never>,
    bool('payroll_deduction', 'premiums paid by payroll deduction (yes/no)') as Column<never>,
  ),
  build: (v) => ({ schemeId: v.scheme_id as string, name: v.name as string, holder: v.holder as string, discountBp: v.discount_pct as number, payrollDeduction: v.payroll_deduction as boolean }),
  row: (s) => ({ scheme_id: s.schemeId, name: s.name, holder: s.holder, discount_pct: s.discountBp, payroll_deduction: s.payrollDeduction }),
  check: () => [],
};

export const POLICIES: TableSpec<Policy> = {
  name: 'policies',
  key: 'policy_number',
  columns: cols(
    id('policy_number', true, 'policy number (unique)') as Column<never>,
    id('scheme_id', false, 'the scheme the policy belongs to (must be in the register); empty: individual policy') as Column<never>,
    text('holder', true, 'policy holder') as Column<never>,
    vinCol as Column<never>,
    plateCol as Column<never>,
    driversCol as Column<never>,
    date('start_date', true, 'inception date, YYYY-MM-DD (cover from 00:00 depot time)') as Column<never>,
    date('end_date', true, 'expiry date, YYYY-MM-DD, after start_date (cover ends at 00:00 that day; a renewal starts that day)') as Column<never>,
    money('premium', true, 'annual premium charged for the term, currency units with up to 2 decimals (1234.50)') as Column<never>,
    oneOf('channel', true, CHANNELS, 'how reminders reach the holder: email, sms, phone, post') as Column<never>,
    text('contact', true, 'e-mail address, phone number or postal address for the channel') as Column<never>,
    text('depot', false, 'depot name', 64) as Column<never>,
    text('vehicle_class', false, 'vehicle class (car, van, truck ...)', 64) as Column<never>,
    text('use', false, 'use (goods, passengers, service ...)', 64) as Column<never>,
    bool('new_vehicle', 'the vehicle was new when the policy started (yes/no)') as Column<never>,
  ),
  build: (v) => ({
    policyNumber: v.policy_number as string,
    schemeId: (v.scheme_id as string) === '' ? null : (v.scheme_id as string),
    holder: v.holder as string,
    vin: v.vin as string,
    plate: v.plate as string,
    drivers: v.drivers as string[],
    startDate: v.start_date as string,
    endDate: v.end_date as string,
    premiumCents: v.premium as number,
    channel: v.channel as Policy['channel'],
    contact: v.contact as string,
    depot: v.depot as string,
    vehicleClass: v.vehicle_class as string,
    use: v.use as string,
    newVehicle: v.new_vehicle as boolean,
  }),
  row: (p) => ({ policy_number: p.policyNumber, scheme_id: p.schemeId ?? '', holder: p.holder, vin: p.vin, plate: p.plate, drivers: p.drivers, start_date: p.startDate, end_date: p.endDate, premium: p.premiumCents, channel: p.channel, contact: p.contact, depot: p.depot, vehicle_class: p.vehicleClass, use: p.use, new_vehicle: p.newVehicle }),
  check: (p) => {
    const e: RowError[] = [];
    if (dayNumber(p.endDate)! <= dayNumber(p.startDate)!) e.push({ field: 'end_date', reason: `${p.endDate} is not after start_date ${p.startDate}` });
    if (p.channel === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p.contact)) e.push({ field: 'contact', reason: `"${p.contact.slice(0, 40)}" is not an e-mail address (channel email)` });
    if ((p.channel === 'sms' || p.channel === 'phone') && !/^\+?[0-9 ()-]{6,20}$/.test(p.contact)) e.push({ field: 'contact', reason: `"${p.contact.slice(0, 40)}" is not a phone number (channel ${p.channel})` });
    return e;
  },
};

export const OUTCOMES_TABLE: TableSpec<Outcome> = {
  name: 'outcomes',
  key: 'policy_number',
  columns: cols(
    id('policy_number', true, 'the expiring policy (must be in the register)') as Column<never>,
    oneOf('outcome', true, OUTCOMES, 'renewed or lapsed') as Column<never>,
    oneOf('reason', false, LAPSE_REASONS, 'non-renewal reason, required when lapsed: price, competitor, sold, scrapped, other') as Column<never>,
    date('date', true, 'date the outcome was recorded, YYYY-MM-DD') as Column<never>,
    id('successor_policy', false, 'the renewal policy number, when known') as Column<never>,
    text('note', false, 'free text', 500) as Column<never>,
  ),
  build: (v) => ({ policyNumber: v.policy_number as string, outcome: v.outcome as Outcome['outcome'], reason: v.reason as Outcome['reason'], date: v.date as string, successorPolicy: (v.successor_policy as string) || null, note: v.note as string }),
  row: (o) => ({ policy_number: o.policyNumber, outcome: o.outcome, reason: o.reason, date: o.date, successor_policy: o.successorPolicy ?? '', note: o.note }),
  check: (o) => {
    const e: RowError[] = [];
    if (o.outcome === 'lapsed' && o.reason === null) e.push({ field: 'reason', reason: 'required when the outcome is lapsed (price, competitor, sold, scrapped, other)' });
    if (o.outcome === 'renewed' && o.reason !== null) e.push({ field: 'reason', reason: 'only for a lapsed outcome' });
    return e;
  },
};

export const CLAIMS_TABLE: TableSpec<ClaimEntry> = {
  name: 'claims',
  key: 'claim_id',
  columns: cols(
    id('claim_id', true, 'claim id (the FNOL id)') as Column<never>,
    id('policy_number', true, 'the policy in force (must be in the register)') as Column<never>,
    vinCol as Column<never>,
    instant('occurred_at', true, 'when the loss occurred, ISO date-time with offset') as Column<never>,
    instant('reported_at', true, 'when the first notice of loss was sent') as Column<never>,
    instant('registered_at', false, 'when the insurer registered it (its claim number)') as Column<never>,
    instant('closed_at', false, 'when it was closed') as Column<never>,
    oneOf('status', true, CLAIM_STATUSES, 'reported, registered, closed, rejected') as Column<never>,
    money('paid', false, 'paid so far') as Column<never>,
    money('reserve', false, 'outstanding reserve (0 once closed)') as Column<never>,
    oneOf('source', false, ['automatic', 'manual'] as const, 'automatic (from an incident) or manual; default automatic') as Column<never>,
  ),
  build: (v) => ({
    claimId: v.claim_id as string,
    policyNumber: v.policy_number as string,
    vin: v.vin as string,
    occurredAt: v.occurred_at as number,
    reportedAt: v.reported_at as number,
    registeredAt: v.registered_at as number | null,
    closedAt: v.closed_at as number | null,
    status: v.status as ClaimEntry['status'],
    paidCents: v.paid as number,
    reserveCents: v.reserve as number,
    source: (v.source as ClaimEntry['source'] | null) ?? 'automatic',
  }),
  row: (c) => ({ claim_id: c.claimId, policy_number: c.policyNumber, vin: c.vin, occurred_at: c.occurredAt, reported_at: c.reportedAt, registered_at: c.registeredAt, closed_at: c.closedAt, status: c.status, paid: c.paidCents, reserve: c.reserveCents, source: c.source }),
  check: (c) => {
    const e: RowError[] = [];
    if (c.reportedAt < c.occurredAt) e.push({ field: 'reported_at', reason: 'before occurred_at' });
    if (c.registeredAt !== null && c.registeredAt < c.reportedAt) e.push({ field: 'registered_at', reason: 'before reported_at' });
    if (c.status === 'closed' && c.closedAt === null) e.push({ field: 'closed_at', reason: 'required when status is closed' });
    if ((c.status === 'registered' || c.status === 'closed') && c.registeredAt === null) e.push({ field: 'registered_at', reason: `required when status is ${c.status}` });
    if (c.closedAt !== null && c.closedAt < c.reportedAt) e.push({ field: 'closed_at', reason: 'before reported_at' });
    if (c.status === 'closed' && c.reserveCents !== 0) e.push({ field: 'reserve', reason: 'must be 0 when closed' });
    return e;
  },
};

export const TABLES = { schemes: SCHEMES, policies: POLICIES, outcomes: OUTCOMES_TABLE, claims: CLAIMS_TABLE } as const;
export type TableName = keyof typeof TABLES;

/**
 * Validates one record given as strings (a CSV row by header) or JSON values (a request body).
 * JSON numbers and booleans are accepted where the CSV has their text form. Unknown fields are errors.
 */
export function validateRecord<T>(spec: TableSpec<T>, input: Record<string, unknown>, line?: number): { ok: true; value: T } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const at = (e: RowError): RowError => (line !== undefined ? { line, ...e } : e);
  const known = new Set(spec.columns.map((c) => c.name));
  for (const k of Object.keys(input)) if (!known.has(k)) errors.push(at({ field: k, reason: `unknown field (expected: ${[...known].join(', ')})` }));
  const v: Record<string, unknown> = {};
  for (const c of spec.columns) {
    let raw = input[c.name];
    if (Array.isArray(raw) && c.name === 'drivers') raw = raw.join(';');
    if (typeof raw === 'number' || typeof raw === 'boolean') raw = String(raw);
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      errors.push(at({ field: c.name, reason: 'must be a string' }));
      continue;
    }
    const s = (raw ?? '').trim();
    if (s === '') {
      if (c.required) errors.push(at({ field: c.name, reason: 'required' }));
      else v[c.name] = c.empty;
      continue;
    }
    const p = c.parse(s);
    if (p.ok) v[c.name] = p.v;
    else errors.push(at({ field: c.name, reason: p.reason }));
  }
  if (errors.length > 0) return { ok: false, errors };
  const value = spec.build(v);
  const cross = spec.check(value).map(at);
  return cross.length > 0 ? { ok: false, errors: cross } : { ok: true, value };
}

export function header(spec: TableSpec<unknown>): string[] {
  return spec.columns.map((c) => c.name);
}

export function toCsvRow<T>(spec: TableSpec<T>, t: T): string[] {
  const r = spec.row(t);
  return spec.columns.map((c) => c.format(r[c.name] as never));
}

/** Column documentation (for the README and the API). */
export function describeColumns(spec: TableSpec<unknown>): Array<{ name: string; required: boolean; doc: string }> {
  return spec.columns.map((c) => ({ name: c.name, required: c.required, doc: c.doc }));
}
