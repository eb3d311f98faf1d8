// From parsed statements to messages and signals: resolves references by id and name, attribute
// values and defaults (VFrameFormat, GenMsgCycleTime, GenSigStartValue, long names), value tables,
// IEEE value types and multiplexing (simple M/mN and extended SG_MUL_VAL_), then checks the layout
// the way cantools' strict load does (id width, signals inside the message, no overlaps within one
// multiplexer branch). Semantics follow cantools' DBC loader; see DESIGN.md for the differences.

import type { AstAttrDef, AstMessage, AstSignal, DbcDocument, Loc } from './ast.js';
import type { DbcProblem, Severity } from './errors.js';
import { layoutEnd, layoutStart, payloadBits, segmentsOf } from './layout.js';
import type { AttrValue, AttributeDefinition, DatabaseInfo, MessageInfo, Signal, ValueType } from './model.js';

export interface Built {
  info: DatabaseInfo;
  messages: MessageInfo[];
}

type Problems = DbcProblem[];

function key2(a: number, b: string): string {
  return `${a}\u0000${b}`;
}

export function buildDatabase(doc: DbcDocument): Built {
  const problems: Problems = [];
  const file = doc.file;
  const report = (severity: Severity, loc: Loc, message: string): void => {
    problems.push({ severity, file, line: loc.line, column: loc.column, message });
  };

  for (const q of doc.quirks) report('warning', q.loc, q.message);

  // --- attribute definitions, defaults, values --------------------------------------------------
  const defs = new Map<string, AstAttrDef>();
  for (const d of doc.attrDefs) if (!d.objectType.endsWith('_REL_')) defs.set(d.name, d);
  const defaults = new Map<string, AttrValue>();
  for (const d of doc.attrDefaults) if (!d.relation) defaults.set(d.name, d.value);

  const normalize = (name: string, v: AttrValue): AttrValue => {
    const def = defs.get(name);
    if (def === undefined) return v;
    if (def.type === 'ENUM' && typeof v === 'number') return def.choices[v] ?? v;
    if ((def.type === 'INT' || def.type === 'HEX' || def.type === 'FLOAT') && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return v;
  };

  const attributeDefinitions = new Map<string, AttributeDefinition>();
  for (const d of defs.values()) {
    const dflt = defaults.get(d.name);
    attributeDefinitions.set(d.name, {
      name: d.name,
      objectType: d.objectType,
      type: d.type,
      min: d.numbers[0],
      max: d.numbers[1],
      choices: d.type === 'ENUM' ? d.choices : undefined,
      default: dflt === undefined ? undefined : normalize(d.name, dflt),
    });
  }

  const dbAttrs = new Map<string, AttrValue>();
  const nodeAttrs = new Map<string, Map<string, AttrValue>>();
  const msgAttrs = new Map<number, Map<string, AttrValue>>();
  const sigAttrs = new Map<string, Map<string, AttrValue>>();
  const bucket = <K>(m: Map<K, Map<string, AttrValue>>, k: K): Map<string, AttrValue> => {
    let b = m.get(k);
    if (b === undefined) m.set(k, (b = new Map()));
    return b;
  };
  for (const a of doc.attrs) {
    const v = normalize(a.name, a.value);
    const t = a.target;
    if (t.kind === 'db') dbAttrs.set(a.name, v);
    else if (t.kind === 'node') bucket(nodeAttrs, t.node).set(a.name, v);
    else if (t.kind === 'message') bucket(msgAttrs, t.dbcId).set(a.name, v);
    else if (t.kind === 'signal') bucket(sigAttrs, key2(t.dbcId, t.signal)).set(a.name, v);
  }
  const withDefaults = (own: Map<string, AttrValue> | undefined, objectType: string): Map<string, AttrValue> => {
    const out = new Map<string, AttrValue>();
    for (const d of attributeDefinitions.values()) if (d.objectType === objectType && d.default !== undefined) out.set(d.name, d.default);
    if (own) for (const [k, v] of own) out.set(k, v);
    return out;
  };
  const nodeName = (n: string): string => {
    const long = nodeAttrs.get(n)?.get('SystemNodeLongSymbol');
    return typeof long === 'string' && long !== '' ? long : n;
  };

  // --- messages by DBC id (references below point at them) --------------------------------------
  const astById = new Map<number, AstMessage>();
  for (const m of doc.messages) astById.set(m.dbcId, m);
  const hasSignal = (dbcId: number, name: string): boolean => astById.get(dbcId)?.signals.some((s) => s.name === name) ?? false;
  const checkRef = (dbcId: number, signal: string | undefined, loc: Loc, what: string): boolean => {
    if (!astById.has(dbcId)) {
      report('warning', loc, `${what} refers to message id ${dbcId}, which is not defined`);
      return false;
    }
    if (signal !== undefined && !hasSignal(dbcId, signal)) {
      report('warning', loc, `${what} refers to signal ${signal} of message ${astById.get(dbcId)!.name}, which is not defined`);
      return false;
    }
    return true;
  };

  // --- comments ------------------------------------------------------------------------------------
  let busComment: string | undefined;
  const msgComments = new Map<number, string>();
  const sigComments = new Map<string, string>();
  for (const c of doc.comments) {
    const t = c.target;
    if (t.kind === 'bus') busComment = (busComment ?? '') + c.text; // CANdb++ concatenates bus comments
    else if (t.kind === 'message') {
      if (checkRef(t.dbcId, undefined, c.loc, 'CM_ BO_')) msgComments.set(t.dbcId, c.text);
    } else if (t.kind === 'signal') {
      if (checkRef(t.dbcId, t.signal, c.loc, 'CM_ SG_')) sigComments.set(key2(t.dbcId, t.signal), c.text);
    }
  }

  // --- value tables and choices --------------------------------------------------------------------
  const valueTables = new Map<string, ReadonlyMap<number, string>>();
  for (const vt of doc.valueTables) valueTables.set(vt.name, new Map(vt.entries));
  const choices = new Map<string, ReadonlyMap<number, string>>();
  for (const c of doc.choices) {
    if (c.dbcId === undefined) continue; // environment variable choices
    if (!checkRef(c.dbcId, c.name, c.loc, 'VAL_')) continue;
    if (c.table !== undefined) {
      const vt = valueTables.get(c.table);
      if (vt === undefined) report('warning', c.loc, `VAL_ refers to value table ${c.table}, which is not defined`);
      else choices.set(key2(c.dbcId, c.name), vt);
    } else if (c.entries.length > 0) choices.set(key2(c.dbcId, c.name), new Map(c.entries));
  }

  // --- value types, senders, extended multiplexing -------------------------------------------------
  const valTypes = new Map<string, { type: number; loc: Loc }>();
  for (const v of doc.sigValTypes) if (checkRef(v.dbcId, v.signal, v.loc, 'SIG_VALTYPE_')) valTypes.set(key2(v.dbcId, v.signal), v);
  const extraSenders = new Map<number, string[]>();
  for (const s of doc.senders) {
    if (!checkRef(s.dbcId, undefined, s.loc, 'BO_TX_BU_')) continue;
    const list = extraSenders.get(s.dbcId) ?? [];
    list.push(...s.senders);
    extraSenders.set(s.dbcId, list);
  }
  const muxVals = new Map<string, { switchName: string; ranges: Array<[number, number]>; loc: Loc }>();
  for (const mv of doc.muxValues) {
    if (!checkRef(mv.dbcId, mv.signal, mv.loc, 'SG_MUL_VAL_')) continue;
    if (!hasSignal(mv.dbcId, mv.switchName)) {
      report('warning', mv.loc, `SG_MUL_VAL_ names switch ${mv.switchName}, which is not a signal of message ${astById.get(mv.dbcId)!.name}`);
      continue;
    }
    const k = key2(mv.dbcId, mv.signal);
    const prev = muxVals.get(k);
    if (prev !== undefined && prev.switchName === mv.switchName) prev.ranges.push(...mv.ranges);
    else muxVals.set(k, { switchName: mv.switchName, ranges: [...mv.ranges], loc: mv.loc });
  }

  // --- messages ------------------------------------------------------------------------------------
  const messages: MessageInfo[] = [];
  for (const m of doc.messages) {
    // signals not assigned to any message (CANdb++'s pseudo message); cantools discards them too
    if (m.name === 'VECTOR__INDEPENDENT_SIG_MSG') continue;
    const own = msgAttrs.get(m.dbcId);
    const attributes = withDefaults(own, 'BO_');
    const extended = m.dbcId >= 0x80000000;
    const id = m.dbcId & 0x7fffffff;
    const longName = own?.get('SystemMessageLongSymbol');
    const name = typeof longName === 'string' && longName !== '' ? longName : m.name;
    const format = frameFormat(attributes.get('VFrameFormat'));
    const fd = typeof format === 'string' && format.endsWith('CAN_FD');
    const j1939 = format === 'J1939PG';
    const cycleDef = attributeDefinitions.get('GenMsgCycleTime');
    const cycle = cycleDef === undefined ? undefined : attributes.get('GenMsgCycleTime');
    const sendType = attributes.get('GenMsgSendType');
    const senders: string[] = [];
    for (const s of [m.sender, ...(extraSenders.get(m.dbcId) ?? [])]) {
      const n = nodeName(s);
      if (!senders.includes(n)) senders.push(n);
    }
    if (senders.length === 1 && senders[0] === 'Vector__XXX') senders.length = 0;

    let idValid = true;
    if (extended && id > 0x1fffffff) {
      report('error', m.loc, `Extended frame id 0x${id.toString(16)} is more than 29 bits in message ${name}.`);
      idValid = false;
    } else if (!extended && id > 0x7ff) {
      report('error', m.loc, `Standard frame id 0x${id.toString(16)} is more than 11 bits in message ${name}.`);
      idValid = false;
    }
    if (m.length > 64) report('warning', m.loc, `message ${name} is ${m.length} bytes long; CAN FD frames carry at most 64`);

    const signals = buildSignals(m, name, report, {
      file,
      sigAttrs,
      sigComments,
      choices,
      valTypes,
      muxVals,
      withDefaults,
      nodeName,
    });
    checkLayout(m.length, name, signals, report);

    messages.push({
      name,
      id,
      extended,
      dbcId: m.dbcId,
      length: m.length,
      fd,
      j1939,
      senders,
      comment: msgComments.get(m.dbcId),
      cycleTime: typeof cycle === 'number' && cycle !== 0 ? cycle : undefined,
      sendType: sendType === undefined ? undefined : String(sendType),
      attributes,
      signals,
      idValid,
      pos: { file, line: m.loc.line, column: m.loc.column },
    });
  }

  return {
    info: {
      file,
      version: doc.version,
      nodes: doc.nodes.map(nodeName),
      valueTables,
      attributeDefinitions,
      attributes: withDefaults(dbAttrs, ''),
      busComment,
      problems,
    },
    messages,
  };
}

/** Bits beyond which a signal's layout is not even computed (8x a 64-byte CAN FD payload). */
const MAX_BITS = 4096;

/** VFrameFormat's standard enumeration, for files that define the attribute as INT (vframeformat_int.dbc). */
const FRAME_FORMATS: Record<number, string> = { 0: 'StandardCAN', 1: 'ExtendedCAN', 3: 'J1939PG', 14: 'StandardCAN_FD', 15: 'ExtendedCAN_FD' };

function frameFormat(v: AttrValue | undefined): string | undefined {
  if (typeof v === 'number') return FRAME_FORMATS[v];
  return v;
}

interface SignalContext {
  file: string;
  sigAttrs: Map<string, Map<string, AttrValue>>;
  sigComments: Map<string, string>;
  choices: Map<string, ReadonlyMap<number, string>>;
  valTypes: Map<string, { type: number; loc: Loc }>;
  muxVals: Map<string, { switchName: string; ranges: Array<[number, number]>; loc: Loc }>;
  withDefaults: (own: Map<string, AttrValue> | undefined, objectType: string) => Map<string, AttrValue>;
  nodeName: (n: string) => string;
}

function buildSignals(m: AstMessage, msgName: string, report: (s: Severity, l: Loc, msg: string) => void, cx: SignalContext): Signal[] {
  // one switch marked M: simple multiplexing; several: extended, where SG_MUL_VAL_ says who selects whom
  const switches = m.signals.filter((s) => s.mux !== undefined && s.mux.endsWith('M'));
  const simpleSwitch = switches.length === 1 ? switches[0]!.name : undefined;
  const out: Signal[] = [];
  const seen = new Set<string>();
  m.signals.forEach((s: AstSignal, index: number) => {
    const k = key2(m.dbcId, s.name);
    if (seen.has(s.name)) report('warning', s.loc, `signal ${s.name} is defined twice in message ${msgName}`);
    seen.add(s.name);
    const own = cx.sigAttrs.get(k);
    const attributes = cx.withDefaults(own, 'SG_');
    const longName = own?.get('SystemSignalLongSymbol');
    const name = typeof longName === 'string' && longName !== '' ? longName : s.name;

    let valueType: ValueType = 'integer';
    const vt = cx.valTypes.get(k);
    if (vt !== undefined && (vt.type === 1 || vt.type === 2)) {
      const want = vt.type === 1 ? 32 : 64;
      if (s.length !== want) report('error', vt.loc, `The signal ${name} is IEEE ${vt.type === 1 ? 'float' : 'double'} but ${s.length} bits long (must be ${want}) in message ${msgName}.`);
      else valueType = vt.type === 1 ? 'float' : 'double';
    }

    const isMultiplexer = s.mux !== undefined && s.mux.endsWith('M');
    let multiplexer: string | undefined;
    const ranges: Array<[number, number]> = [];
    const mv = cx.muxVals.get(k);
    if (simpleSwitch !== undefined) {
      if (s.mux !== undefined && s.name !== simpleSwitch) {
        multiplexer = simpleSwitch;
        const plain = /^m(\d+)$/.exec(s.mux);
        if (plain) ranges.push([Number(plain[1]), Number(plain[1])]);
        if (mv !== undefined && mv.switchName === simpleSwitch) ranges.push(...mv.ranges);
      }
    } else if (s.mux !== undefined && mv !== undefined) {
      multiplexer = mv.switchName;
      ranges.push(...mv.ranges);
    }
    if (multiplexer === s.name) {
      report('warning', mv?.loc ?? s.loc, `signal ${name} of message ${msgName} names itself as its multiplexer; it is decoded always`);
      multiplexer = undefined;
    } else if (multiplexer !== undefined && ranges.length === 0) {
      report('warning', s.loc, `signal ${name} of message ${msgName} is multiplexed by ${multiplexer} but no value selects it; it is decoded always`);
      multiplexer = undefined;
    }
    if (s.length === 0) report('error', s.loc, `The signal ${name} length 0 is not greater than 0 in message ${msgName}.`);

    // a start or length no payload can hold (CAN FD carries 512 bits) gets no layout at all, so
    // absurd numbers in a broken file cannot make us allocate; checkLayout reports it as not fitting
    const absurd = s.start + s.length > MAX_BITS;
    const segments = s.length === 0 || absurd ? [] : segmentsOf(s.start, s.length, s.littleEndian);
    if (!Number.isFinite(s.factor) || !Number.isFinite(s.offset)) {
      report('error', s.loc, `The signal ${name} has a scale or offset that is not a finite number in message ${msgName}.`);
    }
    const start = attributes.get('GenSigStartValue');
    const spn = attributes.get('SPN');
    out.push({
      name,
      index,
      start: s.start,
      length: s.length,
      byteOrder: s.littleEndian ? 'little_endian' : 'big_endian',
      signed: s.signed,
      valueType,
      factor: s.factor,
      offset: s.offset,
      min: s.hasRange ? s.min : undefined,
      max: s.hasRange ? s.max : undefined,
      unit: s.unit,
      receivers: s.receivers.filter((r) => r !== 'Vector__XXX').map(cx.nodeName),
      comment: cx.sigComments.get(k),
      choices: cx.choices.get(k),
      isMultiplexer,
      multiplexer,
      multiplexerRanges: multiplexer === undefined ? undefined : ranges,
      initialRaw: typeof start === 'number' ? start : undefined,
      spn: typeof spn === 'number' ? spn : undefined,
      attributes,
      bytesNeeded: absurd ? Number.MAX_SAFE_INTEGER : segments.reduce((a, g) => Math.max(a, g.byte + 1), 0),
      segments,
      pos: { file: cx.file, line: s.loc.line, column: s.loc.column },
    });
  });
  return out;
}

/** cantools' strict layout check: every signal inside the message, no two signals of one
 * multiplexer branch (plus the signals outside multiplexing) sharing a bit. */
function checkLayout(length: number, msgName: string, signals: Signal[], report: (s: Severity, l: Loc, msg: string) => void): void {
  const nbits = Math.min(length, MAX_BITS / 8) * 8;
  const sorted = [...signals].sort((a, b) => layoutStart(a.start, a.byteOrder === 'little_endian') - layoutStart(b.start, b.byteOrder === 'little_endian'));
  const byName = new Map(signals.map((s) => [s.name, s]));
  const reported = new Set<string>();
  const loc = (s: Signal): Loc => ({ line: s.pos.line, column: s.pos.column });

  const checkSignal = (bits: Array<Signal | undefined>, s: Signal): void => {
    if (s.length === 0) return;
    if (s.segments.length === 0 || layoutEnd(s.start, s.length, s.byteOrder === 'little_endian') > nbits) {
      if (!reported.has(s.name)) report('error', loc(s), `The signal ${s.name} does not fit in message ${msgName}.`);
      reported.add(s.name);
      return;
    }
    for (const b of payloadBits(s.segments)) {
      const other = bits[b];
      if (other !== undefined && other !== s) {
        const k = `${s.name}\u0000${other.name}`;
        if (!reported.has(k)) report('error', loc(s), `The signals ${s.name} and ${other.name} are overlapping in message ${msgName}.`);
        reported.add(k);
        return;
      }
      bits[b] = s;
    }
  };
  const childrenOf = (sw: Signal): Signal[] => sorted.filter((c) => c !== sw && c.multiplexer === sw.name);
  const checkTree = (bits: Array<Signal | undefined>, level: Signal[], depth: number): void => {
    for (const s of level) {
      const kids = s.isMultiplexer && depth < 16 ? childrenOf(s) : [];
      checkSignal(bits, s);
      if (kids.length === 0) continue;
      const base = bits.slice();
      const ids = new Set<number>();
      for (const c of kids) for (const [a, b] of c.multiplexerRanges!) for (let v = a; v <= b && ids.size < 4096; v++) ids.add(v);
      for (const v of [...ids].sort((x, y) => x - y)) {
        const branch = base.slice();
        checkTree(branch, kids.filter((c) => c.multiplexerRanges!.some(([a, b]) => v >= a && v <= b)), depth + 1);
        branch.forEach((x, i) => {
          if (x !== undefined) bits[i] = x;
        });
      }
    }
  };
  const top = sorted.filter((s) => s.multiplexer === undefined || !byName.has(s.multiplexer));
  checkTree(new Array<Signal | undefined>(nbits).fill(undefined), top, 0);
}
