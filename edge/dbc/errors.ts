// Errors and diagnostics of the DBC layer. Every one names where: file, line and column (1-based).

export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export type Severity = 'error' | 'warning';

/** A problem found in a DBC file that is not a syntax error (layout, references, ids). */
export interface DbcProblem extends SourcePos {
  severity: Severity;
  message: string;
}

export function formatPos(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.column}`;
}

export function formatProblem(p: DbcProblem): string {
  return `${formatPos(p)}: ${p.severity}: ${p.message}`;
}

/** The file is not DBC where the parser stands: what was expected and what was found. */
export class DbcSyntaxError extends Error implements SourcePos {
  override readonly name = 'DbcSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
    /** the source line with >>!<< where the parser stopped (cantools' notation) */
    readonly excerpt: string,
  ) {
    super(`${file}:${line}:${column}: invalid syntax: expected ${expected}, found ${found}: "${excerpt}"`);
  }
}

/** The file parsed but describes messages that cannot be decoded (strict load, as cantools). */
export class DbcSemanticError extends Error {
  override readonly name = 'DbcSemanticError';
  constructor(readonly problems: readonly DbcProblem[]) {
    super(problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n'));
  }
  get first(): DbcProblem {
    return this.problems.find((p) => p.severity === 'error')!;
  }
}
