/**
 * Ctrl-C for long commands: one helper wires SIGINT to an AbortSignal for the length of a run.
 * The first Ctrl-C aborts the run (the experiment stops at its next chunk and throws E_ABORTED;
 * a second Ctrl-C kills the process as usual); the handler is removed and the progress bar
 * finished however the run ends. An interrupted run ends the command with exit code 130 and one
 * line, `eoslab: interrupted: …`, saying what was kept and how to resume where the command can.
 */
import { EoslabError } from '../base/errors.js';

export interface CancellationOptions {
  /** Finished when the run ends, whatever the outcome (before the error line is printed). */
  readonly progress?: { finish(): void };
  /** After an interruption: what was kept and how to resume (default: what was aborted). */
  readonly resume?: () => string;
}

/** Runs `body` with an AbortSignal that Ctrl-C triggers (see the file comment). */
export async function withCancellation<T>(
  body: (signal: AbortSignal) => Promise<T>,
  { progress, resume }: CancellationOptions = {},
): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await body(controller.signal);
  } catch (error) {
    if (error instanceof EoslabError && error.code === 'E_ABORTED' && resume) {
      throw new EoslabError('E_ABORTED', resume(), undefined, undefined, error.exitCode);
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    progress?.finish();
  }
}
