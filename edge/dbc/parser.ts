// Recursive-descent DBC parser over the token arrays of lexer.ts. It accepts the grammar cantools
// accepts (statements in any order) and reports the first thing it cannot read as
// file:line:column with what was expected, like cantools' "Invalid syntax at line L, column C".

import type {
  AstAttr,
  AstAttrDef,
  AstAttrTarget,
  AstCommentTarget,
  AstMessage,
  AstSignal,
  AttrObjectType,
  DbcDocument,
  Loc,
} from './ast.js';
import { Tok, syntaxAt, tokenize, type Tokens } from './lexer.js';
import { DbcSyntaxError } from './errors.js';

const KEYWORDS = new Set([
  'BA_', 'BA_DEF_', 'BA_DEF_DEF_', 'BA_DEF_DEF_REL_', 'BA_DEF_REL_', 'BA_DEF_SGTYPE_', 'BA_REL_', 'BA_SGTYPE_',
  'BO_', 'BO_TX_BU_', 'BS_', 'BU_', 'BU_BO_REL_', 'BU_EV_REL_', 'BU_SG_REL_', 'CAT_', 'CAT_DEF_', 'CM_',
  'ENVVAR_DATA_', 'EV_', 'EV_DATA_', 'FILTER', 'NS_', 'NS_DESC_', 'SG_', 'SG_MUL_VAL_', 'SGTYPE_', 'SGTYPE_VAL_',
  'SIG_GROUP_', 'SIG_TYPE_REF_', 'SIG_VALTYPE_', 'SIGTYPE_VALTYPE_', 'VAL_', 'VAL_TABLE_', 'VERSION',
]);

/** Statements of the DBC format that say nothing about decoding: read up to their ';' and noted. */
const SKIPPED = new Set([
  'BA_DEF_SGTYPE_', 'BA_SGTYPE_', 'CAT_', 'CAT_DEF_', 'ENVVAR_DATA_', 'EV_DATA_', 'FILTER', 'SGTYPE_',
  'SGTYPE_VAL_', 'SIG_TYPE_REF_', 'SIGTYPE_VALTYPE_', 'BU_SG_REL_', 'BU_EV_REL_', 'BU_BO_REL_', 'NS_DESC_',
]);

const MUX_INDICATOR = /^(M|m\d+M?)$/;

export function parseDbcDocument(text: string, file: string): DbcDocument {
  return new Parser(tokenize(text, file)).document();
}

class Parser {
  private p = 0;
  private readonly doc: DbcDocument;

  constructor(private readonly t: Tokens) {
    this.doc = {
      file: t.file,
      version: undefined,
      nodes: [],
      valueTables: [],
      messages: [],
      comments: [],
      attrDefs: [],
      attrDefaults: [],
      attrs: [],
      choices: [],
      sigValTypes: [],
      muxValues: [],
      senders: [],
      signalGroups: [],
      envVars: [],
      skipped: [],
      quirks: [],
    };
  }

