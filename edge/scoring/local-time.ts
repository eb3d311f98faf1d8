// Local time of day at the depot from a frame time, through Intl's IANA zone data: deterministic
// (the same instant gives the same local time on every machine with the same tz database) and
// DST-correct. Offsets are cached per 15-minute block of UTC (every zone's transitions fall on one).

export class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** Offset of local time from UTC in seconds at instant t (s since the epoch). */
  offsetS(t: number): number {
    const block = Math.floor(t / 900);
    let off = this.cache.get(block);
    if (off === undefined) {
      const at = block * 900;
      const p: Record<string, number> = {};
      for (const part of this.fmt.formatToParts(new Date(at * 1000))) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) / 1000;
      off = asUtc - at;
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(block, off);
    }
    return off;
  }

  /** Minutes after local midnight (fractional) at instant t. */
  minuteOfDay(t: number): number {
    const local = t + this.offsetS(t);
    return (((local / 60) % 1440) + 1440) % 1440;
  }
}

/** Whether a local minute-of-day lies in [start, end), a window that may wrap midnight. */
export function inWindow(minute: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}
