// DBC tokenizer: one pass over the text into typed arrays (no object per token), positions kept for
// error messages. Token classes follow cantools' tokenizer (NUMBER, WORD, STRING, punctuation) with a
// few real-world allowances: any control character, NBSP or BOM counts as whitespace, `//` comments
// run to the end of the line, and a digit-led name such as `2ndGear` is a WORD, not NUMBER + WORD.

import { DbcSyntaxError } from './errors.js';

export const enum Tok {
  EOF = 0,
  WORD = 1,
  NUMBER = 2,
  STRING = 3,
  /** one of ( ) [ ] , @ ; : | + - */
  PUNCT = 4,
}

export interface Tokens {
  readonly text: string;
  readonly file: string;
  readonly count: number;
  readonly kind: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly line: Int32Array;
  readonly col: Int32Array;
}

const PUNCT = new Set(['(', ')', '[', ']', ',', '@', ';', ':', '|', '+', '-'].map((c) => c.charCodeAt(0)));

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isSpace(c: number): boolean {
  return c <= 32 || c === 0x7f || c === 0xa0 || c === 0xfeff || c === 0x85 || c === 0x2028 || c === 0x2029;
}

export function tokenize(text: string, file: string): Tokens {
  let cap = Math.max(64, text.length >> 2);
  let kind = new Uint8Array(cap);
  let start = new Int32Array(cap);
  let end = new Int32Array(cap);
  let lineA = new Int32Array(cap);
  let colA = new Int32Array(cap);
  let n = 0;
  let line = 1;
  let lineStart = 0;
  const len = text.length;
  let i = 0;

  const push = (k: Tok, s: number, e: number, l: number, c: number): void => {
    if (n === cap) {
      cap *= 2;
      const grow = <T extends Uint8Array | Int32Array>(a: T, b: T): T => {
        b.set(a as never);
        return b;
      };
      kind = grow(kind, new Uint8Array(cap));
      start = grow(start, new Int32Array(cap));
      end = grow(end, new Int32Array(cap));
      lineA = grow(lineA, new Int32Array(cap));
      colA = grow(colA, new Int32Array(cap));
    }
    kind[n] = k;
    start[n] = s;
    end[n] = e;
    lineA[n] = l;
    colA[n] = c;
    n++;
  };

  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      // `//` comment to the end of the line
      while (i < len && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 34) {
      // "string", \" escapes a quote; may span lines
      const s = i;
      const l = line;
      i++;
      for (;;) {
        if (i >= len) {
          throw syntaxAt(text, file, s, l, col, 'a closing \'"\' for the string opened here', 'end of file');
        }
        const d = text.charCodeAt(i);
        if (d === 92 && text.charCodeAt(i + 1) === 34) {
          i += 2;
          continue;
        }
        if (d === 10) {
          line++;
          lineStart = i + 1;
        }
        i++;
        if (d === 34) break;
      }
      push(Tok.STRING, s, i, l, col);
      continue;
    }
    const signed = (c === 43 || c === 45) && (isDigit(text.charCodeAt(i + 1)) || (text.charCodeAt(i + 1) === 46 && isDigit(text.charCodeAt(i + 2))));
    if (isDigit(c) || signed || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      const s = i;
      let plain = !signed;
      if (signed) i++;
      while (isDigit(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 46) {
        plain = false;
        i++;
        while (isDigit(text.charCodeAt(i))) i++;
      }
      const e = text.charCodeAt(i);
      if (e === 101 || e === 69) {
        const e1 = text.charCodeAt(i + 1);
        if (isDigit(e1) || ((e1 === 43 || e1 === 45) && isDigit(text.charCodeAt(i + 2)))) {
          plain = false;
          i += 2;
          while (isDigit(text.charCodeAt(i))) i++;
        }
      }
      if (plain && isWordChar(text.charCodeAt(i))) {
        while (isWordChar(text.charCodeAt(i))) i++;
        push(Tok.WORD, s, i, line, col);
      } else {
        push(Tok.NUMBER, s, i, line, col);
      }
      continue;
    }
    if (isWordChar(c)) {
      const s = i;
      while (isWordChar(text.charCodeAt(i))) i++;
      push(Tok.WORD, s, i, line, col);
      continue;
    }
    if (PUNCT.has(c)) {
      push(Tok.PUNCT, i, i + 1, line, col);
      i++;
      continue;
    }
    throw syntaxAt(text, file, i, line, col, 'a DBC token', describeChar(text, i));
  }
  push(Tok.EOF, len, len, line, len - lineStart + 1);
  return { text, file, count: n, kind, start, end, line: lineA, col: colA };
}

function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  return `character '${String.fromCodePoint(cp)}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** The source line around offset with >>!<< at the offset (as cantools prints it). */
export function excerptAt(text: string, offset: number): string {
  let a = text.lastIndexOf('\n', offset - 1) + 1;
  let b = text.indexOf('\n', offset);
  if (b < 0) b = text.length;
  if (b > 0 && text.charCodeAt(b - 1) === 13) b--;
  // keep excerpts readable on very long lines
  const from = Math.max(a, offset - 80);
  const to = Math.min(b, Math.max(offset, from) + 80);
  a = from;
  return (text.slice(a, offset) + '>>!<<' + text.slice(offset, to)).trim();
}

export function syntaxAt(text: string, file: string, offset: number, line: number, col: number, expected: string, found: string): DbcSyntaxError {
  return new DbcSyntaxError(file, line, col, expected, found, excerptAt(text, offset));
}