  document(): DbcDocument {
    const t = this.t;
    while (t.kind[this.p] !== Tok.EOF) {
      const kw = this.keyword();
      if (kw === undefined) this.fail('a DBC keyword (BO_, SG_, CM_, BA_, VAL_, ...)');
      const loc = this.loc();
      this.p++;
      switch (kw) {
        case 'VERSION':
          this.doc.version = this.string('the version string');
          break;
        case 'NS_':
          this.newSymbols();
          break;
        case 'BS_':
          this.busSpeed();
          break;
        case 'BU_':
          this.nodes();
          break;
        case 'VAL_TABLE_':
          this.valueTable(loc);
          break;
        case 'BO_':
          this.message(loc);
          break;
        case 'BO_TX_BU_':
          this.senders(loc);
          break;
        case 'CM_':
          this.comment(loc);
          break;
        case 'BA_DEF_':
        case 'BA_DEF_REL_':
          this.attrDef(loc, kw === 'BA_DEF_REL_');
          break;
        case 'BA_DEF_DEF_':
        case 'BA_DEF_DEF_REL_': {
          const name = this.string('the attribute name');
          const value = this.value();
          this.punct(';');
          this.doc.attrDefaults.push({ name, value, relation: kw === 'BA_DEF_DEF_REL_', loc });
          break;
        }
        case 'BA_':
          this.attr(loc);
          break;
        case 'BA_REL_':
          this.attrRel();
          break;
        case 'VAL_':
          this.choices(loc);
          break;
        case 'SIG_VALTYPE_': {
          const dbcId = this.uint('the message id');
          const signal = this.name('the signal name');
          if (this.isPunct(':')) this.p++;
          const type = this.uint('the value type (0 integer, 1 float, 2 double)');
          this.punct(';');
          this.doc.sigValTypes.push({ dbcId, signal, type, loc });
          break;
        }
        case 'SG_MUL_VAL_':
          this.muxValues(loc);
          break;
        case 'SIG_GROUP_':
          this.signalGroup(loc);
          break;
        case 'EV_':
          this.doc.envVars.push(this.name('the environment variable name'));
          this.skipStatement();
          break;
        case 'SG_':
          this.p--;
          this.fail('a message (BO_) before its signals');
          break;
        default:
          if (SKIPPED.has(kw)) {
            this.doc.skipped.push({ keyword: kw, loc });
            this.skipStatement();
          } else {
            this.p--;
            this.fail('a DBC statement');
          }
      }
    }
    return this.doc;
  }

  // --- statements --------------------------------------------------------------------------------

  private newSymbols(): void {
    // NS_ : followed by symbol names up to the next "X :" (cantools: AnyUntil(Sequence(Any(), ':')))
    this.punct(':');
    const t = this.t;
    while (t.kind[this.p] !== Tok.EOF && !this.isPunctAt(this.p + 1, ':')) {
      if (t.kind[this.p] !== Tok.WORD) this.fail('a symbol name in NS_');
      this.p++;
    }
  }

  private busSpeed(): void {
    this.punct(':');
    // optional "baudrate : btr1 , btr2 ;" (rare); cantools reads only "BS_:"
    if (this.t.kind[this.p] === Tok.NUMBER) {
      while (this.t.kind[this.p] === Tok.NUMBER || this.isPunct(':') || this.isPunct(',')) this.p++;
      if (this.isPunct(';')) this.p++;
    }
  }

  private nodes(): void {
    this.punct(':');
    while (this.isName()) this.doc.nodes.push(this.text(this.p++));
  }

  private valueTable(loc: Loc): void {
    const name = this.name('the value table name');
    const entries = this.entries();
    this.punct(';');
    this.doc.valueTables.push({ name, entries, loc });
  }

  private message(loc: Loc): void {
    const dbcId = this.uint('the message id');
    const name = this.name('the message name');
    this.punct(':');
    const length = this.uint('the message length in bytes');
    // the sender is mandatory in the grammar; a missing one reads as Vector__XXX (no sender)
    const sender = this.isName() ? this.text(this.p++) : 'Vector__XXX';
    const msg: AstMessage = { dbcId, name, length, sender, signals: [], loc };
    while (this.keyword() === 'SG_') {
      const sloc = this.loc();
      this.p++;
      msg.signals.push(this.signal(sloc));
    }
    this.doc.messages.push(msg);
  }

