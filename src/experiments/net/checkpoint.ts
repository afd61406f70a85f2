/**
 * The network experiment's checkpoint: a job directory (io/store.ts) whose identity is every option
 * but the worker count and the data (source, images kept, standardisation and its statistics),
 * with one entry per finished task of run r (one activation and step size):
 *   run-<r>/state-<t>.f64   θ_t, then the top eigenvector at θ_t (the record at step t);
 *   run-<r>/gd-<t>.json     the GD chunk ending at t (losses, S inside it and at t, divergence);
 *   run-<r>/gfs-<t>.json    the GFS evaluation of the record at t (φ, flow, sensitivity report).
 * A killed run started again with the same options continues from the last record of each run
 * and skips the GFS evaluations already stored; a JSON entry that cannot be read is recomputed.
 */
import { JobStore } from '../../io/store.js';
import type { FlowStatus } from '../../engines/mlpSolver.js';
import { append, type NetDataStatistics, type RunState } from './results.js';
import type { FlowOutcome, GdChunkResult, GfsTaskResult } from './tasks.js';

/** The checkpoint format (stored GFS results carry the sensitivity continuation since /2). */
const CHECKPOINT_FORMAT = 'eoslab-net/3';

/** JSON cannot hold NaN/Infinity: numbers are stored as strings when not finite. */
const enc = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
const dec = (x: number | string): number => (typeof x === 'number' ? x : Number(x));

interface StoredGd {
  losses: (number | string)[];
  loss: number | string;
  sharpness: number | string;
  traceSteps: number[];
  traceSharpness: (number | string)[];
  lanczosResidual: number | string;
  diverged: boolean;
}

/** A flow's φ and its diagnostics (a FlowOutcome) with the non-finite numbers as strings. */
interface StoredFlow {
  gfsSharpness: number | string;
  status: FlowStatus;
  flowSteps: number;
  flowTime: number | string;
  flowLoss: number | string;
  hvps: number;
  lanczosResidual: number | string;
}

interface StoredGfs extends StoredFlow {
  sensitivity: (StoredFlow & { threshold: number }) | null;
  lanczosIterations: number;
  seconds: number;
}

function encodeFlow<F extends FlowOutcome>(f: F): Omit<F, keyof StoredFlow> & StoredFlow {
  return {
    ...f,
    gfsSharpness: enc(f.gfsSharpness),
    flowTime: enc(f.flowTime),
    flowLoss: enc(f.flowLoss),
    lanczosResidual: enc(f.lanczosResidual),
  };
}

function decodeFlow<F extends StoredFlow>(f: F): Omit<F, keyof StoredFlow> & FlowOutcome {
  return {
    ...f,
    gfsSharpness: dec(f.gfsSharpness),
    flowTime: dec(f.flowTime),
    flowLoss: dec(f.flowLoss),
    lanczosResidual: dec(f.lanczosResidual),
  };
}

const runDir = (r: number): string => `run-${r}`;

export class NetCheckpoint {
  private constructor(private readonly store: JobStore) {}

  /**
   * Opens (or creates) the checkpoint in `dir` for a run with `options` (all but the worker count)
   * on data with these statistics; a checkpoint of other options, data or build is refused.
   */
  static open(dir: string, options: object, data: NetDataStatistics): NetCheckpoint {
    const identity = { options, data };
    return new NetCheckpoint(
      JobStore.open(dir, {
        format: CHECKPOINT_FORMAT,
        identity,
        mismatch: 'the checkpoint of a different net run (other options or data)',
      }),
    );
  }

  /** Stores a finished GD chunk of run r ending at step t (and, unless it diverged, θ_t and its vector). */
  saveGd(r: number, t: number, g: GdChunkResult): void {
    if (!g.diverged) {
      const state = new Float64Array(g.theta.length + g.vector.length);
      state.set(g.theta);
      state.set(g.vector, g.theta.length);
      this.store.write(`${runDir(r)}/state-${t}.f64`, new Uint8Array(state.buffer));
    }
    const stored: StoredGd = {
      losses: Array.from(g.losses, enc),
      loss: enc(g.loss),
      sharpness: enc(g.sharpness),
      traceSteps: Array.from(g.traceSteps),
      traceSharpness: Array.from(g.traceSharpness, enc),
      lanczosResidual: enc(g.lanczosResidual),
      diverged: g.diverged,
    };
    this.store.writeJson(`${runDir(r)}/gd-${t}.json`, stored);
  }

  /** Stores the GFS evaluation of run r's record at step t. */
  saveGfs(r: number, t: number, g: GfsTaskResult): void {
    const stored: StoredGfs = {
      ...encodeFlow(g),
      sensitivity: g.sensitivity === null ? null : encodeFlow(g.sensitivity),
    };
    this.store.writeJson(`${runDir(r)}/gfs-${t}.json`, stored);
  }

  /** θ_t and the top eigenvector there of run r, when stored. */
  loadState(r: number, t: number): { theta: Float64Array; vector: Float64Array } | undefined {
    const bytes = this.store.read(`${runDir(r)}/state-${t}.f64`);
    if (bytes === undefined || bytes.byteLength % 16 !== 0) return undefined;
    const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const P = all.length / 2;
    return { theta: all.slice(0, P), vector: all.slice(P) };
  }

  /** Loads what the checkpoint holds into the run states; returns the number of tasks found. */
  resume(runs: RunState[]): number {
    let found = 0;
    runs.forEach((s, r) => {
      for (let k = 0; k < s.records.length; k++) {
        const t = s.records[k] as number;
        const gd = this.store.readJson<StoredGd>(`${runDir(r)}/gd-${t}.json`);
        if (gd === undefined) break;
        if (gd.diverged) {
          append(s.losses, gd.losses.map(dec));
          append(s.traceSteps, gd.traceSteps);
          append(s.traceSharpness, gd.traceSharpness.map(dec));
          s.diverged = true;
          found++;
          break;
        }
        const state = this.loadState(r, t);
        if (state === undefined) break;
        append(s.losses, gd.losses.map(dec));
        append(s.traceSteps, [...gd.traceSteps, t]);
        append(s.traceSharpness, [...gd.traceSharpness.map(dec), dec(gd.sharpness)]);
        s.recordLoss.push(dec(gd.loss));
        s.sharpness.push(dec(gd.sharpness));
        s.reached = k;
        s.theta = state.theta;
        s.vector = state.vector;
        found++;
        const gfs = this.store.readJson<StoredGfs>(`${runDir(r)}/gfs-${t}.json`);
        if (gfs !== undefined) {
          s.gfs[k] = { ...decodeFlow(gfs), sensitivity: gfs.sensitivity === null ? null : decodeFlow(gfs.sensitivity) };
          found++;
        }
      }
    });
    return found;
  }
}
