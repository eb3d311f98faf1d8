// `ubi-edge replay <log>` and `ubi-edge stats <log>`.
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { ReplaySource } from '../can/replay-source.js';
import { logStats, formatStats } from '../can/log-stats.js';
import { CandumpEncoder } from '../can/candump.js';
import { frameAt, type FrameBatch } from '../can/frame.js';
import { openCanSender, type CanSender } from '../can/socketcan-source.js';
import { CliError, EXIT } from './exit-codes.js';

interface ReplayOpts {
  iface?: string;
  map?: string;
  speed: string;
  loop?: boolean;
  bitrate: string;
  progress?: boolean;
}

export function registerLogCommands(program: Command): void {
  program
    .command('replay')
    .description('replay candump -L logs (plain, .gz, .xz) onto SocketCAN interfaces, or as candump lines to stdout')
    .argument('<log...>', 'log files, replayed one after the other')
    .option('--iface <name>', 'send every frame to this interface (e.g. vcan0)')
    .option('--map <pairs>', 'send per log interface: can0=vcan0,can1=vcan1 (unmapped interfaces are skipped)')
    .addOption(new Option('--speed <x>', 'real time factor, or "max"').default('1'))
    .option('--loop', 'start again at the end (time keeps increasing)')
    .addOption(new Option('--bitrate <n>', 'pace sending as a bus at this bit rate would carry it').default('500000'))
    .option('--no-progress', 'no progress bar (it is shown on a terminal only)')
    .addHelpText('after', '\nWithout --iface or --map the frames go to stdout as candump -L lines (the progress bar to stderr).')
    .action(async (files: string[], o: ReplayOpts) => replayCommand(files, o));

  program
    .command('stats')
    .description('frames, interfaces, ids, rate and duration of candump -L logs')
    .argument('<log...>', 'log files')
    .addOption(new Option('--format <f>', 'output format').choices(['text', 'json']).default('text'))
    .option('--top <n>', 'ids listed per interface in text output', '10')
    .action(async (files: string[], o: { format: 'text' | 'json'; top: string }) => statsCommand(files, o));
}

function checkFiles(files: string[]): void {
  for (const f of files) {
    try {
      fs.accessSync(f, fs.constants.R_OK);
    } catch {
      throw new CliError(`${f}: not found or not readable`, EXIT.NO_INPUT);
    }
  }
}

async function statsCommand(files: string[], o: { format: 'text' | 'json'; top: string }): Promise<void> {
  checkFiles(files);
  const s = await logStats(files);
  if (o.format === 'json') process.stdout.write(JSON.stringify(s) + '\n');
  else process.stdout.write(formatStats(s, Number(o.top) || 10) + '\n');
  for (const w of s.warnings.slice(0, 20)) process.stderr.write(`${w.where}: ${w.message}\n`);
  if (s.malformed > 0) {
    process.stderr.write(`${s.malformed} malformed line(s) skipped\n`);
    process.exitCode = EXIT.INPUT_PROBLEMS;
  }
}

function parseMap(o: ReplayOpts): Map<string, string> | undefined {
  if (o.iface && o.map) throw new CliError('use --iface or --map, not both', EXIT.USAGE);
  if (!o.map) return undefined;
  const m = new Map<string, string>();
  for (const pair of o.map.split(',')) {
    const [from, to, extra] = pair.split('=').map((s) => s.trim());
    if (!from || !to || extra !== undefined) throw new CliError(`--map "${pair}": expected logIface=targetIface`, EXIT.USAGE);
    m.set(from, to);
  }
  return m;
}