  private signal(loc: Loc): AstSignal {
    const name = this.name('the signal name');
    let mux: string | undefined;
    if (!this.isPunct(':')) {
      const at = this.p;
      const m = this.isName() ? this.text(this.p) : '';
      if (!MUX_INDICATOR.test(m)) {
        this.p = at;
        this.fail("':' or a multiplexer indicator (M, m<value>, m<value>M)");
      }
      mux = m;
      this.p++;
    }
    this.punct(':');
    const start = this.uint('the start bit');
    this.punct('|');
    const length = this.uint('the signal length in bits');
    this.punct('@');
    const order = this.uint('the byte order (0 Motorola, 1 Intel)');
    if (order !== 0 && order !== 1) {
      this.p--;
      this.fail('the byte order 0 (Motorola) or 1 (Intel)');
    }
    let signed: boolean;
    if (this.isPunct('+')) signed = false;
    else if (this.isPunct('-')) signed = true;
    else this.fail("'+' (unsigned) or '-' (signed)");
    this.p++;
    this.punct('(');
    const factor = this.number('the factor');
    this.punct(',');
    const offset = this.number('the offset');
    this.punct(')');
    this.punct('[');
    const minText = this.text(this.p);
    const min = this.number('the minimum');
    this.punct('|');
    const maxText = this.text(this.p);
    const max = this.number('the maximum');
    this.punct(']');
    const unit = this.string('the unit string');
    const receivers: string[] = [];
    for (;;) {
      if (this.isName()) receivers.push(this.text(this.p++));
      else if (this.isPunct(',')) this.p++;
      else break;
    }
    return {
      name,
      mux,
      start,
      length,
      littleEndian: order === 1,
      signed,
      factor,
      offset,
      min,
      max,
      hasRange: !(minText === '0' && maxText === '0'),
      unit,
      receivers,
      loc,
    };
  }

  private senders(loc: Loc): void {
    const dbcId = this.uint('the message id');
    this.punct(':');
    const senders: string[] = [];
    while (!this.isPunct(';')) {
      if (this.isName()) senders.push(this.text(this.p++));
      else if (this.isPunct(',')) this.p++;
      else this.fail("a node name or ';'");
    }
    this.p++;
    this.doc.senders.push({ dbcId, senders, loc });
  }

  private comment(loc: Loc): void {
    let target: AstCommentTarget;
    const kw = this.keyword();
    if (this.t.kind[this.p] === Tok.STRING) target = { kind: 'bus' };
    else if (kw === 'SG_') {
      this.p++;
      const dbcId = this.uint('the message id');
      if (this.t.kind[this.p] === Tok.STRING) {
        // opendbc quirk: "CM_ SG_ <id> "text";" without a signal name; read as the message's comment
        this.doc.quirks.push({ loc: this.loc(), message: 'CM_ SG_ without a signal name; taken as the message comment' });
        target = { kind: 'message', dbcId };
      } else target = { kind: 'signal', dbcId, signal: this.name('the signal name') };
    } else if (kw === 'BO_') {
      this.p++;
      target = { kind: 'message', dbcId: this.uint('the message id') };
    } else if (kw === 'BU_') {
      this.p++;
      target = { kind: 'node', node: this.name('the node name') };
    } else if (kw === 'EV_') {
      this.p++;
      target = { kind: 'envvar', name: this.name('the environment variable name') };
    } else this.fail('the comment string or BU_, BO_, SG_, EV_');
    const text = this.string('the comment string');
    this.punct(';');
    this.doc.comments.push({ target, text, loc });
  }

  private attrDef(loc: Loc, relation: boolean): void {
    let objectType: AttrObjectType = '';
    const kw = this.keyword();
    if (!relation && (kw === 'SG_' || kw === 'BO_' || kw === 'EV_' || kw === 'BU_')) {
      objectType = kw;
      this.p++;
    } else if (relation && (kw === 'BU_SG_REL_' || kw === 'BU_BO_REL_' || kw === 'BU_EV_REL_')) {
      objectType = kw;
      this.p++;
    }
    const name = this.string('the attribute name');
    const type = this.name('the attribute type (INT, HEX, FLOAT, STRING, ENUM)');
    const def: AstAttrDef = { objectType, name, type, numbers: [], choices: [], loc };
    for (;;) {
      const k = this.t.kind[this.p];
      if (k === Tok.NUMBER) def.numbers.push(this.number('a number'));
      else if (k === Tok.STRING) def.choices.push(this.string('an enum value'));
      else if (this.isPunct(',')) this.p++;
      else break;
    }
    this.punct(';');
    this.doc.attrDefs.push(def);
  }

