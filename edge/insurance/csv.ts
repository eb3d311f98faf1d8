// RFC 4180 CSV: comma separated, double-quoted fields (with "" for a quote, commas and newlines
// inside), CRLF or LF, optional UTF-8 BOM. Each record keeps the 1-based line it starts on, so a
// bad row is reported as "line N" of the file the user sees.

export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface CsvParse {
  records: CsvRecord[];
  /** structural problems (an unterminated quote): the rest of the file from that line is not read */
  errors: Array<{ line: number; reason: string }>;
}

export function parseCsv(text: string): CsvParse {
  const records: CsvRecord[] = [];
  const errors: Array<{ line: number; reason: string }> = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let inQuotes = false;
    let done = false;
    while (i < n && !done) {
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            inQuotes = false;
            i++;
          }
        } else {
          if (c === '\n') line++;
          field += c;
          i++;
        }
        continue;
      }
      if (c === '"' && field === '' && !quoted) {
        inQuotes = true;
        quoted = true;
        i++;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        quoted = false;
        i++;
      } else if (c === '\r' || c === '\n') {
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        done = true;
      } else {
        field += c;
        i++;
      }
    }
    if (inQuotes) {
      errors.push({ line: start, reason: 'unterminated quoted field' });
      break;
    }
    fields.push(field);
    if (fields.length === 1 && fields[0] === '' && !quoted) continue; // blank line
    records.push({ line: start, fields });
  }
  return { records, errors };
}

function quote(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function writeCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  return [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}
