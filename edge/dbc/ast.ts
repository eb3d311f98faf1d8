// What the DBC parser produces: the file's statements, close to the text, each with its position.
// Turning them into messages and signals (references, attributes, multiplexing, checks) is build.ts's job.

export interface Loc {
  line: number;
  column: number;
}

export interface AstSignal {
  name: string;
  /** multiplexer indicator as written: 'M', 'm3', 'm3M', or undefined */
  mux: string | undefined;
  start: number;
  length: number;
  /** DBC @0 = Motorola (big endian), @1 = Intel (little endian) */
  littleEndian: boolean;
  signed: boolean;
  factor: number;
  offset: number;
  min: number;
  max: number;
  /** false when written [0|0], which DBC tools use for "no range" */
  hasRange: boolean;
  unit: string;
  receivers: string[];
  loc: Loc;
}

export interface AstMessage {
  /** id as written: bit 31 flags an extended (29-bit) id */
  dbcId: number;
  name: string;
  length: number;
  sender: string;
  signals: AstSignal[];
  loc: Loc;
}

export type AstCommentTarget =
  | { kind: 'bus' }
  | { kind: 'node'; node: string }
  | { kind: 'message'; dbcId: number }
  | { kind: 'signal'; dbcId: number; signal: string }
  | { kind: 'envvar'; name: string };

export interface AstComment {
  target: AstCommentTarget;
  text: string;
  loc: Loc;
}

export type AttrObjectType = '' | 'BU_' | 'BO_' | 'SG_' | 'EV_' | 'BU_SG_REL_' | 'BU_BO_REL_' | 'BU_EV_REL_';

export interface AstAttrDef {
  objectType: AttrObjectType;
  name: string;
  /** INT, HEX, FLOAT, STRING or ENUM */
  type: string;
  numbers: number[];
  choices: string[];
  loc: Loc;
}

export interface AstAttrDefault {
  name: string;
  value: number | string;
  relation: boolean;
  loc: Loc;
}

export type AstAttrTarget =
  | { kind: 'db' }
  | { kind: 'node'; node: string }
  | { kind: 'message'; dbcId: number }
  | { kind: 'signal'; dbcId: number; signal: string }
  | { kind: 'envvar'; name: string };

export interface AstAttr {
  name: string;
  target: AstAttrTarget;
  value: number | string;
  loc: Loc;
}

export interface AstChoices {
  /** undefined for environment variable choices (VAL_ without message id) */
  dbcId: number | undefined;
  name: string;
  entries: Array<[number, string]>;
  /** name of a VAL_TABLE_ to use instead of entries (a non-cantools extension some tools write) */
  table: string | undefined;
  loc: Loc;
}

export interface AstValueTable {
  name: string;
  entries: Array<[number, string]>;
  loc: Loc;
}

export interface AstSigValType {
  dbcId: number;
  signal: string;
  /** 0 integer, 1 IEEE float, 2 IEEE double */
  type: number;
  loc: Loc;
}

export interface AstMuxValues {
  dbcId: number;
  signal: string;
  switchName: string;
  ranges: Array<[number, number]>;
  loc: Loc;
}

export interface AstSenders {
  dbcId: number;
  senders: string[];
  loc: Loc;
}

export interface AstSignalGroup {
  dbcId: number;
  name: string;
  repetitions: number;
  signals: string[];
  loc: Loc;
}

export interface AstSkipped {
  keyword: string;
  loc: Loc;
}

export interface DbcDocument {
  file: string;
  version: string | undefined;
  nodes: string[];
  valueTables: AstValueTable[];
  messages: AstMessage[];
  comments: AstComment[];
  attrDefs: AstAttrDef[];
  attrDefaults: AstAttrDefault[];
  attrs: AstAttr[];
  choices: AstChoices[];
  sigValTypes: AstSigValType[];
  muxValues: AstMuxValues[];
  senders: AstSenders[];
  signalGroups: AstSignalGroup[];
  envVars: string[];
  /** statements of known kinds this layer has no use for (skipped to their ';') */
  skipped: AstSkipped[];
  /** departures from the grammar that were accepted (reported as warnings) */
  quirks: Array<{ loc: Loc; message: string }>;
}
