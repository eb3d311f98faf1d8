// DBC layer: parse DBC files into a Database of messages with compiled decoders and encoders.
export { Database, Message, loadDbc, loadDbcSync, parseDbc, parseDbcBytes } from './database.js';
export type { DecodeObjectOptions, DecodedValue, LoadOptions } from './database.js';
export { DecodeStatus, decoderSource, rawBigInt } from './decode.js';
export type { DecodeFn } from './decode.js';
export { EncodeError } from './encode.js';
export type { EncodeOptions, SignalInput } from './encode.js';
export { DbcSemanticError, DbcSyntaxError, formatProblem } from './errors.js';
export type { DbcProblem, SourcePos } from './errors.js';
export type { AttrValue, AttributeDefinition, ByteOrder, Signal, ValueType } from './model.js';
