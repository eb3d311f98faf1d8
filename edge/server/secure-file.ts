// Small files that hold secrets: written atomically with mode 0600, never world-readable.
import fs from 'node:fs';
import path from 'node:path';

export function writeSecretFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Reads a secret file; refuses one that others can read, since that secret must be treated as leaked. */
export function readSecretFile(file: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  if ((st.mode & 0o077) !== 0) {
    throw new Error(`${file}: permissions ${(st.mode & 0o777).toString(8)} let other users read a secret; run: chmod 600 ${file}`);
  }
  return fs.readFileSync(file, 'utf8');
}
