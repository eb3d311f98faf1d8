// Where the appliance keeps things on disk. Everything mutable lives under the data directory.
import path from 'node:path';

/** Root of the installed package (two levels above dist/edge/server). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

export function resolveFromCwd(p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(process.cwd(), p);
}
