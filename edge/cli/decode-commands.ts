// `ubi-edge dbc check <file>` and `ubi-edge decode <log> --dbc <file>...`.
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { readCandumpFile } from '../can/candump-file.js';
import { FrameFlag, type FrameBatch } from '../can/frame.js';
import { DbcSyntaxError, formatProblem, loadDbcSync, type Database, type DecodedValue, type Message, type Signal } from '../dbc/index.js';
import { J1939Decoder, j1939Id, pgnOf, priorityOf } from '../dbc/j1939/index.js';
import { mergeDatabases } from '../signals/j1939-frames.js';
import { CliError, EXIT } from './exit-codes.js';

export function registerDecodeCommands(program: Command): void {
  const dbc = program.command('dbc').description('DBC file tools');
  dbc
    .command('check')
    .description('parse DBC files leniently and list every problem as file:line:column; exit 1 when any is an error')
    .argument('<file...>', 'DBC files')
    .option('--quiet', 'print problems only, no summary')
    .action(async (files: string[], o: { quiet?: boolean }) => dbcCheckCommand(files, o));

  program
    .command('decode')
    .description('decode candump -L logs (plain, .gz, .xz) with DBC files: one line per decoded frame')
    .argument('<log>', 'log file')
    .addOption(new Option('--dbc <file>', 'DBC file, for every interface, or iface=file for one interface (repeatable)').argParser(collect).makeOptionMandatory())
    .option('--j1939', 'match 29-bit frames by J1939 PGN (any source address and priority), reassemble transport protocol messages')
    .option('--choices', 'print value-table labels instead of numbers where the DBC has them')
    .addOption(new Option('--format <f>', 'output format').choices(['jsonl', 'text']).default('jsonl'))
    .addHelpText(
      'after',
      `
jsonl: one object per decoded frame (or reassembled J1939 message):
  {"t": 1627274455.012500, "iface": "can1", "id": 9, "message": "gnss_imu", "signals": {"AccelerationX": 9.75, ...}}
  t is written exactly as in the log (6 decimals); integer signals print as integers, scaled ones with the
  decimals of their factor and offset, IEEE float signals in full. Unknown ids are skipped and counted on stderr.
text: like cantools decode (the frame, then the message with its signals and units).`,
    )
    .action(async (log: string, o: DecodeOpts) => decodeCommand(log, o));
}

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

function checkReadable(f: string): void {
  try {
    fs.accessSync(f, fs.constants.R_OK);
    if (!fs.statSync(f).isFile()) throw new Error('not a file');
  } catch {
    throw new CliError(`${f}: not found or not readable`, EXIT.NO_INPUT);
  }
}

async function dbcCheckCommand(files: string[], o: { quiet?: boolean }): Promise<void> {
  for (const f of files) checkReadable(f);
  let failed = false;
  for (const f of files) {
    let db: Database;
    try {
      db = loadDbcSync(f, { strict: false });
    } catch (e) {
      if (!(e instanceof DbcSyntaxError)) throw e;
      process.stdout.write(e.message + '\n');
      failed = true;
      continue;
    }
    for (const p of db.problems) process.stdout.write(formatProblem(p) + '\n');
    const errors = db.problems.filter((p) => p.severity === 'error').length;
    const warnings = db.problems.length - errors;
    if (errors > 0) failed = true;
    if (!o.quiet) {
      const signals = db.messages.reduce((s, m) => s + m.signals.length, 0);
      process.stderr.write(`${f}: ${db.messages.length} messages, ${signals} signals, ${errors} error(s), ${warnings} warning(s)${db.encoding ? `, ${db.encoding}` : ''}\n`);
    }
  }
  if (failed) process.exitCode = EXIT.INPUT_PROBLEMS;
}

interface DecodeOpts {
  dbc: string[];
  j1939?: boolean;
  choices?: boolean;
  format: 'jsonl' | 'text';
}

