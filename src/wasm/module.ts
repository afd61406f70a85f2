/**
 * Pointer-level layer: the only module of eoslab that touches `WebAssembly`.
 *
 * It locates `build/release.wasm`, compiles it once per thread, instantiates it and hands out
 * the raw exports (lengths, scalars, pointers) together with a bump arena over linear memory.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EoslabError, messageOf } from '../base/errors.js';
import type { WasmExports } from './abi.js';

/**
 * Raw exports of `assembly/index.ts`, typed by the generated interface (src/wasm/abi.ts).
 * Pointers are byte offsets into `memory`.
 */
export type RawExports = WasmExports;

const WASM_URL = new URL('../../build/release.wasm', import.meta.url);

let cachedBytes: Uint8Array<ArrayBuffer> | undefined;
let cachedModule: WebAssembly.Module | undefined;
let cachedHash: string | undefined;

/** Absolute path of the release WASM binary. */
export function wasmPath(): string {
  return fileURLToPath(WASM_URL);
}

/** Bytes of the release WASM binary (read once). */
export function wasmBytes(): Uint8Array<ArrayBuffer> {
  if (!cachedBytes) {
    try {
      const file = readFileSync(WASM_URL);
      cachedBytes = new Uint8Array(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
    } catch (error) {
      throw new EoslabError(
        'E_WASM',
        `cannot read ${wasmPath()} (${messageOf(error)}); run \`npm run asbuild\` first`,
        undefined,
        undefined,
        undefined,
        { cause: error },
      );
    }
  }
  return cachedBytes;
}

/** SHA-256 of the WASM binary, recorded in every manifest. */
export function wasmHash(): string {
  cachedHash ??= createHash('sha256').update(wasmBytes()).digest('hex');
  return cachedHash;
}

/** The compiled module (compiled once per thread; a worker may pass a module it received). */
export function wasmModule(): WebAssembly.Module {
  cachedModule ??= new WebAssembly.Module(wasmBytes());
  return cachedModule;
}

/** A fresh instance with its own memory. */
export function instantiate(module: WebAssembly.Module = wasmModule()): RawExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number): never {
        throw new EoslabError('E_WASM', `WASM kernel aborted at ${line}:${column}`);
      },
    },
  });
  return instance.exports as unknown as RawExports;
}

/**
 * Bump allocator over the module's linear memory, starting at `heapBase()`.
 * `mark()`/`release()` free everything allocated after a mark; typed views must be taken
 * after the last allocation (growing memory detaches earlier views).
 */
export class Arena {
  private readonly base: number;
  private top: number;

  constructor(readonly raw: RawExports) {
    this.base = raw.heapBase();
    this.top = this.base;
  }

  /** Reserve `bytes` (16-byte aligned) and return the pointer. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = ptr + ((bytes + 15) & ~15);
    const needed = this.top - this.raw.memory.buffer.byteLength;
    if (needed > 0) this.raw.memory.grow(Math.ceil(needed / 65536));
    return ptr;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.raw.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.raw.memory.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.raw.memory.buffer, ptr, length);
  }
}
