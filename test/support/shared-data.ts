// Where the workplace's shared real data (../shared/data: DBCs, CAN logs with their licences) is.
// Next to the repository on a developer's machine; CI clones the repository elsewhere, so the
// workplace's fixed location is tried too. UBI_SHARED_DATA overrides both.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export function sharedDataDir(): string {
  const candidates = [process.env.UBI_SHARED_DATA, path.join(ROOT, '..', 'shared', 'data'), '/work/shared/data'].filter((d): d is string => !!d);
  return candidates.find((d) => fs.existsSync(d)) ?? candidates[candidates.length - 1]!;
}
