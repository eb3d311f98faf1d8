// Quarantine: points refused by validation or by the database, kept with their reason in a capped
// JSON-lines file (quarantine.jsonl, rotated once to quarantine.1.jsonl) for a person to look at.
import fs from 'node:fs';
import path from 'node:path';

export interface QuarantineEntry {
  /** host time the point was quarantined (ISO) */
  at: string;
  reason: string;
  /** where it was refused: 'validate' (before the outbox) or 'database' (4xx from InfluxDB) */
  stage: 'validate' | 'database' | 'decode';
  point: unknown;
}

export class Quarantine {
  readonly file: string;
  private count = 0;
  private readonly byStage = { validate: 0, database: 0, decode: 0 };

  constructor(
    dir: string,
    private readonly capBytes = 16 * 1024 * 1024,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'quarantine.jsonl');
  }

  add(stage: QuarantineEntry['stage'], reason: string, point: unknown): void {
    this.count++;
    this.byStage[stage]++;
    const entry: QuarantineEntry = { at: new Date().toISOString(), reason, stage, point: safe(point) };
    try {
      let size = 0;
      try {
        size = fs.statSync(this.file).size;
      } catch {
        /* none yet */
      }
      if (size > this.capBytes) fs.renameSync(this.file, this.file.replace(/\.jsonl$/, '.1.jsonl'));
      fs.appendFileSync(this.file, JSON.stringify(entry) + '\n');
    } catch {
      /* counted even when the disk refuses */
    }
  }

  get total(): number {
    return this.count;
  }

  stages(): { validate: number; database: number; decode: number } {
    return { ...this.byStage };
  }

  /** Entries currently in the file (tests, the CLI). */
  read(): QuarantineEntry[] {
    try {
      return fs
        .readFileSync(this.file, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as QuarantineEntry);
    } catch {
      return [];
    }
  }
}

/** Something JSON can hold (typed arrays, huge payloads and cycles made harmless). */
function safe(x: unknown): unknown {
  try {
    const s = JSON.stringify(x, (_k, v: unknown) => (ArrayBuffer.isView(v) ? `[${v.constructor.name}]` : typeof v === 'bigint' ? String(v) : v));
    if (s === undefined) return String(x);
    return s.length > 8192 ? s.slice(0, 8192) + '...' : JSON.parse(s);
  } catch {
    return String(x);
  }
}