  private attr(loc: Loc): void {
    const name = this.string('the attribute name');
    let target: AstAttrTarget = { kind: 'db' };
    const kw = this.keyword();
    if (kw === 'BU_') {
      this.p++;
      target = { kind: 'node', node: this.name('the node name') };
    } else if (kw === 'BO_') {
      this.p++;
      target = { kind: 'message', dbcId: this.uint('the message id') };
    } else if (kw === 'SG_') {
      this.p++;
      const dbcId = this.uint('the message id');
      target = { kind: 'signal', dbcId, signal: this.name('the signal name') };
    } else if (kw === 'EV_') {
      this.p++;
      target = { kind: 'envvar', name: this.name('the environment variable name') };
    }
    const value = this.value();
    this.punct(';');
    const a: AstAttr = { name, target, value, loc };
    this.doc.attrs.push(a);
  }

  private attrRel(): void {
    this.string('the attribute name');
    const kw = this.keyword();
    if (kw === 'BU_SG_REL_') {
      this.p++;
      this.name('the node name');
      if (this.keyword() !== 'SG_') this.fail('SG_');
      this.p++;
      this.uint('the message id');
      this.name('the signal name');
    } else if (kw === 'BU_BO_REL_') {
      this.p++;
      this.name('the node name');
      this.uint('the message id');
    } else if (kw === 'BU_EV_REL_') {
      this.p++;
      this.name('the node name');
      this.name('the environment variable name');
    } else this.fail('BU_SG_REL_, BU_BO_REL_ or BU_EV_REL_');
    this.value();
    this.punct(';');
  }

  private choices(loc: Loc): void {
    let dbcId: number | undefined;
    if (this.t.kind[this.p] === Tok.NUMBER) dbcId = this.uint('the message id');
    const name = this.name('the signal name');
    const entries = this.entries();
    // some tools write "VAL_ <id> <signal> <VAL_TABLE_ name> ;" to reuse a value table
    const table = entries.length === 0 && this.isName() ? this.text(this.p++) : undefined;
    this.punct(';');
    this.doc.choices.push({ dbcId, name, entries, table, loc });
  }

  private muxValues(loc: Loc): void {
    const dbcId = this.uint('the message id');
    const signal = this.name('the signal name');
    const switchName = this.name('the multiplexer switch name');
    const ranges: Array<[number, number]> = [];
    for (;;) {
      const lo = this.int('the first value of a multiplexer range (a-b)');
      let hi: number;
      if (this.isPunct('-')) {
        this.p++;
        hi = this.uint('the last value of a multiplexer range (a-b)');
      } else {
        // "3-5" tokenizes as 3 and -5
        const at = this.p;
        const v = this.int('the last value of a multiplexer range (a-b)');
        if (!this.text(at).startsWith('-')) {
          this.p = at;
          this.fail("'-' and the last value of a multiplexer range (a-b)");
        }
        hi = -v;
      }
      ranges.push([lo, hi]);
      if (this.isPunct(',')) {
        this.p++;
        continue;
      }
      break;
    }
    this.punct(';');
    this.doc.muxValues.push({ dbcId, signal, switchName, ranges, loc });
  }

  private signalGroup(loc: Loc): void {
    const dbcId = this.uint('the message id');
    const name = this.name('the signal group name');
    const repetitions = this.uint('the repetitions');
    this.punct(':');
    const signals: string[] = [];
    while (!this.isPunct(';')) {
      if (this.isName()) signals.push(this.text(this.p++));
      else if (this.isPunct(',')) this.p++;
      else this.fail("a signal name or ';'");
    }
    this.p++;
    this.doc.signalGroups.push({ dbcId, name, repetitions, signals, loc });
  }

