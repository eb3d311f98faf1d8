// The public face of a loaded DBC: a Database of Messages, each with its compiled decoder and its
// encoder. Lookup by CAN id is one Map access keyed the way the DBC writes ids (bit 31 = extended).

import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { buildDatabase } from './build.js';
import { compileDecoder, rawBigInt, type DecodeFn } from './decode.js';
import { encodeMessage, type EncodeOptions, type SignalInput } from './encode.js';
import { DbcSemanticError, type DbcProblem } from './errors.js';
import type { AttrValue, AttributeDefinition, DatabaseInfo, MessageInfo, Signal } from './model.js';
import { parseDbcDocument } from './parser.js';
import { decodeDbcBytes, type DbcEncoding } from './text.js';

export interface LoadOptions {
  /** Reject files cantools rejects (ids too wide, signals outside their message, overlapping
   * signals). Default true. With false those become problems of severity 'error' on db.problems, the
   * offending messages are kept (decoding what fits), and messages with impossible ids are not
   * matched by id. */
  strict?: boolean;
}

export interface DecodeObjectOptions {
  /** give value-table labels instead of numbers where the signal has one for the value */
  choices?: boolean;
}

export type DecodedValue = number | bigint | string;

export class Message implements MessageInfo {
  readonly name: string;
  readonly id: number;
  readonly extended: boolean;
  readonly dbcId: number;
  readonly length: number;
  readonly fd: boolean;
  readonly j1939: boolean;
  readonly senders: readonly string[];
  readonly comment: string | undefined;
  readonly cycleTime: number | undefined;
  readonly sendType: string | undefined;
  readonly attributes: ReadonlyMap<string, AttrValue>;
  readonly signals: readonly Signal[];
  readonly idValid: boolean;
  readonly pos: MessageInfo['pos'];
  private compiled: DecodeFn | undefined;
  private byName: Map<string, Signal> | undefined;

  constructor(info: MessageInfo) {
    this.name = info.name;
    this.id = info.id;
    this.extended = info.extended;
    this.dbcId = info.dbcId;
    this.length = info.length;
    this.fd = info.fd;
    this.j1939 = info.j1939;
    this.senders = info.senders;
    this.comment = info.comment;
    this.cycleTime = info.cycleTime;
    this.sendType = info.sendType;
    this.attributes = info.attributes;
    this.signals = info.signals;
    this.idValid = info.idValid;
    this.pos = info.pos;
  }

  /** The compiled decoder (built on first use): decode(data, off, len, out) -> DecodeStatus bits.
   * out needs signals.length entries; out[signal.index] receives the physical value or NaN. */
  get decode(): DecodeFn {
    return (this.compiled ??= compileDecoder(this));
  }

  /** Convenience (allocates): name -> value for the signals the multiplexer selects; integer signals
   * over 53 bits with factor 1 and offset 0 come back as exact BigInts. */
  decodeObject(data: Uint8Array, opts: DecodeObjectOptions = {}, off = 0, len = data.length - off): Record<string, DecodedValue> {
    const out = new Float64Array(this.signals.length);
    this.decode(data, off, len, out);
    const result: Record<string, DecodedValue> = {};
    for (const s of this.signals) {
      if (s.bytesNeeded > len || !this.selected(s, out)) continue;
      const v = out[s.index]!;
      if (opts.choices && s.choices !== undefined) {
        const label = s.choices.get(this.rawOf(s, v));
        if (label !== undefined) {
          result[s.name] = label;
          continue;
        }
      }
      if (s.valueType === 'integer' && s.length > 53 && s.factor === 1 && s.offset === 0) result[s.name] = rawBigInt(s, data, off);
      else result[s.name] = v;
    }
    return result;
  }

  /** Exact raw value of a signal (BigInt), for signals over 53 bits and tools. */
  rawBigInt(signal: Signal, data: Uint8Array, off = 0): bigint {
    return rawBigInt(signal, data, off);
  }

  /** The value-table label of a decoded physical value, if the signal has one. */
  label(signal: Signal, physical: number): string | undefined {
    return signal.choices?.get(this.rawOf(signal, physical));
  }

