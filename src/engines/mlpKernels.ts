/**
 * The pointer level of the MLP engine (engines/mlp.ts): the kernels' leading problem arguments and
 * the layout of one problem's buffers in a WASM instance's memory, reserved once per engine so
 * that no call allocates afterwards. The kernels' signatures are
 * generated: WasmExports in src/wasm/abi.ts.
 */
import type { Ptr, WasmExports } from '../wasm/abi.js';
import type { Arena } from '../wasm/module.js';
import { ACTIVATION_CODES, type MlpData, type MlpShape } from './mlpNetwork.js';

/**
 * The leading arguments of every network kernel: the problem (layer sizes, activation, data) — n
 * rows from X and Y, normalised by `total` (the whole batch; n = total except for a shard).
 */
export type Net = [sizes: Ptr, layers: number, act: number, X: Ptr, Y: Ptr, n: number, total: number];

/** Byte offsets of one problem's float64 buffers (P = parameter count). */
export interface MlpBuffers {
  /** n × input, n × output: the data. */
  X: Ptr;
  Y: Ptr;
  /** P each: θ, a direction, a result. */
  theta: Ptr;
  v: Ptr;
  out: Ptr;
}

/**
 * Copies the layer sizes and the data into the instance and reserves the engine's buffers; returns
 * the kernels' `Net` arguments, the parameter count P and the buffers.
 */
export function allocateMlpBuffers(
  arena: Arena,
  k: WasmExports,
  shape: MlpShape,
  sizes: readonly number[],
  data: MlpData,
): { net: Net; parameterCount: number; buffers: MlpBuffers } {
  const { n } = data;
  const layers = sizes.length - 1;
  const sizesPtr = arena.alloc(4 * sizes.length);
  arena.i32(sizesPtr, sizes.length).set(sizes);
  const parameterCount = k.mlpParameterCount(sizesPtr, layers);
  const f = (count: number): Ptr => arena.alloc(count * 8);
  const P = parameterCount;
  const buffers: MlpBuffers = {
    X: f(n * shape.input),
    Y: f(n * shape.output),
    theta: f(P),
    v: f(P),
    out: f(P),
  };
  arena.f64(buffers.X, n * shape.input).set(data.X);
  arena.f64(buffers.Y, n * shape.output).set(data.Y);
  const net: Net = [sizesPtr, layers, ACTIVATION_CODES[shape.activation], buffers.X, buffers.Y, n, n];
  return { net, parameterCount, buffers };
}

/**
 * What one shard computation needs from an engine: the float64 or float32 kernels over rows, θ
 * (and v) set once per operation, every loss normalised by the whole batch size.
 */
export interface ShardKernels {
  readonly sizes: readonly number[];
  readonly parameterCount: number;
  readonly n: number;
  setParameters(theta: Float64Array): void;
  setDirection(v: Float64Array): void;
  shardLoss(start: number, count: number): number;
  shardGradient(start: number, count: number, out: Float64Array): number;
  shardHvp(start: number, count: number, out: Float64Array): void;
}

export type { Ptr };
