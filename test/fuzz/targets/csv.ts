// Policy register CSV imports (schemes, policies, outcomes, claims): rows of plausible and hostile
// values (quotes, commas, newlines inside quotes, control characters, bad dates and amounts, unknown,
// missing and repeated columns, broken quoting) into a fresh register holding the fixture schemes and
// policies. Holds when: importCsv never throws; every error names a line of the file and, for a row,
// the field (or the field count); every data row is either imported or has an error on its line;
// the good rows are imported whatever bad rows are around them.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { PolicyRegister } from '../../../edge/insurance/register.js';
import { header, TABLES, type TableName } from '../../../edge/insurance/tables.js';
import { mutate, mutationArb, target, timed } from '../harness.js';

const FIX = path.resolve(__dirname, '../../../../test/fixtures/insurance');

/** plausible values per column; anything else comes from the junk pool */
const GOOD: Record<string, readonly string[]> = {
  scheme_id: ['ACME-STAFF', 'NORTHWAY', 'NEW-1', 'S 2'],
  policy_number: ['P-1001', 'P-1002', 'P-9001', 'P-9002', 'Q-1'],
  successor_policy: ['', 'P-9001'],
  claim_id: ['fnol-0001', 'fnol-0002', 'C-1'],
  name: ['Scheme', 'Ærø fleet'],
  holder: ['Acme Logistics Ltd', 'H'],
  discount_pct: ['0', '12.5', '100', '10.25'],
  payroll_deduction: ['yes', 'no', 'Y', 'false', ''],
  vin: ['WF0XXXTTGXKA00001', 'WF0XXXTTGXKA00002', 'TESTVEH0000000009'],
  plate: ['AB12 CDE', 'XY34-ZZZ'],
  drivers: ['', 'drv-01', 'drv-01;drv-02'],
  start_date: ['2024-04-01', '2024-02-29', '2025-01-01'],
  end_date: ['2025-04-01', '2026-01-01'],
  date: ['2025-04-01'],
  premium: ['1200.00', '0', '99999999.99', '1350.5'],
  paid: ['', '0', '10.00'],
  reserve: ['', '0', '250.00'],
  channel: ['email', 'sms', 'phone', 'post'],
  contact: ['fleet@acme.example', '+44 7700 900123', '1 Road, Town'],
  depot: ['', 'leeds'],
  vehicle_class: ['', 'van'],
  use: ['', 'goods'],
  new_vehicle: ['', 'yes', 'no'],
  outcome: ['renewed', 'lapsed'],
  reason: ['', 'price', 'competitor', 'other'],
  note: ['', 'a note'],
  occurred_at: ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00+01:00'],
  reported_at: ['2024-05-01T10:05:00Z'],
  registered_at: ['', '2024-05-02T09:00:00Z'],
  closed_at: ['', '2024-06-01T09:00:00Z'],
  status: ['reported', 'registered', 'closed', 'rejected'],
  source: ['', 'automatic', 'manual'],
};
const JUNK = ['', ' ', '"', '""', ',', '\n', '\r\n', 'a,b', 'x"y', '\u0000', '\u001b[31m', '2024-13-01', '2023-02-29', '-1', '1e3', '12.345', '€100', '  P-1001  ', 'p-1001', 'yes ', 'NaN', 'null', '=cmd|calc', 'ÆØÅ', 'x'.repeat(600), '9'.repeat(30)];