async function replayCommand(files: string[], o: ReplayOpts): Promise<void> {
  checkFiles(files);
  const speed: number | 'max' = o.speed === 'max' ? 'max' : Number(o.speed);
  if (speed !== 'max' && !(speed > 0)) throw new CliError(`--speed ${o.speed}: a positive factor or "max"`, EXIT.USAGE);
  const bitrate = Number(o.bitrate);
  if (!(bitrate >= 10_000 && bitrate <= 8_000_000)) throw new CliError(`--bitrate ${o.bitrate}: 10000..8000000`, EXIT.USAGE);
  const map = parseMap(o);

  // Senders, one per target interface; opened before reading so a missing interface fails fast.
  const senders = new Map<string, CanSender>();
  const targetOf = (logIface: string): string | undefined => (o.iface ? o.iface : map ? map.get(logIface) : undefined);
  const toStdout = !o.iface && !map;
  try {
    for (const target of o.iface ? [o.iface] : map ? [...new Set(map.values())] : []) {
      senders.set(target, openCanSender(target, { bitrate }));
    }
  } catch (e) {
    for (const s of senders.values()) s.close();
    throw new CliError((e as Error).message, EXIT.UNAVAILABLE);
  }

  // The total for the progress bar comes from a fast first pass over the logs.
  const showBar = o.progress !== false && process.stderr.isTTY === true && !o.loop;
  let bar: SingleBar | undefined;
  if (showBar) {
    const s = await logStats(files);
    bar = new SingleBar({ format: 'replay [{bar}] {percentage}% | {value}/{total} frames | {eta_formatted} left', hideCursor: true }, Presets.shades_classic);
    bar.start(s.frames, 0);
  }

  const encoder = new CandumpEncoder();
  let sent = 0;
  let failed = 0;
  let skipped = 0;
  let pending: Promise<unknown> = Promise.resolve();
  let inflight = 0; // frames handed to a sender and not yet taken by the kernel
  const out = process.stdout;
  const source = new ReplaySource({
    vehicle: 'replay',
    files,
    speed,
    loop: !!o.loop,
    // Batches are per interface; to stdout every frame leaves at once so interfaces keep their interleaving.
    batch: toStdout ? { maxFrames: 1, maxAgeMs: 20 } : { maxFrames: 256, maxAgeMs: 20 },
    // Hold the replay while the consumer is behind: stdout's buffer is full, or frames wait for the bus.
    throttle: () => {
      if (toStdout) return out.writableNeedDrain ? new Promise<void>((r) => out.once('drain', () => r())) : undefined;
      return inflight > 2048 ? pending.then(() => undefined) : undefined;
    },
  });
  source.on('warning', (w: { where: string; message: string }) => {
    bar?.stop();
    process.stderr.write(`${w.where}: ${w.message}\n`);
  });
  source.on('batch', (b: FrameBatch) => {
    if (toStdout) {
      encoder.batch(b);
      out.write(encoder.take());
      bar?.increment(b.count);
      return;
    }
    const target = targetOf(b.iface);
    const sender = target ? senders.get(target) : undefined;
    if (!sender) {
      skipped += b.count;
      bar?.increment(b.count);
      return;
    }
    for (let i = 0; i < b.count; i++) {
      const f = frameAt(b, i);
      inflight++;
      pending = sender.send(f).then(
        () => {
          inflight--;
          sent++;
          bar?.increment(1);
        },
        (e: unknown) => {
          inflight--;
          failed++;
          if (failed <= 10) process.stderr.write(`${(e as Error).message}\n`);
        },
      );
    }
  });
  const ended = new Promise<void>((resolve) => source.on('status', (s: { state: string }) => s.state === 'ended' && resolve()));
  const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  source.start();
  await Promise.race([ended, interrupted]);
  await source.close();
  for (const s of senders.values()) {
    await s.flush();
    s.close();
  }
  bar?.stop();
  const c = source.counters();
  if (!toStdout) process.stderr.write(`replayed ${c.frames} frames: ${sent} sent, ${failed} failed, ${skipped} skipped (no target interface)\n`);
  if (c.malformed > 0) process.stderr.write(`${c.malformed} malformed line(s) skipped\n`);
  if (failed > 0) process.exitCode = EXIT.UNAVAILABLE;
  else if (c.malformed > 0) process.exitCode = EXIT.INPUT_PROBLEMS;
}
