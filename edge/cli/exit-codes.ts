// Exit codes of `ubi-edge` (sysexits.h where one fits), listed in `ubi-edge --help`.
export const EXIT = {
  OK: 0,
  /** the command ran but found problems in its input (e.g. malformed log lines) */
  INPUT_PROBLEMS: 1,
  /** wrong usage: unknown command or option, missing argument */
  USAGE: 2,
  /** input file missing or unreadable */
  NO_INPUT: 66,
  /** a needed service or interface is unavailable (e.g. CAN interface missing) */
  UNAVAILABLE: 69,
  /** internal error */
  SOFTWARE: 70,
  /** configuration error (credentials, settings) */
  CONFIG: 78,
} as const;

export const EXIT_HELP = `Exit codes:
  0   success
  1   input had problems (e.g. malformed lines were skipped)
  2   usage error
  66  input file missing or unreadable
  69  a service or CAN interface is unavailable
  70  internal error
  78  configuration error`;

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
