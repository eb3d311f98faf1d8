// Civil dates (ISO YYYY-MM-DD, no time zone: a date on the depot's calendar) and the depot's IANA
// time zone. Arithmetic is on day numbers (days since 1970-01-01), never on local Date objects, so
// month ends, leap years and DST cannot shift a date. Zone conversions use Intl only.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO date, or null when it is not a real calendar date. */
export function dayNumber(iso: string): number | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null; // 2023-02-29
  return Math.round(ms / DAY_MS);
}

export function isIsoDate(s: string): boolean {
  return dayNumber(s) !== null;
}

/** The ISO date of a day number. */
export function isoOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(iso: string, days: number): string {
  const n = dayNumber(iso);
  if (n === null) throw new RangeError(`not an ISO date: ${iso}`);
  return isoOfDay(n + days);
}

/** b - a in days. */
export function daysBetween(a: string, b: string): number {
  const x = dayNumber(a);
  const y = dayNumber(b);
  if (x === null || y === null) throw new RangeError(`not an ISO date: ${x === null ? a : b}`);
  return y - x;
}

/** Same month and day one year earlier/later; 29 February becomes 28 February in a common year. */
export function addYears(iso: string, years: number): string {
  const m = ISO_DATE.exec(iso);
  if (!m) throw new RangeError(`not an ISO date: ${iso}`);
  const y = Number(m[1]) + years;
  let d = Number(m[3]);
  const mo = Number(m[2]);
  while (d > 28 && dayNumber(`${String(y).padStart(4, '0')}-${m[2]}-${String(d).padStart(2, '0')}`) === null) d--;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

/** Is `tz` an IANA zone this runtime knows (e.g. Europe/London)? */
export function isTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `tz` at instant `ms`, expressed as if it were UTC ms (for arithmetic). */
function wallMs(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + (ms - Math.floor(ms / 1000) * 1000);
}

/** UTC offset of `tz` at instant `ms`, in ms (local = utc + offset). */
export function offsetMs(ms: number, tz: string): number {
  return wallMs(ms, tz) - ms;
}

/** The local calendar date in `tz` at instant `ms`. */
export function localDate(ms: number, tz: string): string {
  return new Date(wallMs(ms, tz)).toISOString().slice(0, 10);
}

/** The local wall time "YYYY-MM-DDTHH:MM:SS+hh:mm" in `tz` at instant `ms` (explicit offset). */
export function localIso(ms: number, tz: string): string {
  const off = offsetMs(ms, tz);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off) / 60000;
  const hh = String(Math.floor(a / 60)).padStart(2, '0');
  const mm = String(Math.round(a % 60)).padStart(2, '0');
  return new Date(ms + off).toISOString().slice(0, 19) + `${sign}${hh}:${mm}`;
}

/**
 * The instant at which the wall clock in `tz` reads `date` `hh:mm`. Like Temporal's 'compatible'
 * disambiguation: a time skipped by a DST jump forward is moved later by the jump (02:30 on a
 * 02:00->03:00 night becomes 03:30); a time that happens twice when clocks go back is the first.
 */
export function zonedInstant(date: string, hh: number, mm: number, tz: string): number {
  const day = dayNumber(date);
  if (day === null) throw new RangeError(`not an ISO date: ${date}`);
  const local = day * DAY_MS + (hh * 60 + mm) * 60000;
  const before = offsetMs(local - 14 * 3600000, tz);
  const after = offsetMs(local + 14 * 3600000, tz);
  const candidates = [...new Set([before, after])].map((o) => local - o).filter((t) => wallMs(t, tz) === local);
  if (candidates.length > 0) return Math.min(...candidates);
  return local - before; // in a gap: the offset in force before the jump
}

/** "HH:MM" (24 h) parsed, or null. */
export function parseClockTime(s: string): { hh: number; mm: number } | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(String(s).trim());
  return m ? { hh: Number(m[1]), mm: Number(m[2]) } : null;
}

/** An ISO date-time with an explicit offset or Z (e.g. 2025-03-01T08:30:00+01:00), as ms; null otherwise. */
export function parseInstant(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return null;
  if (dayNumber(s.slice(0, 10)) === null) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}