const valueFor = (col: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(GOOD[col] ?? ['x'])) }, { weight: 1, arbitrary: fc.constantFrom(...JUNK) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

const quote = (v: string, how: number): string => (how === 0 && !/[",\r\n]/.test(v) ? v : how === 2 ? `"${v}` : `"${v.replace(/"/g, '""')}"`);

interface CsvCase {
  table: TableName;
  text: string;
  /** header altered (unknown, missing, repeated column): the whole file is refused at line 1 */
  headerAltered: boolean;
}

const tableArb = fc.constantFrom<TableName>('schemes', 'policies', 'outcomes', 'claims');

const caseArb: fc.Arbitrary<CsvCase> = tableArb.chain((table) => {
  const cols = header(TABLES[table]);
  const row = fc.tuple(...cols.map((c) => fc.tuple(valueFor(c), fc.constantFrom(0, 0, 0, 1, 1, 2)))).map((cells) => cells.map(([v, h]) => quote(v, h)).join(','));
  return fc
    .record({
      order: fc.shuffledSubarray(cols, { minLength: cols.length, maxLength: cols.length }),
      headerOp: fc.constantFrom('keep', 'keep', 'keep', 'upper', 'extra', 'dup', 'drop'),
      rows: fc.array(fc.oneof({ weight: 6, arbitrary: row }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }), { maxLength: 12 }),
      eol: fc.constantFrom('\n', '\r\n'),
      bom: fc.boolean(),
      muts: fc.array(mutationArb([',', '"', '\n', '\r', '""', ',,']), { maxLength: 2 }),
    })
    .map((r) => {
      // rows are written in header order: reorder the cells like the header
      const idx = r.order.map((c) => cols.indexOf(c));
      let head = r.order.join(',');
      let altered = false;
      if (r.headerOp === 'upper') head = head.toUpperCase();
      else if (r.headerOp === 'extra') (head += ',colour'), (altered = true);
      else if (r.headerOp === 'dup') (head += ',' + r.order[0]!), (altered = true);
      else if (r.headerOp === 'drop') (head = r.order.slice(1).join(',')), (altered = true);
      const body = r.rows.map((line) => {
        const cells = splitCells(line);
        return cells.length === cols.length ? idx.map((i) => cells[i]!).join(',') : line;
      });
      const text = mutate((r.bom ? '\ufeff' : '') + [head, ...body].join(r.eol) + r.eol, r.muts);
      return { table, text, headerAltered: altered || r.muts.length > 0 };
    });
});

/** splits a generated row at the commas between cells (cells were quoted where they hold commas) */
function splitCells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (const c of line) {
    if (c === '"') q = !q;
    if (c === ',' && !q) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export const csvTarget = target<{ schemes: string; policies: string }>({
  name: 'csv',
  what: 'policy register CSV rows (plausible, hostile, broken quoting, altered headers) -> PolicyRegister.importCsv',
  setup: () => ({ schemes: fs.readFileSync(path.join(FIX, 'depot-schemes.csv'), 'utf8'), policies: fs.readFileSync(path.join(FIX, 'depot-policies.csv'), 'utf8') }),
  property: (fx) =>
    fc.property(caseArb, (c) => {
      const reg = new PolicyRegister(':memory:');
      try {
        reg.importCsv('schemes', fx.schemes);
        reg.importCsv('policies', fx.policies);
        const physical = c.text.split(/\r\n|\n|\r/).length;
        const r = timed(`importCsv ${c.table}`, () => reg.importCsv(c.table, c.text));
        if (r.imported < 0 || r.imported > r.rows) throw new Error(`imported ${r.imported} of ${r.rows} rows`);
        for (const e of r.errors) {
          if (!Number.isInteger(e.line) || e.line! < 1 || e.line! > physical) throw new Error(`error without a line of the file (${physical} lines): ${JSON.stringify(e)}`);
          if (typeof e.reason !== 'string' || e.reason.trim() === '') throw new Error(`error without a reason: ${JSON.stringify(e)}`);
          if (e.line! > 1 && !e.field && !/fields, the header has|quote/.test(e.reason)) throw new Error(`row error names no field: ${JSON.stringify(e)}`);
        }
        if (r.errors.some((e) => /unknown column|listed twice|required column missing|expected a header/.test(e.reason))) {
          if (r.imported !== 0) throw new Error('rows imported under a refused header');
        } else if (!r.errors.some((e) => /quote/.test(e.reason))) {
          // every data row: imported, or an error on its line
          const bad = new Set(r.errors.map((e) => e.line));
          if (r.imported + bad.size !== r.rows) throw new Error(`${r.rows} rows: ${r.imported} imported + ${bad.size} lines with errors`);
        }
        if (!c.headerAltered && r.errors.some((e) => e.line === 1)) throw new Error(`valid header refused: ${JSON.stringify(r.errors.filter((e) => e.line === 1))}`);
        return true;
      } finally {
        reg.close();
      }
    }),
});
