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

/**
 * The work areas of a batch's shards (one per row range, reserved on first use) and the θ each
 * holds a forward pass and E chain for, so that HVPs at an unchanged θ — a Lanczos run — pay only
 * the R-passes (assembly/mlp/network.ts). Shared by the float64 and float32 engines.
 */
export class ShardWork {
  /** Incremented whenever θ changes; an area is prepared when it holds the current version. */
  private version = 0;
  private readonly areas = new Map<string, { work: Ptr; prepared: number }>();

  /** `reserve(rows)` reserves a work area for that many rows. */
  constructor(
    private readonly reserve: (rows: number) => Ptr,
    private readonly n: number,
    private readonly engine: string,
  ) {}

  /**
   * Copies θ into `target` (the engine's θ in WASM memory, Float64Array or Float32Array) unless it
   * already holds the same values — as stored, so a float32 target compares rounded values — and
   * notes a change. Object.is: NaN equals NaN, −0 differs from +0.
   */
  setParameters(target: Float64Array | Float32Array, theta: Float64Array): void {
    const round = target instanceof Float32Array ? Math.fround : (x: number): number => x;
    for (let i = 0; i < target.length; i++) {
      if (!Object.is(target[i], round(theta[i] as number))) {
        target.set(theta);
        this.version++;
        return;
      }
    }
    if (this.version === 0) this.version = 1; // a first θ equal to the zeroed memory
  }

  /** θ was written by other means (a full-batch call): nothing prepared is valid. */
  invalidate(): void {
    this.version++;
  }

  /** The work of rows [start, start + count) (validated against the batch). */
  area(start: number, count: number): { work: Ptr; prepared: number } {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 1 || start + count > this.n) {
      throw new RangeError(`${this.engine}: shard [${start}, ${start + count}) is not inside the batch [0, ${this.n})`);
    }
    const key = `${start}:${count}`;
    let area = this.areas.get(key);
    if (area === undefined) {
      area = { work: this.reserve(count), prepared: 0 };
      this.areas.set(key, area);
    }
    return area;
  }

  /** Whether `area` holds the forward pass at the current θ. */
  isPrepared(area: { prepared: number }): boolean {
    return this.version > 0 && area.prepared === this.version;
  }

  /** `area` now holds the forward pass and E chain at the current θ (true) or a stale one (false). */
  mark(area: { prepared: number }, prepared: boolean): void {
    area.prepared = prepared ? this.version : 0;
  }
}

export type { Ptr };
