/**
 * Progress reporting: a live bar (done/total, rate, ETA) on a TTY; on a pipe or in CI, a
 * quiet log line at most every 10 s and one at the end.
 */
export interface Progress {
  /** `total` changes the goal (work whose size is only known as it goes). */
  update(done: number, total?: number): void;
  finish(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}

export function createProgress(
  label: string,
  initialTotal: number,
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
  /** The total is an upper bound (work that may stop early): the ETA is printed as "ETA ≤ …". */
  totalIsBound = false,
): Progress {
  const start = performance.now();
  let total = initialTotal;
  const tty = Boolean(stream.isTTY) && process.env.CI !== 'true';
  let lastLog = start;
  let lastDone = 0;
  const line = (done: number): string => {
    const seconds = (performance.now() - start) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const eta = done > 0 ? (total - done) / rate : Number.NaN;
    const width = 28;
    const filled = Math.round((width * done) / Math.max(total, 1));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const rateText = rate >= 1e4 ? `${(rate / 1e3).toFixed(0)}k` : rate.toFixed(rate < 10 ? 1 : 0);
    return `${label} ${bar} ${done}/${total} ${unit} · ${rateText} ${unit}/s · ETA ${totalIsBound && done < total ? '≤ ' : ''}${formatSeconds(eta)}`;
  };
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) total = newTotal;
      lastDone = done;
      const now = performance.now();
      if (tty) {
        if (now - lastLog > 100) {
          stream.write(`\r${line(done)}\x1b[K`);
          lastLog = now;
        }
      } else if (now - lastLog > 10_000) {
        stream.write(`${line(done)}\n`);
        lastLog = now;
      }
    },
    finish() {
      if (tty) stream.write(`\r${line(lastDone)}\x1b[K\n`);
    },
  };
}
