/**
 * Pointer-level layer: the only module of eoslab that touches `WebAssembly`.
 *
 * It locates `build/release.wasm`, compiles it once per thread, instantiates it and hands out
 * the raw exports (lengths, scalars, pointers) together with a bump arena over linear memory.
 *
 * One loader for Node and the browser. In Node (main thread and pool workers) the bytes are read
 * from the file next to the package, synchronously, the first time an engine needs them. A
 * browser (the explorer page, its Web Workers) cannot read files: it calls `await
 * loadWasmModule()` once, which fetches the same `build/release.wasm` (compiled while it streams,
 * `WebAssembly.compileStreaming`) and caches the module, after which every synchronous entry
 * point (`wasmModule`, `instantiate`, `new ScalarEngine()`) works as in Node. Node's built-ins are
 * reached through `process.getBuiltinModule`, never imported, so this file (and the engines over
 * it) bundle for the browser unchanged; bundlers see the `new URL('…/release.wasm',
 * import.meta.url)` below and ship the binary as an asset.
 *
 * Two builds of `assembly/` exist: `release` (asc -O3, assertions removed; the default, the one the
 * package ships and manifests record) and `debug` (no optimisation, assertions kept), which
 * `npm run asbuild` writes next to it as `build/debug.wasm`. Every engine takes its instance as a
 * constructor argument, so `new ScalarEngine(instantiate(wasmModule('debug')))` runs the same code
 * on the debug build; test/debug-build.test.ts does that and compares with the release build.
 */
import { EoslabError, invalidOption, messageOf } from '../base/errors.js';
import type { WasmExports } from './abi.js';

/**
 * Raw exports of `assembly/index.ts`, typed by the generated interface (src/wasm/abi.ts).
 * Pointers are byte offsets into `memory`.
 */
export type RawExports = WasmExports;

/** A build of `assembly/index.ts` (asconfig.json's targets). */
export type WasmBuild = 'release' | 'debug';

/** Where the package keeps the builds (src/wasm/ and dist/wasm/ both sit two levels below it). */
const BUILD_DIR = import.meta.url;

const WASM_URLS: Readonly<Record<WasmBuild, URL>> = {
  // written out in full so that bundlers (Vite) recognise the asset and ship it with the page
  release: new URL('../../build/release.wasm', import.meta.url),
  // not written as a literal: the page never loads the debug build, so it is not bundled
  debug: new URL('../../build/debug.wasm', BUILD_DIR),
};

const cachedBytes = new Map<WasmBuild, Uint8Array<ArrayBuffer>>();
const cachedModules = new Map<WasmBuild, WebAssembly.Module>();
let cachedHash: string | undefined;

/** Node's built-in modules, or undefined in a browser (no import: the file bundles for the web). */
function nodeBuiltins() {
  const get = (globalThis as { process?: { getBuiltinModule?: NodeJS.Process['getBuiltinModule'] } }).process
    ?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  return { fs: get('node:fs'), url: get('node:url'), crypto: get('node:crypto') };
}

function wasmUrl(build: WasmBuild): URL {
  if (!Object.hasOwn(WASM_URLS, build)) throw invalidOption('build', build, "'release' or 'debug'");
  return WASM_URLS[build];
}

function noFileSystem(build: WasmBuild): EoslabError {
  return new EoslabError(
    'E_WASM',
    `cannot read ${wasmUrl(build).href} synchronously here (no file system): call \`await loadWasmModule()\` first`,
  );
}

/** Absolute path of a WASM binary (default: the release build); Node only. */
export function wasmPath(build: WasmBuild = 'release'): string {
  const node = nodeBuiltins();
  if (!node) throw noFileSystem(build);
  return node.url.fileURLToPath(wasmUrl(build));
}

/** The URL of a WASM binary (a file: URL in Node, the page's asset in a browser bundle). */
export function wasmUrlOf(build: WasmBuild = 'release'): URL {
  return wasmUrl(build);
}

/** Bytes of a WASM binary (read once per build); Node only. */
export function wasmBytes(build: WasmBuild = 'release'): Uint8Array<ArrayBuffer> {
  let bytes = cachedBytes.get(build);
  if (!bytes) {
    const url = wasmUrl(build);
    const node = nodeBuiltins();
    if (!node) throw noFileSystem(build);
    try {
      const file = node.fs.readFileSync(url);
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

/** SHA-256 of the release WASM binary, recorded in every manifest; Node only. */
export function wasmHash(): string {
  const node = nodeBuiltins();
  if (!node) throw noFileSystem('release');
  cachedHash ??= node.crypto.createHash('sha256').update(wasmBytes()).digest('hex');
  return cachedHash;
}

/**
 * The compiled module of a build (default: release), compiled once per thread and build; a worker
 * may pass a module it received to `instantiate` instead. In a browser, `loadWasmModule` must
 * have run first.
 */
export function wasmModule(build: WasmBuild = 'release'): WebAssembly.Module {
  let module = cachedModules.get(build);
  if (!module) {
    module = new WebAssembly.Module(wasmBytes(build));
    cachedModules.set(build, module);
  }
  return module;
}

/**
 * The compiled module of a build, loaded asynchronously: in a browser by `fetch` (compiled while
 * it streams; `source` overrides the URL, or passes a module compiled elsewhere, e.g. by the
 * page for its workers), in Node from the file. Cached like `wasmModule`, which then returns it.
 */
export async function loadWasmModule(
  build: WasmBuild = 'release',
  source?: URL | string | WebAssembly.Module,
): Promise<WebAssembly.Module> {
  const cached = cachedModules.get(build);
  if (cached && source === undefined) return cached;
  let module: WebAssembly.Module;
  if (source instanceof WebAssembly.Module) {
    module = source;
  } else if (source === undefined && nodeBuiltins()) {
    return wasmModule(build);
  } else {
    const url = source ?? wasmUrl(build);
    const response = await fetch(url);
    if (!response.ok) throw new EoslabError('E_WASM', `cannot fetch ${String(url)} (HTTP ${response.status})`);
    const streaming = response.headers.get('content-type')?.startsWith('application/wasm');
    module = streaming
      ? await WebAssembly.compileStreaming(response)
      : await WebAssembly.compile(await response.arrayBuffer());
  }
  cachedModules.set(build, module);
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
