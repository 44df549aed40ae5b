/**
 * The project's error classes. Library code throws these and never prints or exits;
 * the CLI entry turns them into one `error:` line and an exit code.
 *
 * Usage, config, shape and format errors are the caller's to fix (exit 2). Anything else
 * that escapes is an internal error (exit 1).
 */
export class RnnInspectError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A command-line flag or value that does not parse or does not fit another. */
export class UsageError extends RnnInspectError {}

/** A module configuration that PyTorch's constructor would refuse. */
export class ConfigError extends RnnInspectError {}

/** A tensor whose rank or sizes do not fit the module (PyTorch's forward-time checks). */
export class ShapeError extends RnnInspectError {}

/** A file that is missing, unreadable, malformed or of an unsupported kind. */
export class FormatError extends RnnInspectError {}

/** A run that would need more memory than the budget allows. */
export class BudgetError extends RnnInspectError {}

/** Not the user's fault: a bug. Exit 1, and the CLI asks for --debug. */
export class InternalError extends RnnInspectError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** A run that worked but whose check failed (a shape expectation, a compare tolerance): exit 1. */
export class CheckFailedError extends RnnInspectError {
  constructor(message: string) {
    super(message, 1);
  }
}
