/**
 * The catalogue of eoslab's errors. Every error a user can cause is an `EoslabError` with a stable
 * `code`; option errors name the option and the offending value. The CLI prints `message` on one
 * line and exits with `exitCode`.
 */
export type ErrorCode =
  | 'E_OPTION' // an option value is missing, malformed or out of range
  | 'E_UNKNOWN_OPTION' // a flag that the command does not take
  | 'E_UNKNOWN_COMMAND'
  | 'E_UNKNOWN_PRESET'
  | 'E_CONFLICT' // options that exclude each other, or a required one missing
  | 'E_WASM' // the WASM binary is missing or failed
  | 'E_IO' // an output could not be written
  | 'E_WORKER' // a tile failed on every retry (its worker crashed or was killed each time)
  | 'E_MEMORY' // a grid too large for this machine's memory, refused up front
  | 'E_DEPENDENCY' // an optional package this feature needs is not installed (the message names it)
  | 'E_LOCKED' // another run is writing the same output directory
  | 'E_ABORTED'; // a run was cancelled (AbortSignal, Ctrl-C)

/** Codes of errors that come from the machine rather than from the user's input: exit code 1. */
const MACHINE_ERRORS: ReadonlySet<ErrorCode> = new Set(['E_IO', 'E_WASM', 'E_WORKER', 'E_LOCKED']);

/**
 * `cause` (ES2022 error cause) keeps the underlying error — e.g. the operating system's, with its
 * `code` (ENOSPC, EACCES, …) and `syscall` — when an EoslabError wraps one.
 */
export class EoslabError extends Error {
  override readonly name = 'EoslabError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly option?: string,
    readonly value?: unknown,
    readonly exitCode = MACHINE_ERRORS.has(code) ? 1 : 2,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
  }
}

/** The message of a caught value (an Error's message, else its string form). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : safeString(error);
}

/** An output that could not be written: E_IO naming the path, with the OS error as `cause`. */
export function ioError(message: string, path: string, cause: unknown, option = 'out'): EoslabError {
  return new EoslabError('E_IO', message, option, path, undefined, { cause });
}

/**
 * An optional package that a feature needs is not installed (or its native binary is missing for
 * this platform): names the feature, the package and the command that installs it. Exit code 2.
 */
export function missingDependency(feature: string, pkg: string, install: string, cause: unknown): EoslabError {
  const why = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
  return new EoslabError(
    'E_DEPENDENCY',
    `${feature} needs the package ${pkg}, which is not installed or cannot be loaded here${why}: run \`${install}\``,
    undefined,
    pkg,
    undefined,
    { cause },
  );
}

/** Printable form of a user-supplied value (strings quoted, arrays joined). */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return `[${Array.from(value as ArrayLike<unknown>, (v) => safeString(v)).join(', ')}]`;
  }
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return safeString(value);
}

/** String(value), also for values that refuse it (prototype-less objects, symbols). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Validates the callbacks of long-running functions: `onProgress` a function, `signal` an AbortSignal. */
export function checkHooks(options: { onProgress?: unknown; signal?: unknown }): void {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalidOption('onProgress', options.onProgress, 'a function (done, total) => void');
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalidOption('signal', options.signal, 'an AbortSignal');
  }
}

/** `invalid eta: 0 (expected a number > 0)`. */
export function invalidOption(option: string, value: unknown, expected: string): EoslabError {
  return new EoslabError('E_OPTION', `invalid ${option}: ${showValue(value)} (expected ${expected})`, option, value);
}

export function unknownOption(option: string, command: string): EoslabError {
  return new EoslabError(
    'E_UNKNOWN_OPTION',
    `unknown option ${option} for "eoslab ${command}" (see eoslab ${command} --help)`,
    option,
  );
}

export function unknownCommand(command: string, known: readonly string[]): EoslabError {
  return new EoslabError(
    'E_UNKNOWN_COMMAND',
    `unknown command ${showValue(command)} (expected one of: ${known.join(', ')})`,
    'command',
    command,
  );
}

export function unknownPreset(preset: unknown, known: readonly string[]): EoslabError {
  return new EoslabError(
    'E_UNKNOWN_PRESET',
    `invalid preset: ${showValue(preset)} (expected one of: ${known.join(', ')})`,
    'preset',
    preset,
  );
}

export function conflict(message: string, option?: string): EoslabError {
  return new EoslabError('E_CONFLICT', message, option);
}

export function aborted(what: string): EoslabError {
  return new EoslabError('E_ABORTED', `${what} was aborted`, undefined, undefined, 130);
}
