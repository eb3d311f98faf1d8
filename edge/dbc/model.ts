// The decoded-ready view of a DBC file: messages and signals with everything decoding needs resolved
// (multiplexing, value types, choices, attributes with their defaults, positions in the source).

import type { SourcePos, DbcProblem } from './errors.js';
import type { Segment } from './layout.js';

export type ByteOrder = 'little_endian' | 'big_endian';
/** integer, or IEEE 754 single / double precision (SIG_VALTYPE_ 1 / 2) */
export type ValueType = 'integer' | 'float' | 'double';
export type AttrValue = number | string;

export interface Signal {
  readonly name: string;
  /** position in message.signals and in the decode output array */
  readonly index: number;
  readonly start: number;
  readonly length: number;
  readonly byteOrder: ByteOrder;
  readonly signed: boolean;
  readonly valueType: ValueType;
  readonly factor: number;
  readonly offset: number;
  /** physical range; undefined when the DBC says [0|0] (no range), as cantools */
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly unit: string;
  readonly receivers: readonly string[];
  readonly comment: string | undefined;
  /** value table (VAL_): raw value -> label */
  readonly choices: ReadonlyMap<number, string> | undefined;
  /** this signal selects other signals (M, or mNM in extended multiplexing) */
  readonly isMultiplexer: boolean;
  /** name of the multiplexer switch that selects this signal */
  readonly multiplexer: string | undefined;
  /** raw switch values (inclusive ranges) that select this signal */
  readonly multiplexerRanges: ReadonlyArray<readonly [number, number]> | undefined;
  /** GenSigStartValue (raw), if given */
  readonly initialRaw: number | undefined;
  /** J1939 SPN attribute, if given */
  readonly spn: number | undefined;
  readonly attributes: ReadonlyMap<string, AttrValue>;
  /** bytes the payload must have for this signal to be decoded */
  readonly bytesNeeded: number;
  readonly segments: readonly Segment[];
  readonly pos: SourcePos;
}

export interface MessageInfo {
  readonly name: string;
  /** CAN id without the DBC's extended flag */
  readonly id: number;
  readonly extended: boolean;
  /** id as written in the DBC (bit 31 set for extended ids) */
  readonly dbcId: number;
  /** payload length in bytes (up to 64 for CAN FD) */
  readonly length: number;
  /** VFrameFormat StandardCAN_FD / ExtendedCAN_FD */
  readonly fd: boolean;
  /** VFrameFormat J1939PG */
  readonly j1939: boolean;
  readonly senders: readonly string[];
  readonly comment: string | undefined;
  /** GenMsgCycleTime in ms (attribute or its default), undefined when 0 or not defined */
  readonly cycleTime: number | undefined;
  readonly sendType: string | undefined;
  readonly attributes: ReadonlyMap<string, AttrValue>;
  readonly signals: readonly Signal[];
  /** false when the id cannot be a CAN id (too wide): kept for inspection, never matched by id */
  readonly idValid: boolean;
  readonly pos: SourcePos;
}

export interface AttributeDefinition {
  readonly name: string;
  readonly objectType: string;
  readonly type: string;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly choices: readonly string[] | undefined;
  readonly default: AttrValue | undefined;
}

export interface DatabaseInfo {
  readonly file: string;
  readonly version: string | undefined;
  readonly nodes: readonly string[];
  readonly valueTables: ReadonlyMap<string, ReadonlyMap<number, string>>;
  readonly attributeDefinitions: ReadonlyMap<string, AttributeDefinition>;
  readonly attributes: ReadonlyMap<string, AttrValue>;
  readonly busComment: string | undefined;
  /** warnings (and, when loaded with strict: false, errors) found while building */
  readonly problems: readonly DbcProblem[];
}