  encode(values: Readonly<Record<string, SignalInput>>, opts?: EncodeOptions): Uint8Array {
    return encodeMessage(this, values, opts);
  }

  signal(name: string): Signal | undefined {
    if (this.byName === undefined) this.byName = new Map(this.signals.map((s) => [s.name, s]));
    return this.byName.get(name);
  }

  private rawOf(s: Signal, physical: number): number {
    return s.factor === 1 && s.offset === 0 ? physical : Math.round((physical - s.offset) / s.factor);
  }

  /** whether the multiplexer selects s, given decoded values (NaN floats are legitimate values) */
  private selected(s: Signal, out: Float64Array, depth = 0): boolean {
    if (s.multiplexer === undefined || s.multiplexerRanges === undefined) return true;
    const sw = this.signal(s.multiplexer);
    if (sw === undefined || sw === s) return true;
    if (depth > this.signals.length) return false; // a cycle of switches selects nothing
    const m = this.rawOf(sw, out[sw.index]!);
    return s.multiplexerRanges.some(([a, b]) => m >= a && m <= b) && this.selected(sw, out, depth + 1);
  }
}

export class Database implements DatabaseInfo {
  readonly file: string;
  readonly version: string | undefined;
  readonly nodes: readonly string[];
  readonly valueTables: ReadonlyMap<string, ReadonlyMap<number, string>>;
  readonly attributeDefinitions: ReadonlyMap<string, AttributeDefinition>;
  readonly attributes: ReadonlyMap<string, AttrValue>;
  readonly busComment: string | undefined;
  readonly problems: readonly DbcProblem[];
  readonly messages: readonly Message[];
  /** encoding the file was read with (set by loadDbc / parseDbcBytes) */
  encoding: DbcEncoding | undefined;
  private readonly byKey = new Map<number, Message>();
  private readonly byName = new Map<string, Message>();

  constructor(info: DatabaseInfo, messages: readonly Message[]) {
    this.file = info.file;
    this.version = info.version;
    this.nodes = info.nodes;
    this.valueTables = info.valueTables;
    this.attributeDefinitions = info.attributeDefinitions;
    this.attributes = info.attributes;
    this.busComment = info.busComment;
    this.problems = info.problems;
    this.messages = messages;
    for (const m of messages) {
      if (m.idValid) this.byKey.set(m.extended ? (m.id | 0x80000000) >>> 0 : m.id, m);
      this.byName.set(m.name, m);
    }
  }

  /** The message for a CAN id; ext: 29-bit id. Undefined when the DBC has none. */
  messageById(id: number, ext: boolean): Message | undefined {
    return this.byKey.get(ext ? (id | 0x80000000) >>> 0 : id);
  }

  messageByName(name: string): Message | undefined {
    return this.byName.get(name);
  }
}

/** Parses DBC text. Throws DbcSyntaxError (file:line:column, expected, found) when the text is not
 * DBC, DbcSemanticError when strict (default) and the layout is one cantools rejects. */
export function parseDbc(text: string, fileName = '<string>', opts: LoadOptions = {}): Database {
  const built = buildDatabase(parseDbcDocument(text, fileName));
  if (opts.strict !== false && built.info.problems.some((p) => p.severity === 'error')) throw new DbcSemanticError(built.info.problems);
  return new Database(built.info, built.messages.map((m) => new Message(m)));
}

/** Parses a DBC file's bytes (UTF-8, else cp1252). */
export function parseDbcBytes(bytes: Uint8Array, fileName: string, opts: LoadOptions = {}): Database {
  const { text, encoding } = decodeDbcBytes(bytes);
  const db = parseDbc(text, fileName, opts);
  db.encoding = encoding;
  return db;
}

export async function loadDbc(path: string, opts: LoadOptions = {}): Promise<Database> {
  return parseDbcBytes(await readFile(path), path, opts);
}

export function loadDbcSync(path: string, opts: LoadOptions = {}): Database {
  return parseDbcBytes(readFileSync(path), path, opts);
}
