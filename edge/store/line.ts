// Line protocol, made once per point when it enters the outbox. The outbox stores these lines, and
// the writer posts them as they are: no JSON between, and no second serialisation in the `influx`
// client. toLine() gives the same bytes as the client's writePoints() for the same point (tags in
// their own order, fields sorted by name, numbers as String(n), so floats; strings quoted; the
// timestamp as is, written with precision 'u'); the test compares both. Escaping is the client's
// own (`escape` from 'influx'), called only for the rare strings that need it.
import { escape } from 'influx';
import type { FieldValue, WirePoint } from './point.js';

/** A tag key, tag value or field key as the client writes it ("," "=" " " escaped). */
export function escapeKey(s: string): string {
  // a backslash too: the client's escapers first rewrite a backslash-quote, so leave those to them
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44 || c === 61 || c === 32 || c === 92) return escape.tag(s);
  }
  return s;
}

/** A field value as the client writes it: strings quoted, numbers and booleans as String(v) (so numbers are floats). */
export function fieldText(v: FieldValue): string {
  if (typeof v !== 'string') return String(v);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34 || c === 92) return escape.quoted(v);
  }
  return '"' + v + '"';
}

/** Sorts field names in place as the client does (code unit order); an insertion sort is cheapest for a handful. */
export function sortNames(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

/** One point as a line of line protocol (no newline), as the `influx` client writes it. */
export function toLine(p: WirePoint): string {
  let line = p.measurement;
  const tags = p.tags;
  for (const k in tags) line += ',' + escapeKey(k) + '=' + escapeKey(tags[k]!);
  const fields = p.fields;
  const keys = Object.keys(fields);
  sortNames(keys);
  for (let i = 0; i < keys.length; i++) line += (i === 0 ? ' ' : ',') + escapeKey(keys[i]!) + '=' + fieldText(fields[keys[i]!]!);
  if (p.timestamp) line += ' ' + String(p.timestamp);
  return line;
}

/** The timestamp at the end of a line made by toLine() (NaN when it has none). */
export function lineTime(line: string): number {
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

const NL = 0x0a;

/**
 * Lines of line protocol joined by '\n' in one buffer (a request body), with where each ends: a
 * batch is posted as it is, halved without copying when InfluxDB refuses a point in it, and only a
 * refused point is turned back into a string.
 */
export class Batch {
  private constructor(
    readonly body: Buffer,
    /** end of each line in body; line i starts at ends[i - 1] + 1 (0 for the first) */
    private readonly ends: readonly number[],
  ) {}

  get count(): number {
    return this.ends.length;
  }

  static fromLines(lines: readonly string[]): Batch {
    const body = Buffer.from(lines.join('\n'), 'utf8');
    const ends = new Array<number>(lines.length);
    let pos = -1;
    for (let i = 0; i < lines.length; i++) ends[i] = pos = pos + 1 + Buffer.byteLength(lines[i]!, 'utf8');
    return new Batch(body, ends);
  }

  /**
   * Outbox records joined by '\n' (Outbox.takeJoined). Records that are JSON points (an outbox written
   * before line protocol) are turned into lines; one that is neither goes to `bad` and is left out.
   */
  static fromRecords(body: Buffer, ends: readonly number[], bad: (text: string, why: string) => void): Batch {
    let legacy = false;
    for (let i = 0; i < ends.length && !legacy; i++) legacy = body[i === 0 ? 0 : ends[i - 1]! + 1] === 0x7b;
    if (!legacy) return new Batch(body, ends);
    const lines: string[] = [];
    for (let i = 0; i < ends.length; i++) {
      const text = body.toString('utf8', i === 0 ? 0 : ends[i - 1]! + 1, ends[i]!);
      if (!text.startsWith('{')) {
        lines.push(text);
        continue;
      }
      try {
        lines.push(toLine(JSON.parse(text) as WirePoint));
      } catch (e) {
        bad(text, (e as Error).message);
      }
    }
    return Batch.fromLines(lines);
  }

  private start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]! + 1;
  }

  line(i: number): string {
    return this.body.toString('utf8', this.start(i), this.ends[i]!);
  }

  /** Line i as a point for a person (the quarantine), or the line itself if it does not parse. */
  point(i: number): WirePoint | string {
    const l = this.line(i);
    return parseLine(l) ?? l;
  }

  /** Lines [from, to) as a batch of their own (a view of the same bytes). */
  slice(from: number, to: number): Batch {
    const base = this.start(from);
    const ends = new Array<number>(to - from);
    for (let i = from; i < to; i++) ends[i - from] = this.ends[i]! - base;
    return new Batch(this.body.subarray(base, this.ends[to - 1]!), ends);
  }

  /** Smallest and largest timestamp (the digits ending each line), without making strings. */
  timeRange(): [number, number] {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    const b = this.body;
    for (let i = 0; i < this.ends.length; i++) {
      const end = this.ends[i]!;
      let p = end;
      while (p > 0 && b[p - 1]! >= 0x30 && b[p - 1]! <= 0x39) p--;
      if (p === end || b[p - 1] !== 0x20) continue; // no timestamp
      let t = 0;
      for (let q = p; q < end; q++) t = t * 10 + (b[q]! - 0x30);
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    return [lo, hi];
  }
}

/** Splits a body of lines back into lines (tests, the slow path of a client without the request pool). */
export function splitBody(body: Buffer): string[] {
  const out: string[] = [];
  let a = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i === body.length || body[i] === NL) {
      out.push(body.toString('utf8', a, i));
      a = i + 1;
    }
  }
  return out;
}

/** Index of the first of `chars` at or after i that is not escaped by a backslash (-1: none). */
function scan(s: string, i: number, chars: string): number {
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') i++;
    else if (chars.includes(c)) return i;
  }
  return -1;
}

function unescape(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/g, '$1') : s;
}

/**
 * A line made by toLine() back as a point (for the quarantine, which shows a person the point
 * InfluxDB refused); undefined when it is not one.
 */
export function parseLine(line: string): WirePoint | undefined {
  const mEnd = scan(line, 0, ', ');
  if (mEnd <= 0) return undefined;
  const p: WirePoint = { measurement: unescape(line.slice(0, mEnd)), tags: {}, fields: {}, timestamp: 0 };
  let i = mEnd;
  while (line[i] === ',') {
    const eq = scan(line, i + 1, '=');
    const end = scan(line, eq + 1, ', ');
    if (eq < 0 || end < 0) return undefined;
    p.tags[unescape(line.slice(i + 1, eq))] = unescape(line.slice(eq + 1, end));
    i = end;
  }
  if (line[i] !== ' ') return undefined;
  for (;;) {
    const eq = scan(line, i + 1, '=');
    if (eq < 0) return undefined;
    const key = unescape(line.slice(i + 1, eq));
    let end: number;
    let v: FieldValue;
    if (line[eq + 1] === '"') {
      const close = scan(line, eq + 2, '"');
      if (close < 0) return undefined;
      v = unescape(line.slice(eq + 2, close));
      end = close + 1;
    } else {
      end = scan(line, eq + 1, ', ');
      if (end < 0) end = line.length;
      const raw = line.slice(eq + 1, end);
      v = raw === 'true' ? true : raw === 'false' ? false : Number(raw.endsWith('i') ? raw.slice(0, -1) : raw);
    }
    p.fields[key] = v;
    i = end;
    if (line[i] !== ',') break;
  }
  if (i < line.length) {
    if (line[i] !== ' ') return undefined;
    p.timestamp = Number(line.slice(i + 1));
  }
  return p;
}
