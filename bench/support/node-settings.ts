// The appliance's Node settings (bin/node-flags.js: V8 heap flags, glibc malloc variables) for the
// benches whose figure is the appliance's: a bench re-runs itself with them when they are not in
// place, unless BENCH_NODE_DEFAULTS=1 asks for Node's defaults (for comparison).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './drive.js';

interface NodeTuning {
  missingFlags(): string[];
  missingEnv(): Record<string, string>;
  describe(): string;
  ENV: Record<string, string>;
}
// plain JavaScript shipped as is in bin/ (the launcher's), so required at run time
const tuning = require(path.join(ROOT, 'bin', 'node-flags.js')) as NodeTuning;

export const nodeDefaults = process.env.BENCH_NODE_DEFAULTS === '1';

/** Re-runs the calling bench (main module) with the appliance's settings when they are not in place; its exit status, or undefined to go on here. */
export function rerunWithApplianceSettings(): number | undefined {
  if (nodeDefaults) return undefined;
  const flags = tuning.missingFlags();
  const env = tuning.missingEnv();
  if (flags.length === 0 && Object.keys(env).length === 0) return undefined;
  const r = spawnSync(process.execPath, [...process.execArgv, ...flags, require.main!.filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

/** One line saying which settings this process runs with. */
export function settingsLine(): string {
  return nodeDefaults
    ? `Node settings: Node's defaults (BENCH_NODE_DEFAULTS=1), NOT the appliance's (${tuning.describe()})`
    : `Node settings: the appliance's (bin/node-flags.js, as bin/ubi-edge.js starts it): ${[...process.execArgv, ...Object.keys(tuning.ENV).map((k) => `${k}=${process.env[k] ?? ''}`)].join(' ')}`;
}
