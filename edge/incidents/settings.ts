// Incident settings as people write them (the ubi-incident node's fields, the `score` CLI's config
// file) -> an IncidentEngine. Problems name the field: `postS: must be a number > 0, got -1`.
import { ConfigError } from '../scoring/config.js';
import { isObj, objectSetting, type Obj } from '../scoring/settings.js';
import { resolveIncidentConfig, type IncidentConfig } from './config.js';
import { IncidentEngine } from './engine.js';

export interface IncidentSettings {
  /** horizontal acceleration threshold, g (empty: default) */
  accelThresholdG?: string | number;
  /** recording before / after the first trigger, s (empty: default) */
  preS?: string | number;
  postS?: string | number;
  /** signals whose value > 0 means a crash (airbag ...), comma or newline separated */
  crashSignals?: string | string[];
  /** JSON (text or parsed) of further IncidentConfig fields; wins over the fields above */
  overrides?: string | Record<string, unknown>;
  /** merge window for per-interface batches of one vehicle, s */
  mergeS?: string | number;
}

export interface BuiltIncidents {
  engine: IncidentEngine;
  config: IncidentConfig;
  describe: string;
}


function deepMerge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (isObj(a) && isObj(b)) {
    const out: Obj = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
    return out;
  }
  return b;
}

export function buildIncidentEngine(s: IncidentSettings): BuiltIncidents {
  const problems: string[] = [];
  const fields: Obj = {};
  const num = (name: 'accelThresholdG' | 'preS' | 'postS') => {
    const v = s[name];
    if (v === undefined || (typeof v === 'string' && v.trim() === '')) return;
    const n = Number(v);
    if (!Number.isFinite(n)) problems.push(`${name}: must be a number, got ${JSON.stringify(v)}`);
    else fields[name] = n;
  };
  num('accelThresholdG');
  num('preS');
  num('postS');
  const crash = Array.isArray(s.crashSignals) ? s.crashSignals : String(s.crashSignals ?? '').split(/[\s,]+/);
  const names = crash.map((x) => String(x).trim()).filter((x) => x !== '');
  if (names.length) fields.crashSignals = names;

  const over = objectSetting(s.overrides, 'overrides', 'of incident settings', problems);
  const mergeS = s.mergeS === undefined || s.mergeS === '' ? 0.2 : Number(s.mergeS);
  if (!Number.isFinite(mergeS) || mergeS < 0 || mergeS > 3600) problems.push(`mergeS: expected seconds 0..3600, got ${JSON.stringify(s.mergeS)}`);
  if (problems.length) throw new ConfigError(problems, 'incident settings');

  let config: IncidentConfig;
  try {
    config = resolveIncidentConfig(deepMerge(fields, over));
  } catch (e) {
    // a field problem names the field; one that only the overrides set is prefixed `overrides: `
    if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p) => (p.split(/[.:[]/)[0]! in fields && !(p.split(/[.:[]/)[0]! in over) ? p : `overrides: ${p}`)), 'incident settings');
    throw e;
  }
  const engine = new IncidentEngine({ config, reorderS: mergeS });
  const describe = `crash at ${config.accelThresholdG} g or -${config.speedDropKmh} km/h in ${config.speedDropWindowS} s${config.crashSignals.length ? ` or ${config.crashSignals.join(', ')}` : ''}; recording ${config.preS} s + ${config.postS} s; merge ${mergeS} s`;
  return { engine, config, describe };
}
