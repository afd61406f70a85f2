/**
 * Pointer-level layer: the only module of eoslab that touches `WebAssembly`.
 *
 * It locates `build/release.wasm`, compiles it once per thread, instantiates it and hands out
 * the raw exports (lengths, scalars, pointers) together with a bump arena over linear memory.
 *
 * Two builds of `assembly/` exist: `release` (asc -O3, assertions removed; the default, the one the
 * package ships and manifests record) and `debug` (no optimisation, assertions kept), which
 * `npm run asbuild` writes next to it as `build/debug.wasm`. Every engine takes its instance as a
 * constructor argument, so `new ScalarEngine(instantiate(wasmModule('debug')))` runs the same code
 * on the debug build; test/debug-build.test.ts does that and compares with the release build.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EoslabError, invalidOption, messageOf } from '../base/errors.js';
import type { WasmExports } from './abi.js';

/**
 * Raw exports of `assembly/index.ts`, typed by the generated interface (src/wasm/abi.ts).
 * Pointers are byte offsets into `memory`.
 */
export type RawExports = WasmExports;

/** A build of `assembly/index.ts` (asconfig.json's targets). */
export type WasmBuild = 'release' | 'debug';

const WASM_URLS: Readonly<Record<WasmBuild, URL>> = {
  release: new URL('../../build/release.wasm', import.meta.url),
  debug: new URL('../../build/debug.wasm', import.meta.url),
};

const cachedBytes = new Map<WasmBuild, Uint8Array<ArrayBuffer>>();
const cachedModules = new Map<WasmBuild, WebAssembly.Module>();
let cachedHash: string | undefined;

function wasmUrl(build: WasmBuild): URL {
  if (!Object.hasOwn(WASM_URLS, build)) throw invalidOption('build', build, "'release' or 'debug'");
  return WASM_URLS[build];
}

/** Absolute path of a WASM binary (default: the release build). */
export function wasmPath(build: WasmBuild = 'release'): string {
  return fileURLToPath(wasmUrl(build));
}

/** Bytes of a WASM binary (read once per build). */
export function wasmBytes(build: WasmBuild = 'release'): Uint8Array<ArrayBuffer> {
  let bytes = cachedBytes.get(build);
  if (!bytes) {
    const url = wasmUrl(build);
    try {
      const file = readFileSync(url);
      bytes = new Uint8Array(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
    } catch (error) {
      throw new EoslabError(
        'E_WASM',
        `cannot read ${wasmPath(build)} (${messageOf(error)}); run \`npm run asbuild\` first`,
        undefined,
        undefined,
        undefined,
        { cause: error },
      );
    }
    cachedBytes.set(build, bytes);
  }
  return bytes;
}

/** SHA-256 of the release WASM binary, recorded in every manifest. */
export function wasmHash(): string {
  cachedHash ??= createHash('sha256').update(wasmBytes()).digest('hex');
  return cachedHash;
}

/**
 * The compiled module of a build (default: release), compiled once per thread and build; a worker
 * may pass a module it received to `instantiate` instead.
 */
export function wasmModule(build: WasmBuild = 'release'): WebAssembly.Module {
  let module = cachedModules.get(build);
  if (!module) {
    module = new WebAssembly.Module(wasmBytes(build));
    cachedModules.set(build, module);
  }
  return module;
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
