/**
 * The network experiment's plan, before any work: the steps where S and φ are recorded, the records
 * of the threshold-sensitivity report, and the WASM memory a network needs (refused up front when
 * too large).
 */
import { parameterCountOf } from '../../engines/mlpNetwork.js';
import { GFS_LANCZOS_ITERATIONS as GFS_BASIS } from '../../engines/mlpSolver.js';
import { ConvEngine, DEFAULT_CHUNK_ROWS, widestPatchOf } from '../../engines/conv/engine.js';
import type { NetArchitecture } from '../../engines/conv/architectures.js';
import { defaultShards } from '../../engines/networkBatch.js';

/** wasm32 memory, less a margin for the module's own data. */
export const WASM_BYTES = 4 * 2 ** 30 - 64 * 2 ** 20;

/**
 * Bytes of WASM memory a thread may reserve (an upper bound over the team workers and the main
 * thread, each with its own memory): the engine's X, Y, the shards' work areas (5 blocks of n × d per
 * layer, 4 of n × widest, a gradient: mlpWorkLength over all n rows) and 3 P-vectors; the solver's
 * 6 P-vectors and its Lanczos basis of 61 P-vectors plus scalars (with --workers 0 one thread holds both).
 */
export function engineBytes(n: number, hidden: readonly number[], input = 784, classes = 10): number {
  const sizes = [input, ...hidden, classes];
  const P = parameterCountOf(sizes);
  let layerEntries = 0;
  for (let l = 1; l < sizes.length; l++) layerEntries += 5 * n * (sizes[l] as number);
  const widest = Math.max(...sizes.slice(1));
  const engine = n * (input + classes) + layerEntries + 4 * n * widest + P + 3 * P;
  return 8 * engine + solverBytes(P);
}

/** Bytes of the solver of P parameters: 6 P-vectors and a Lanczos basis of 61 P-vectors plus scalars. */
function solverBytes(P: number): number {
  return 8 * (6 * P + (GFS_BASIS + 1) * P + 8 * GFS_BASIS);
}

/**
 * Bytes of WASM memory a thread may reserve for a conv net on n images: a ConvEngine holding every
 * shard (its activations, their derivatives and R-passes per layer, im2col scratch, per-shard
 * gradients: ConvEngine.memoryBytes) and the solver's vectors and Lanczos basis as above.
 */
export function convEngineBytes(net: NetArchitecture, n: number): number {
  const widestPatch = widestPatchOf(net.layout);
  const P = net.layout.parameterCount;
  const engine = ConvEngine.memoryBytes(net.layout, n, defaultShards(n), DEFAULT_CHUNK_ROWS * widestPatch);
  return engine + solverBytes(P);
}

/** The record steps 0, k, 2k, …, steps (the last one even when k does not divide steps). */
export function recordSteps(steps: number, every: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < steps; t += every) out.push(t);
  out.push(steps);
  return out;
}

/**
 * Indices (into the records) of the threshold-sensitivity report: `count` of them spread evenly
 * from the first record to the last (rounded, duplicates dropped), e.g. 0, 3, 6 of 7 records.
 */
export function sensitivityIndices(records: number, count: number): number[] {
  if (records <= 0 || count <= 0) return [];
  if (count === 1) return [records - 1];
  const out = new Set<number>();
  for (let k = 0; k < count; k++) out.add(Math.round((k * (records - 1)) / (count - 1)));
  return [...out].sort((a, b) => a - b);
}
