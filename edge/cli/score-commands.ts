// `ubi-edge score <log>... --dbc <file>...`: decode + score + incidents without Node-RED. Prints the
// same objects the ubi-score and ubi-incident nodes send (each with its `kind`) as JSON lines, so a
// log can be re-scored and the outputs diffed.
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { readCandumpFile } from '../can/candump-file.js';
import { FrameBatchBuilder, type FrameBatch } from '../can/frame.js';
import { logStats } from '../can/log-stats.js';
import { buildDecodeEngine, DecodeConfigError, isReadable } from '../signals/config.js';
import type { SignalBatch } from '../signals/signal-batch.js';
import { ConfigError } from '../scoring/config.js';
import { buildScoringEngine, type ScoringSettings } from '../scoring/settings.js';
import { buildIncidentEngine, type IncidentSettings } from '../incidents/settings.js';
import type { ScoringEngine } from '../scoring/engine.js';
import type { IncidentEngine } from '../incidents/engine.js';
import { CliError, EXIT } from './exit-codes.js';

interface ScoreOpts {
  dbc: string[];
  j1939?: boolean;
  map?: string;
  config?: string;
  vehicle?: string;
  class?: string;
  kinds?: string;
  format: 'jsonl';
  progress?: boolean;
}

/** The config file: the ubi-score node's fields plus `incidents` (the ubi-incident node's fields). */
interface ConfigFile extends ScoringSettings {
  incidents?: IncidentSettings;
}

const CONFIG_KEYS = ['vehicleClass', 'timeZone', 'roster', 'overrides', 'mergeS', 'incidents'];

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function registerScoreCommands(program: Command): void {
  program
    .command('score')
    .description('decode candump -L logs and score them: events, trips, scores and incidents as JSON lines')
    .argument('<log...>', 'log files (plain, .gz, .xz), replayed in the order given as one drive')
    .addOption(new Option('--dbc <spec>', 'DBC file for every interface, or iface=file, iface=obd, iface=j1939 for one interface (repeatable)').argParser(collect).makeOptionMandatory())
    .option('--j1939', 'match 29-bit frames by J1939 PGN on every interface with a DBC')
    .option('--map <map>', 'VSS map: car-obd-gnss, j1939-truck, toyota-2017 or a JSON map file')
    .option('--config <file>', 'JSON: {vehicleClass, timeZone, roster, overrides, mergeS, incidents: {accelThresholdG, preS, postS, crashSignals, overrides}}')
    .option('--vehicle <id>', 'vehicle id (default: the log file name up to its first "-")')
    .addOption(new Option('--class <c>', 'vehicle class (overrides the config file)').choices(['van', 'rigid_truck', 'tractor_unit']))
    .option('--kinds <list>', 'print only these kinds (comma separated: event,trip,score,calibration,incident_alert,incident,sensor_disturbance)')
    .addOption(new Option('--format <f>', 'output format').choices(['jsonl']).default('jsonl'))
    .option('--no-progress', 'no progress bar (it is shown on a terminal only)')
    .addHelpText(
      'after',
      `
Output: one JSON object per line, in the order the engines produce them; every object has a "kind":
  event, trip, score, calibration (ubi-score outputs 1-4), incident_alert, incident, sensor_disturbance
  (ubi-incident outputs 1-3). The end of the last log closes open trips and incidents.
Example:
  ubi-edge score drive.log.xz --dbc can0=obd --dbc can1=gnss.dbc --map car-obd-gnss --vehicle van-7
Exit codes: 0 ok; 1 malformed log lines were skipped or a DBC has syntax errors; 66 a file is missing;
  78 bad --config / --map / --dbc combination.`,
    )
    .action(async (logs: string[], o: ScoreOpts) => scoreCommand(logs, o));
}

/** `--dbc` specs -> the ubi-decode node's interfaces text. */
export function interfacesText(specs: string[], j1939: boolean): string {
  const lines = new Map<string, string[]>();
  const add = (iface: string, item: string) => lines.set(iface, [...(lines.get(iface) ?? []), item]);
  for (const spec of specs) {
    const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(spec);
    if (m && !fs.existsSync(spec)) {
      const item = m[2]!;
      if (item.toLowerCase() !== 'obd' && item.toLowerCase() !== 'j1939' && !isReadable(item)) throw new CliError(`${item}: not found or not readable`, EXIT.NO_INPUT);
      add(m[1]!, item.toLowerCase() === 'obd' || item.toLowerCase() === 'j1939' ? item.toLowerCase() : path.resolve(item));
    } else {
      if (!isReadable(spec)) throw new CliError(`${spec}: not found or not readable`, EXIT.NO_INPUT);
      add('*', path.resolve(spec));
    }
  }
  const global = lines.get('*') ?? [];
  const out: string[] = [];
  for (const [iface, items] of lines) {
    const all = iface === '*' ? items : [...items, ...global];
    const hasDbc = all.some((x) => x !== 'obd' && x !== 'j1939');
    if (j1939 && hasDbc && !all.includes('j1939')) all.push('j1939');
    out.push(`${iface}: ${[...new Set(all)].join(', ')}`);
  }
  return out.join('\n');
}