  private skipStatement(): void {
    while (!this.isPunct(';')) {
      if (this.t.kind[this.p] === Tok.EOF) this.fail("';' to end the statement");
      this.p++;
    }
    this.p++;
  }

  // --- token helpers -----------------------------------------------------------------------------

  private entries(): Array<[number, string]> {
    const out: Array<[number, string]> = [];
    while (this.t.kind[this.p] === Tok.NUMBER) {
      const v = this.number('a value');
      out.push([v, this.string('the value description string')]);
    }
    return out;
  }

  private value(): number | string {
    const k = this.t.kind[this.p];
    if (k === Tok.NUMBER) return this.number('a value');
    if (k === Tok.STRING) return this.string('a value');
    return this.fail('a number or a string');
  }

  private text(i: number): string {
    return this.t.text.slice(this.t.start[i], this.t.end[i]);
  }

  private loc(): Loc {
    return { line: this.t.line[this.p]!, column: this.t.col[this.p]! };
  }

  private keyword(): string | undefined {
    if (this.t.kind[this.p] !== Tok.WORD) return undefined;
    const w = this.text(this.p);
    return KEYWORDS.has(w) ? w : undefined;
  }

  /** a name: a WORD that is no keyword, or a plain run of digits */
  private isName(): boolean {
    const k = this.t.kind[this.p];
    if (k === Tok.WORD) return !KEYWORDS.has(this.text(this.p));
    if (k === Tok.NUMBER) return /^\d+$/.test(this.text(this.p));
    return false;
  }

  private isPunct(ch: string): boolean {
    return this.isPunctAt(this.p, ch);
  }

  private isPunctAt(i: number, ch: string): boolean {
    return this.t.kind[i] === Tok.PUNCT && this.t.text.charCodeAt(this.t.start[i]!) === ch.charCodeAt(0);
  }

  private punct(ch: string): void {
    if (!this.isPunct(ch)) this.fail(`'${ch}'`);
    this.p++;
  }

  private name(what: string): string {
    if (!this.isName()) this.fail(what);
    return this.text(this.p++);
  }

  private string(what: string): string {
    if (this.t.kind[this.p] !== Tok.STRING) this.fail(what);
    const s = this.t.text.slice(this.t.start[this.p]! + 1, this.t.end[this.p]! - 1);
    this.p++;
    return s.includes('\\"') ? s.replace(/\\"/g, '"') : s;
  }

  private number(what: string): number {
    if (this.t.kind[this.p] !== Tok.NUMBER) this.fail(what);
    return Number(this.text(this.p++));
  }

  private int(what: string): number {
    if (this.t.kind[this.p] !== Tok.NUMBER || !/^[-+]?\d+$/.test(this.text(this.p))) this.fail(`${what} (an integer)`);
    return Number(this.text(this.p++));
  }

  private uint(what: string): number {
    if (this.t.kind[this.p] !== Tok.NUMBER || !/^\+?\d+$/.test(this.text(this.p))) this.fail(`${what} (an unsigned integer)`);
    return Number(this.text(this.p++));
  }

  private fail(expected: string): never {
    const t = this.t;
    const i = this.p;
    throw syntaxAt(t.text, t.file, t.start[i]!, t.line[i]!, t.col[i]!, expected, this.describe(i));
  }

  private describe(i: number): string {
    const t = this.t;
    switch (t.kind[i]) {
      case Tok.EOF:
        return 'end of file';
      case Tok.STRING: {
        const s = this.text(i);
        return `string ${s.length > 40 ? s.slice(0, 40) + '..."' : s}`;
      }
      case Tok.NUMBER:
        return `number ${this.text(i)}`;
      case Tok.PUNCT:
        return `'${this.text(i)}'`;
      default:
        return KEYWORDS.has(this.text(i)) ? `keyword ${this.text(i)}` : `name ${this.text(i)}`;
    }
  }
}

export { DbcSyntaxError };
