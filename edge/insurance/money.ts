// Money is integer cents everywhere (premiums, claims, quotes); rates are integer basis points
// (1 bp = 0.01 %). Products and divisions go through BigInt with explicit half-up rounding, so no
// float rounding surprise can reach a premium.

/** "1234.5", "1234.50", "1234" -> 123450; null when not a plain non-negative decimal with <= 2 places. */
export function parseCents(s: string): number | null {
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(String(s).trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** 123450 -> "1234.50" */
export function formatCents(c: number): string {
  const neg = c < 0;
  const a = Math.abs(c);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** "12.5" (percent) -> 1250 bp; null unless 0..100 with <= 2 decimals. */
export function parsePercentBp(s: string): number | null {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(String(s).trim());
  if (!m) return null;
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return bp <= 10000 ? bp : null;
}

/** round(n / d) half up, for non-negative n and positive d (integers). */
export function divRound(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/** round(cents * num / den) half up, exact. */
export function mulDiv(cents: number, num: number, den: number): number {
  if (!Number.isSafeInteger(cents) || !Number.isSafeInteger(num) || !Number.isSafeInteger(den) || den <= 0) throw new RangeError('mulDiv: integers only');
  const neg = cents < 0 !== num < 0;
  const r = divRound(BigInt(Math.abs(cents)) * BigInt(Math.abs(num)), BigInt(den));
  return Number(neg ? -r : r);
}

/** A ratio as a number rounded to 4 decimals (for KPIs; never used for money). */
export function ratio(n: number, d: number): number | null {
  if (d === 0) return null;
  return Math.round((n / d) * 10000) / 10000;
}