function readConfig(file: string | undefined): ConfigFile {
  if (!file) return {};
  if (!isReadable(file)) throw new CliError(`${file}: not found or not readable`, EXIT.NO_INPUT);
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file}: not valid JSON: ${(e as Error).message}`, EXIT.CONFIG);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CliError(`${file}: must be a JSON object {${CONFIG_KEYS.join(', ')}}`, EXIT.CONFIG);
  const unknown = Object.keys(v).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknown.length) throw new CliError(`${file}: ${unknown.map((k) => `${k}: unknown field`).join('; ')} (expected ${CONFIG_KEYS.join(', ')})`, EXIT.CONFIG);
  return v as ConfigFile;
}

/** The engines of one run: the same objects the nodes build from the same settings. */
export interface ScorePipeline {
  scoring: ScoringEngine;
  incidents: IncidentEngine;
}

/** Frames in log order, cut into per-interface runs of at most `run` frames (as a live gateway batches them). */
export async function* logBatches(files: readonly string[], vehicle: string, run: number, onMalformed: (n: number) => void, onWarning: (w: string) => void): AsyncGenerator<FrameBatch> {
  for (const file of files) {
    let malformed = 0;
    for await (const c of readCandumpFile(file, { vehicle, maxWarnings: 20, onWarning: (w) => onWarning(`${w.where}: ${w.message}`) })) {
      onMalformed(c.malformed - malformed);
      malformed = c.malformed;
      const pos = c.batches.map(() => 0);
      let cur = -1;
      let b: FrameBatchBuilder | null = null;
      for (let k = 0; k < c.order.length; k++) {
        const bi = c.order[k]!;
        if (bi !== cur || b!.count >= run) {
          if (b && b.count) yield b.take();
          if (bi !== cur || !b) b = new FrameBatchBuilder(vehicle, c.batches[bi]!.iface, run);
          cur = bi;
        }
        const src = c.batches[bi]!;
        const i = pos[bi]!++;
        b!.push(src.t[i]!, src.id[i]!, src.flags[i]!, src.data, src.offset[i]!, src.len[i]!, src.dlc[i]!);
      }
      if (b && b.count) yield b.take();
    }
  }
}

async function scoreCommand(logs: string[], o: ScoreOpts): Promise<void> {
  for (const f of logs) if (!isReadable(f)) throw new CliError(`${f}: not found or not readable`, EXIT.NO_INPUT);
  const cfg = readConfig(o.config);
  const interfaces = interfacesText(o.dbc, !!o.j1939);
  const vehicle = o.vehicle ?? (path.basename(logs[0]!).split(/[-.]/)[0] || 'vehicle');
  const kinds = o.kinds ? new Set(o.kinds.split(',').map((s) => s.trim()).filter((s) => s !== '')) : undefined;

  let decoder;
  try {
    const built = buildDecodeEngine({ interfaces, map: o.map ?? '', emit: 'mapped', period: 0 });
    decoder = built.engine;
    for (const w of built.warnings) process.stderr.write(`${/^(warning|error): /.test(w) ? '' : 'warning: '}${w}\n`);
  } catch (e) {
    if (e instanceof DecodeConfigError) {
      if (e.field === 'interfaces' && /: not found$/.test(e.message)) throw new CliError(e.message.replace(/^interfaces: /, ''), EXIT.NO_INPUT);
      if (e.field === 'interfaces' && /:\d+:\d+: /.test(e.message)) throw new CliError(e.message.replace(/^interfaces: /, ''), EXIT.INPUT_PROBLEMS);
      throw new CliError(`${e.field === 'interfaces' ? '--dbc' : `--${e.field}`}: ${e.message.replace(/^\w+: /, '')}`, EXIT.CONFIG);
    }
    throw e;
  }
  let pipe: ScorePipeline;
  try {
    const scoring = buildScoringEngine({ ...cfg, ...(o.class ? { vehicleClass: o.class } : {}) }).engine;
    const incidents = buildIncidentEngine(cfg.incidents ?? {}).engine;
    pipe = { scoring, incidents };
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${o.config ?? 'config'}: ${e.problems.join('; ')}`, EXIT.CONFIG);
    throw e;
  }

  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    throw e;
  });
  let text = '';
  const counts: Record<string, number> = {};
  const write = async (outs: ReadonlyArray<{ kind: string }>, force = false): Promise<void> => {
    for (const x of outs) {
      counts[x.kind] = (counts[x.kind] ?? 0) + 1;
      if (!kinds || kinds.has(x.kind)) text += JSON.stringify(x) + '\n';
    }
    if (text.length > (force ? 0 : 1 << 16)) {
      const t = text;
      text = '';
      if (!process.stdout.write(t)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
    }
  };
  const feed = async (sb: SignalBatch): Promise<void> => {
    await write(pipe.scoring.push(sb));
    await write(pipe.incidents.push(sb));
  };

  let bar: SingleBar | undefined;
  if (o.progress !== false && process.stderr.isTTY === true) {
    const s = await logStats(logs);
    bar = new SingleBar({ format: 'score [{bar}] {percentage}% | {value}/{total} frames | {eta_formatted} left', hideCursor: true }, Presets.shades_classic);
    bar.start(s.frames, 0);
  }
  let malformed = 0;
  const warnings: string[] = [];
  let frames = 0;
  try {
    for await (const fb of logBatches(logs, vehicle, 256, (n) => (malformed += n), (w) => warnings.push(w))) {
      frames += fb.count;
      const out = decoder.decode(fb);
      if (out.full) await feed(out.full);
      if (bar && (frames & 0xffff) < fb.count) bar.update(frames);
    }
    for (const out of decoder.flush()) if (out.full) await feed(out.full);
    await write(pipe.scoring.finish());
    await write(pipe.incidents.finish(), true);
  } finally {
    bar?.update(frames);
    bar?.stop();
  }
  const summary = ['event', 'trip', 'score', 'calibration', 'incident_alert', 'incident', 'sensor_disturbance'].map((k) => `${counts[k] ?? 0} ${k}`).join(', ');
  process.stderr.write(`${vehicle}: ${frames} frames; ${summary}\n`);
  for (const w of warnings) process.stderr.write(w + '\n');
  if (malformed > 0) {
    process.stderr.write(`${malformed} malformed line(s) skipped\n`);
    process.exitCode = EXIT.INPUT_PROBLEMS;
  }
}
