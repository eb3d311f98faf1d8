// Shared helpers of the DBC tests: fixture paths and byte literals.
import * as path from 'node:path';
import { loadDbcSync, type Database, type LoadOptions } from '../../edge/dbc/index.js';

/** test/fixtures/dbc, from dist/test/dbc at run time */
export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/dbc');

export function fixture(rel: string): string {
  return path.join(FIXTURES, rel);
}

export function loadFixture(rel: string, opts?: LoadOptions): Database {
  return loadDbcSync(fixture(rel), opts);
}

/** "c0 06 e0" -> bytes */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
