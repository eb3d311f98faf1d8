// The policy register: schemes, policies, renewal outcomes, the claims ledger, and the renewal
// flow's own state (reminders sent, latest scores, quotes/referrals, last daily run) in one SQLite
// file through Node 24's built-in node:sqlite (see DESIGN.md for why not a package).
//
// Every write is validated (tables.ts) first; CSV imports report each bad row with its line and
// reason and still import every good row, in one transaction.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { Score } from '../scoring/types.js';
import { parseCsv, writeCsv } from './csv.js';
import { CLAIMS_TABLE, OUTCOMES_TABLE, POLICIES, SCHEMES, TABLES, header, toCsvRow, validateRecord, type TableName, type TableSpec } from './tables.js';
import { ValidationError, type ClaimEntry, type Outcome, type Policy, type RowError, type Scheme } from './types.js';

export interface ImportResult {
  table: TableName;
  /** rows read (header excluded) */
  rows: number;
  imported: number;
  errors: RowError[];
}

export interface ReminderKey {
  policyNumber: string;
  stage: number;
  attempt: number;
}

export interface ReminderRecord extends ReminderKey {
  runDate: string;
  state: 'claimed' | 'sent';
  at: number;
}

const SCHEMA = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS schemes (scheme_id TEXT PRIMARY KEY, name TEXT NOT NULL, holder TEXT NOT NULL, discount_bp INTEGER NOT NULL, payroll_deduction INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS policies (policy_number TEXT PRIMARY KEY, scheme_id TEXT, holder TEXT NOT NULL, vin TEXT NOT NULL, plate TEXT NOT NULL, drivers TEXT NOT NULL,
  start_date TEXT NOT NULL, end_date TEXT NOT NULL, premium_cents INTEGER NOT NULL, channel TEXT NOT NULL, contact TEXT NOT NULL, depot TEXT NOT NULL,
  vehicle_class TEXT NOT NULL, use TEXT NOT NULL, new_vehicle INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS policies_vin ON policies (vin);
CREATE INDEX IF NOT EXISTS policies_end ON policies (end_date);
CREATE TABLE IF NOT EXISTS outcomes (policy_number TEXT PRIMARY KEY, outcome TEXT NOT NULL, reason TEXT, date TEXT NOT NULL, successor_policy TEXT, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (claim_id TEXT PRIMARY KEY, policy_number TEXT NOT NULL, vin TEXT NOT NULL, occurred_at INTEGER NOT NULL, reported_at INTEGER NOT NULL,
  registered_at INTEGER, closed_at INTEGER, status TEXT NOT NULL, paid_cents INTEGER NOT NULL, reserve_cents INTEGER NOT NULL, source TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS claims_policy ON claims (policy_number);
CREATE TABLE IF NOT EXISTS reminders (policy_number TEXT NOT NULL, stage INTEGER NOT NULL, attempt INTEGER NOT NULL, run_date TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (policy_number, stage, attempt));
CREATE TABLE IF NOT EXISTS scores (scope TEXT NOT NULL, key TEXT NOT NULL, to_s REAL NOT NULL, json TEXT NOT NULL, PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS decisions (policy_number TEXT PRIMARY KEY, kind TEXT NOT NULL, at INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

type Row = Record<string, SQLInputValue>;

function policyOf(r: Row): Policy {
  return {
    policyNumber: r.policy_number as string,
    schemeId: (r.scheme_id as string | null) ?? null,
    holder: r.holder as string,
    vin: r.vin as string,
    plate: r.plate as string,
    drivers: JSON.parse(r.drivers as string) as string[],
    startDate: r.start_date as string,
    endDate: r.end_date as string,
    premiumCents: Number(r.premium_cents),
    channel: r.channel as Policy['channel'],
    contact: r.contact as string,
    depot: r.depot as string,
    vehicleClass: r.vehicle_class as string,
    use: r.use as string,
    newVehicle: Number(r.new_vehicle) === 1,
  };
}
function schemeOf(r: Row): Scheme {
  return { schemeId: r.scheme_id as string, name: r.name as string, holder: r.holder as string, discountBp: Number(r.discount_bp), payrollDeduction: Number(r.payroll_deduction) === 1 };
}
function outcomeOf(r: Row): Outcome {
  return { policyNumber: r.policy_number as string, outcome: r.outcome as Outcome['outcome'], reason: (r.reason as Outcome['reason']) ?? null, date: r.date as string, successorPolicy: (r.successor_policy as string | null) ?? null, note: r.note as string };
}
function claimOf(r: Row): ClaimEntry {
  const n = (x: SQLInputValue): number | null => (x === null || x === undefined ? null : Number(x));
  return {
    claimId: r.claim_id as string,
    policyNumber: r.policy_number as string,
    vin: r.vin as string,
    occurredAt: Number(r.occurred_at),
    reportedAt: Number(r.reported_at),
    registeredAt: n(r.registered_at!),
    closedAt: n(r.closed_at!),
    status: r.status as ClaimEntry['status'],
    paidCents: Number(r.paid_cents),
    reserveCents: Number(r.reserve_cents),
    source: r.source as ClaimEntry['source'],
  };
}

export class PolicyRegister {
  private readonly db: DatabaseSync;

  /** `file`: a path, or ':memory:' for tests. */
  constructor(readonly file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec(SCHEMA);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private tx<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  // ---- writes -------------------------------------------------------------------------------

  private writeScheme(s: Scheme): void {
    this.db.prepare('INSERT OR REPLACE INTO schemes VALUES (?, ?, ?, ?, ?)').run(s.schemeId, s.name, s.holder, s.discountBp, s.payrollDeduction ? 1 : 0);
  }
  private writePolicy(p: Policy): void {
    this.db
      .prepare('INSERT OR REPLACE INTO policies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(p.policyNumber, p.schemeId, p.holder, p.vin, p.plate, JSON.stringify(p.drivers), p.startDate, p.endDate, p.premiumCents, p.channel, p.contact, p.depot, p.vehicleClass, p.use, p.newVehicle ? 1 : 0);
  }
  private writeOutcome(o: Outcome): void {
    this.db.prepare('INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?, ?, ?)').run(o.policyNumber, o.outcome, o.reason, o.date, o.successorPolicy, o.note);
  }
  private writeClaim(c: ClaimEntry): void {
    this.db
      .prepare('INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(c.claimId, c.policyNumber, c.vin, c.occurredAt, c.reportedAt, c.registeredAt, c.closedAt, c.status, c.paidCents, c.reserveCents, c.source);
  }

  /** Checks that need the register (references). */
  private references(table: TableName, v: unknown): RowError[] {
    if (table === 'policies') {
      const p = v as Policy;
      if (p.schemeId !== null && !this.getScheme(p.schemeId)) return [{ field: 'scheme_id', reason: `scheme "${p.schemeId}" is not in the register (import schemes first)` }];
    } else if (table === 'outcomes') {
      const o = v as Outcome;
      if (!this.getPolicy(o.policyNumber)) return [{ field: 'policy_number', reason: `policy "${o.policyNumber}" is not in the register` }];
      if (o.successorPolicy !== null && !this.getPolicy(o.successorPolicy)) return [{ field: 'successor_policy', reason: `policy "${o.successorPolicy}" is not in the register` }];
    } else if (table === 'claims') {
      const c = v as ClaimEntry;
      const p = this.getPolicy(c.policyNumber);
      if (!p) return [{ field: 'policy_number', reason: `policy "${c.policyNumber}" is not in the register` }];
      if (p.vin !== c.vin) return [{ field: 'vin', reason: `${c.vin} is not the VIN of policy ${c.policyNumber} (${p.vin})` }];
    }
    return [];
  }

  private write(table: TableName, v: unknown): void {
    if (table === 'schemes') this.writeScheme(v as Scheme);
    else if (table === 'policies') this.writePolicy(v as Policy);
    else if (table === 'outcomes') this.writeOutcome(v as Outcome);
    else this.writeClaim(v as ClaimEntry);
  }

  /** Validates and stores one record given as JSON (an API body) or strings; throws ValidationError naming the fields. */
  put<K extends TableName>(table: K, input: Record<string, unknown>): K extends 'schemes' ? Scheme : K extends 'policies' ? Policy : K extends 'outcomes' ? Outcome : ClaimEntry {
    const spec = TABLES[table] as TableSpec<unknown>;
    const r = validateRecord(spec, input);
    if (!r.ok) throw new ValidationError(r.errors);
    const ref = this.references(table, r.value);
    if (ref.length > 0) throw new ValidationError(ref);
    this.write(table, r.value);
    return r.value as never;
  }

  /** Stores an already-typed claim (the claims flow's entry point); validated like a CSV row. */
  /** Records a claim in the ledger, through the same validation as an imported row. */
  recordClaim(c: ClaimEntry): ClaimEntry {
    // row() holds stored values (epoch ms, cents); put() validates input as text, as a CSV row has it
    const stored = CLAIMS_TABLE.row(c);
    const input: Record<string, unknown> = {};
    for (const col of CLAIMS_TABLE.columns) input[col.name] = col.format(stored[col.name] as never);
    return this.put('claims', input);
  }

  /**
   * Imports a CSV file (first line: the header, columns in any order, names as in tables.ts).
   * Each bad row is reported with its line and reason; all the good rows are stored (an existing
   * record with the same key is replaced). A header that cannot be read refuses the file.
   */
  importCsv(table: TableName, text: string): ImportResult {
    const spec = TABLES[table] as TableSpec<unknown>;
    const { records, errors: structural } = parseCsv(text);
    const result: ImportResult = { table, rows: 0, imported: 0, errors: [] };
    const head = records[0];
    if (!head) {
      result.errors.push({ line: 1, reason: 'empty file: expected a header line' });
      return result;
    }
    const names = head.fields.map((f) => f.trim().toLowerCase());
    const known = new Set(header(spec));
    const headProblems: RowError[] = [];
    names.forEach((n, i) => {
      if (!known.has(n)) headProblems.push({ line: head.line, field: n || `column ${i + 1}`, reason: `unknown column (expected: ${header(spec).join(', ')})` });
      else if (names.indexOf(n) !== i) headProblems.push({ line: head.line, field: n, reason: 'column listed twice' });
    });
    for (const c of spec.columns) if (c.required && !names.includes(c.name)) headProblems.push({ line: head.line, field: c.name, reason: 'required column missing from the header' });
    if (headProblems.length > 0) {
      result.errors.push(...headProblems);
      result.rows = records.length - 1;
      return result;
    }
    const seen = new Map<string, number>();
    this.tx(() => {
      for (const rec of records.slice(1)) {
        result.rows++;
        if (rec.fields.length !== names.length) {
          result.errors.push({ line: rec.line, reason: `${rec.fields.length} fields, the header has ${names.length}` });
          continue;
        }
        const input: Record<string, unknown> = {};
        names.forEach((n, i) => (input[n] = rec.fields[i]));
        const r = validateRecord(spec, input, rec.line);
        if (!r.ok) {
          result.errors.push(...r.errors);
          continue;
        }
        const key = String(input[spec.key]).trim().toUpperCase();
        const first = seen.get(key);
        if (first !== undefined) {
          result.errors.push({ line: rec.line, field: spec.key, reason: `"${input[spec.key] as string}" already on line ${first}` });
          continue;
        }
        const ref = this.references(table, r.value).map((e) => ({ line: rec.line, ...e }));
        if (ref.length > 0) {
          result.errors.push(...ref);
          continue;
        }
        seen.set(key, rec.line);
        this.write(table, r.value);
        result.imported++;
      }
    });
    result.errors.push(...structural);
    return result;
  }

  exportCsv(table: TableName): string {
    const spec = TABLES[table] as TableSpec<unknown>;
    const all = table === 'schemes' ? this.listSchemes() : table === 'policies' ? this.listPolicies() : table === 'outcomes' ? this.listOutcomes() : this.listClaims();
    return writeCsv(header(spec), all.map((x) => toCsvRow(spec, x)));
  }

  // ---- reads --------------------------------------------------------------------------------

  getScheme(id: string): Scheme | null {
    const r = this.db.prepare('SELECT * FROM schemes WHERE scheme_id = ?').get(id) as Row | undefined;
    return r ? schemeOf(r) : null;
  }
  listSchemes(): Scheme[] {
    return (this.db.prepare('SELECT * FROM schemes ORDER BY scheme_id').all() as Row[]).map(schemeOf);
  }
  getPolicy(n: string): Policy | null {
    const r = this.db.prepare('SELECT * FROM policies WHERE policy_number = ?').get(n) as Row | undefined;
    return r ? policyOf(r) : null;
  }
  listPolicies(filter: { vin?: string; depot?: string; endFrom?: string; endTo?: string } = {}): Policy[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (filter.vin) (where.push('vin = ?'), args.push(filter.vin.toUpperCase()));
    if (filter.depot) (where.push('depot = ?'), args.push(filter.depot));
    if (filter.endFrom) (where.push('end_date >= ?'), args.push(filter.endFrom));
    if (filter.endTo) (where.push('end_date <= ?'), args.push(filter.endTo));
    const sql = `SELECT * FROM policies ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY end_date, policy_number`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(policyOf);
  }
  getOutcome(policyNumber: string): Outcome | null {
    const r = this.db.prepare('SELECT * FROM outcomes WHERE policy_number = ?').get(policyNumber) as Row | undefined;
    return r ? outcomeOf(r) : null;
  }
  listOutcomes(): Outcome[] {
    return (this.db.prepare('SELECT * FROM outcomes ORDER BY policy_number').all() as Row[]).map(outcomeOf);
  }
  listClaims(filter: { policyNumber?: string } = {}): ClaimEntry[] {
    const rows = filter.policyNumber
      ? (this.db.prepare('SELECT * FROM claims WHERE policy_number = ? ORDER BY occurred_at').all(filter.policyNumber) as Row[])
      : (this.db.prepare('SELECT * FROM claims ORDER BY occurred_at, claim_id').all() as Row[]);
    return rows.map(claimOf);
  }

  // ---- renewal flow state -------------------------------------------------------------------

  /**
   * Claims a reminder before it is sent: true the first time for (policy, stage, attempt), false
   * ever after, across restarts (the row is committed before the caller emits anything).
   */
  claimReminder(k: ReminderKey, runDate: string, at: number): boolean {
    const r = this.db.prepare('INSERT OR IGNORE INTO reminders VALUES (?, ?, ?, ?, ?, ?)').run(k.policyNumber, k.stage, k.attempt, runDate, 'claimed', at);
    return Number(r.changes) === 1;
  }
  markReminderSent(k: ReminderKey, at: number): void {
    this.db.prepare("UPDATE reminders SET state = 'sent', at = ? WHERE policy_number = ? AND stage = ? AND attempt = ?").run(at, k.policyNumber, k.stage, k.attempt);
  }
  reminders(policyNumber?: string): ReminderRecord[] {
    const rows = policyNumber
      ? (this.db.prepare('SELECT * FROM reminders WHERE policy_number = ? ORDER BY stage DESC, attempt').all(policyNumber) as Row[])
      : (this.db.prepare('SELECT * FROM reminders ORDER BY policy_number, stage DESC, attempt').all() as Row[]);
    return rows.map((r) => ({ policyNumber: r.policy_number as string, stage: Number(r.stage), attempt: Number(r.attempt), runDate: r.run_date as string, state: r.state as 'claimed' | 'sent', at: Number(r.at) }));
  }

  /** Keeps the latest score per vehicle and per driver (by its period end). */
  putScore(s: Score): void {
    if (s.scope === 'trip') return;
    this.db
      .prepare('INSERT INTO scores VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET to_s = excluded.to_s, json = excluded.json WHERE excluded.to_s >= scores.to_s')
      .run(s.scope, s.key, s.to, JSON.stringify(s));
  }
  getScore(scope: 'vehicle' | 'driver', key: string): Score | null {
    const r = this.db.prepare('SELECT json FROM scores WHERE scope = ? AND key = ?').get(scope, key) as Row | undefined;
    return r ? (JSON.parse(r.json as string) as Score) : null;
  }

  putDecision(policyNumber: string, kind: 'quote' | 'referral', at: number, value: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?)').run(policyNumber, kind, at, JSON.stringify(value));
  }
  decisions(kind?: 'quote' | 'referral'): Array<{ policyNumber: string; kind: 'quote' | 'referral'; at: number; value: unknown }> {
    const rows = kind ? (this.db.prepare('SELECT * FROM decisions WHERE kind = ? ORDER BY policy_number').all(kind) as Row[]) : (this.db.prepare('SELECT * FROM decisions ORDER BY policy_number').all() as Row[]);
    return rows.map((r) => ({ policyNumber: r.policy_number as string, kind: r.kind as 'quote' | 'referral', at: Number(r.at), value: JSON.parse(r.json as string) as unknown }));
  }

  getMeta(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return r ? (r.value as string) : null;
  }
  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta VALUES (?, ?)').run(key, value);
  }
}

export { SCHEMES, POLICIES, OUTCOMES_TABLE, CLAIMS_TABLE };