/** Seconds as candump writes them: whole seconds, '.', exactly 6 decimals (the log's own digits). */
export function formatTime(t: number): string {
  let sec = Math.floor(t);
  let usec = Math.round((t - sec) * 1e6);
  if (usec >= 1e6) {
    sec += 1;
    usec -= 1e6;
  }
  return `${sec}.${String(usec).padStart(6, '0')}`;
}

function decimalsOf(x: number): number {
  if (Number.isInteger(x)) return 0;
  const s = String(x);
  const e = /e-(\d+)$/.exec(s);
  if (e) return Number(e[1]) + (s.split('e')[0]!.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

/** A signal value as JSON: integers as integers, scaled values with the decimals of factor and offset. */
export function formatValue(s: Signal, v: DecodedValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isFinite(v)) return JSON.stringify(String(v)); // NaN / Infinity of IEEE signals: not JSON numbers
  if (s.valueType !== 'integer') return JSON.stringify(v);
  const d = Math.max(decimalsOf(s.factor), decimalsOf(s.offset));
  return d === 0 || d > 15 ? JSON.stringify(v) : JSON.stringify(Number(v.toFixed(d)));
}

interface Bindings {
  all: Database[];
  byIface: Map<string, Database[]>;
}

function loadBindings(specs: string[]): Bindings {
  const cache = new Map<string, Database>();
  const b: Bindings = { all: [], byIface: new Map() };
  for (const spec of specs) {
    const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(spec);
    const file = m && !fs.existsSync(spec) ? m[2]! : spec;
    checkReadable(file);
    let db = cache.get(path.resolve(file));
    if (!db) {
      try {
        db = loadDbcSync(file, { strict: false });
      } catch (e) {
        if (e instanceof DbcSyntaxError) throw new CliError(e.message, EXIT.INPUT_PROBLEMS);
        throw e;
      }
      for (const p of db.problems) process.stderr.write(formatProblem(p) + '\n');
      cache.set(path.resolve(file), db);
    }
    if (m && !fs.existsSync(spec)) {
      const list = b.byIface.get(m[1]!) ?? [];
      list.push(db);
      b.byIface.set(m[1]!, list);
    } else b.all.push(db);
  }
  return b;
}

class Out {
  private parts: string[] = [];
  private size = 0;
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }
  async flush(force = false): Promise<void> {
    if (!force && this.size < 1 << 16) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (text.length > 0 && !process.stdout.write(text)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
  }
}

function hexData(data: Uint8Array): string {
  let s = '';
  for (const x of data) s += x.toString(16).toUpperCase().padStart(2, '0');
  return s;
}

async function decodeCommand(log: string, o: DecodeOpts): Promise<void> {
  checkReadable(log);
  const bind = loadBindings(o.dbc);
  // `ubi-edge decode ... | head`: a closed pipe ends the command quietly
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    throw e;
  });
  const out = new Out();
  const counts = { frames: 0, decoded: 0, unknown: 0 };
  const unknown = new Map<string, number>();
  const perIface = new Map<string, { dbs: Database[]; j1939?: J1939Decoder }>();
  const ifaceOf = (iface: string) => {
    let e = perIface.get(iface);
    if (!e) {
      const dbs = [...(bind.byIface.get(iface) ?? []), ...bind.all];
      e = { dbs, ...(o.j1939 && dbs.length > 0 ? { j1939: new J1939Decoder(mergeDatabases(dbs)) } : {}) };
      perIface.set(iface, e);
    }
    return e;
  };

  const emit = (t: number, iface: string, id: number, ext: boolean, msg: Message, data: Uint8Array) => {
    counts.decoded++;
    const values = msg.decodeObject(data, { choices: !!o.choices });
    if (o.format === 'jsonl') {
      const sigs = Object.entries(values).map(([k, v]) => `${JSON.stringify(k)}:${formatValue(msg.signal(k)!, v)}`);
      out.push(`{"t":${formatTime(t)},"iface":${JSON.stringify(iface)},"id":${id},"message":${JSON.stringify(msg.name)},"signals":{${sigs.join(',')}}}\n`);
    } else {
      const idText = id.toString(16).toUpperCase().padStart(ext ? 8 : 3, '0');
      const lines = Object.entries(values).map(([k, v]) => {
        const s = msg.signal(k)!;
        const val = typeof v === 'string' ? `'${v}'` : typeof v === 'bigint' ? v.toString() : formatValue(s, v);
        return `    ${k}: ${val}${s.unit ? ' ' + s.unit : ''}`;
      });
      out.push(`(${formatTime(t)}) ${iface} ${idText}#${hexData(data)} ::\n${msg.name}(\n${lines.join(',\n')}\n)\n`);
    }
  };
  const countUnknown = (iface: string, key: string) => {
    counts.unknown++;
    const k = `${iface} ${key}`;
    unknown.set(k, (unknown.get(k) ?? 0) + 1);
  };

  let malformed = 0;
  const warnings: string[] = [];
  const one = { count: 1 } as { count: number };
  for await (const chunk of readCandumpFile(log, { onWarning: (w) => warnings.length < 20 && warnings.push(`${w.where}: ${w.message}`) })) {
    malformed = chunk.malformed;
    const cursor = chunk.batches.map(() => 0);
    for (let k = 0; k < chunk.frames; k++) {
      const bi = chunk.order[k]!;
      const b: FrameBatch = chunk.batches[bi]!;
      const i = cursor[bi]!++;
      counts.frames++;
      const fl = b.flags[i]!;
      if (fl & (FrameFlag.RTR | FrameFlag.ERR)) continue;
      const ext = (fl & FrameFlag.EXT) !== 0;
      const id = b.id[i]!;
      const t = b.t[i]!;
      const e = ifaceOf(b.iface);
      if (e.j1939 && ext) {
        // one frame at a time, so every decoded message is printed in log order with its frame
        const single: FrameBatch = { ...b, ...one, t: b.t.subarray(i, i + 1), id: b.id.subarray(i, i + 1), flags: b.flags.subarray(i, i + 1), len: b.len.subarray(i, i + 1), dlc: b.dlc.subarray(i, i + 1), offset: b.offset.subarray(i, i + 1) };
        e.j1939.decode(single, {
          message: (mt, sa, da, msg, data) => {
            // a single frame is printed with its own id; a reassembled one with the DBC's priority
            const own = pgnOf(id) === pgnOf(msg.id) ? id : j1939Id(priorityOf(msg.id), pgnOf(msg.id), sa, da);
            emit(mt, b.iface, own, true, msg, data);
          },
          unknown: (_t, pgn) => countUnknown(b.iface, `PGN 0x${pgn.toString(16).toUpperCase()}`),
        });
        continue;
      }
      let msg: Message | undefined;
      for (const db of e.dbs) if ((msg = db.messageById(id, ext))) break;
      if (!msg) {
        countUnknown(b.iface, `0x${id.toString(16).toUpperCase()}`);
        continue;
      }
      emit(t, b.iface, id, ext, msg, b.data.subarray(b.offset[i]!, b.offset[i]! + b.len[i]!));
      await out.flush();
    }
    await out.flush();
  }
  await out.flush(true);
  const top = [...unknown].sort((a, b) => b[1] - a[1]).slice(0, 10);
  process.stderr.write(`${counts.frames} frames, ${counts.decoded} decoded, ${counts.unknown} unknown${unknown.size ? ` (${unknown.size} ids: ${top.map(([k, n]) => `${k} x${n}`).join(', ')}${unknown.size > 10 ? ', ...' : ''})` : ''}\n`);
  for (const w of warnings) process.stderr.write(w + '\n');
  if (malformed > 0) {
    process.stderr.write(`${malformed} malformed line(s) skipped\n`);
    process.exitCode = EXIT.INPUT_PROBLEMS;
  }
}
