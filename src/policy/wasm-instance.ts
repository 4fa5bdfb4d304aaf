/**
 * One instance of an OPA-compiled wasm module (ABI 1.2 and later), built synchronously from a
 * `WasmModule` compiled once per revision, so that an instance an evaluation aborted in
 * can be thrown away and replaced at once. It does what opa-wasm 1.10.0's `loadPolicySync` and
 * `LoadedPolicy` constructor do (opa.js `_importObject`, `_preparePolicy`, `setData`), with
 * regent's own builtin dispatch:
 *
 * - regent's builtins are looked up first, then the SDK's own (`regex.split`, `json.is_valid`,
 *   `yaml.*`); the SDK dispatches its own first, so its JavaScript `sprintf` could not be replaced.
 * - A builtin that needs to tell a set from an array (`regoArguments`) gets its arguments as the
 *   text `opa_value_dump` writes (sets as `{...}`, `set()`), not `opa_json_dump`'s JSON; a builtin
 *   that returns sets (`regoResults`) returns such a text, loaded with `opa_value_parse`. OPA's own
 *   wasm SDK (internal/wasm/sdk) passes every builtin its values this way. Every other builtin
 *   stays on JSON.
 * - A builtin that throws makes only its expression undefined, as in OPA: the dispatcher answers
 *   address 0, which the compiled policy treats as undefined (opa `compileExternalCall`:
 *   `tee_local; i32.eqz; br_if 0`). With strict builtin errors the throw aborts the evaluation
 *   instead, as OPA's `strict-builtin-errors` does.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** A builtin as the dispatcher calls it: JSON-decoded arguments (or Rego value texts) in. */
export type DispatchedBuiltin = (...args: unknown[]) => unknown;

/** The builtins an instance dispatches to, and the per-evaluation state they share. */
export interface BuiltinTable {
  /** regent's builtins by OPA name (looked up first). */
  readonly functions: Record<string, DispatchedBuiltin>;
  /** Names whose arguments arrive as the Rego value texts `opa_value_dump` wrote, undecoded. */
  readonly regoArguments: ReadonlySet<string>;
  /** Names whose result is a Rego value text (sets as `{...}`), loaded with `opa_value_parse`. */
  readonly regoResults: ReadonlySet<string>;
}

/** Per-evaluation builtin state the engine sets before each evaluation. */
export interface BuiltinCallState {
  /** Abort the evaluation on a builtin error (OPA's strict-builtin-errors) instead of undefined. */
  strict: boolean;
  /** The first builtin error of the evaluation that was made undefined, if any. */
  firstError: unknown;
  /** Builtin errors made undefined in this evaluation. */
  errors: number;
}

interface PolicyExports {
  opa_malloc(size: number): number;
  opa_json_parse(addr: number, len: number): number;
  opa_json_dump(addr: number): number;
  opa_value_parse(addr: number, len: number): number;
  opa_value_dump(addr: number): number;
  opa_heap_ptr_get(): number;
  opa_heap_ptr_set(addr: number): void;
  builtins(): number;
  entrypoints(): number;
  opa_eval(
    reserved: number,
    entrypoint: number,
    data: number,
    input: number,
    len: number,
    heap: number,
    format: number,
  ): number;
  opa_wasm_abi_version?: WasmGlobal | number;
  opa_wasm_abi_minor_version?: WasmGlobal | number;
}

/** The SDK's builtins (src/builtins/index.js); its `exports` map hides them, so by file path. */
function sdkBuiltins(): Record<string, DispatchedBuiltin> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@open-policy-agent/opa-wasm');
  const all = require(path.join(path.dirname(entry), 'builtins', 'index.js')) as Record<string, DispatchedBuiltin>;
  return { ...all };
}

/** A compiled module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** WasmMemory as regent uses it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** WasmMemoryDescriptor. */
export interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
}

interface WasmGlobal {
  readonly value: unknown;
}

/** The part of the WebAssembly namespace regent uses (tsconfig's libs do not declare it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Memory: new (descriptor: WasmMemoryDescriptor) => WasmMemory;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
}

/** The runtime's WebAssembly namespace, typed. */
export const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const SDK_BUILTINS = sdkBuiltins();
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function globalNumber(value: WasmGlobal | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : (value.value as number);
}

/** Thrown by the wasm's `opa_abort` (a conflict, a failed wasm builtin): the text it passed. */
export class WasmAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmAbort';
  }
}

/** A live instance: its memory, exports, entrypoint ids and where data and the heap start. */
export class PolicyInstance {
  readonly memory: WasmMemory;
  readonly exports: PolicyExports;
  readonly minorVersion: number;
  readonly entrypoints: Record<string, number>;
  readonly dataAddr: number;
  readonly dataHeapPtr: number;

  /**
   * Instantiates `module` with a fresh memory and loads `data` (a JSON text). Throws what the
   * wasm or WebAssembly throws (the engine converts it).
   */
  constructor(
    module: WasmModule,
    memory: WasmMemoryDescriptor,
    data: Uint8Array,
    table: BuiltinTable,
    state: BuiltinCallState,
  ) {
    this.memory = new webAssembly.Memory(memory);
    let names: Record<number, string> = {};
    const call = (id: number, args: number[]): number => this.callBuiltin(names[id] ?? '', args, table, state);
    const imports = {
      env: {
        memory: this.memory,
        opa_abort: (addr: number) => {
          throw new WasmAbort(this.readString(addr));
        },
        opa_println: (addr: number) => {
          console.log(this.readString(addr));
        },
        opa_builtin0: (id: number) => call(id, []),
        opa_builtin1: (id: number, _ctx: number, a: number) => call(id, [a]),
        opa_builtin2: (id: number, _ctx: number, a: number, b: number) => call(id, [a, b]),
        opa_builtin3: (id: number, _ctx: number, a: number, b: number, c: number) => call(id, [a, b, c]),
        opa_builtin4: (id: number, _ctx: number, a: number, b: number, c: number, d: number) => call(id, [a, b, c, d]),
      },
    };
    const instance = new webAssembly.Instance(module, imports);
    this.exports = instance.exports as unknown as PolicyExports;
    const major = globalNumber(this.exports.opa_wasm_abi_version);
    const minor = globalNumber(this.exports.opa_wasm_abi_minor_version) ?? 0;
    if (major !== 1 || minor < 2) throw new Error(`unsupported OPA wasm ABI ${major ?? '?'}.${minor} (need 1.2+)`);
    this.minorVersion = minor;
    const ids = this.dumpJson(this.exports.builtins()) as Record<string, number>;
    names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    this.entrypoints = this.dumpJson(this.exports.entrypoints()) as Record<string, number>;
    // As LoadedPolicy: an empty data document first marks the base heap, then the real data.
    this.loadJson(encoder.encode('{}'));
    this.dataAddr = this.loadJson(data);
    this.dataHeapPtr = this.exports.opa_heap_ptr_get();
  }

  /** Reads the NUL-terminated UTF-8 text at `addr`. */
  readString(addr: number): string {
    const bytes = new Uint8Array(this.memory.buffer);
    const end = bytes.indexOf(0, addr);
    return decoder.decode(bytes.subarray(addr, end < 0 ? bytes.length : end));
  }

  private dumpJsonText(addr: number): string {
    return this.readString(this.exports.opa_json_dump(addr));
  }

  private dumpValueText(addr: number): string {
    return this.readString(this.exports.opa_value_dump(addr));
  }

  private dumpJson(addr: number): unknown {
    return JSON.parse(this.dumpJsonText(addr));
  }

  /** Copies bytes into the wasm's heap; returns their address. */
  private copyIn(bytes: Uint8Array): number {
    const raw = this.exports.opa_malloc(bytes.byteLength);
    new Uint8Array(this.memory.buffer).set(bytes, raw);
    return raw;
  }

  /** Copies JSON text into the wasm and parses it there; returns the value's address. */
  private loadJson(bytes: Uint8Array): number {
    const addr = this.exports.opa_json_parse(this.copyIn(bytes), bytes.byteLength);
    if (addr === 0) throw new Error('failed to parse json value');
    return addr;
  }

  /** Copies Rego value text (JSON, sets, non-string keys) into the wasm and parses it there. */
  private loadValue(text: string): number {
    const bytes = encoder.encode(text);
    const addr = this.exports.opa_value_parse(this.copyIn(bytes), bytes.byteLength);
    if (addr === 0) throw new Error('failed to parse rego value');
    return addr;
  }

  private callBuiltin(name: string, argAddrs: number[], table: BuiltinTable, state: BuiltinCallState): number {
    // Looking a regent builtin up may arm exact decoding of the arguments that follow (exact-arguments.ts).
    const impl = Object.hasOwn(table.functions, name) ? table.functions[name] : SDK_BUILTINS[name];
    if (impl === undefined) throw new Error(`not implemented: built-in function ${name}`);
    const typed = table.regoArguments.has(name);
    const args = argAddrs.map((addr) => (typed ? this.dumpValueText(addr) : this.dumpJson(addr)));
    let result: unknown;
    try {
      result = impl(...args);
    } catch (thrown) {
      if (state.strict) throw thrown;
      state.errors++;
      if (state.errors === 1) state.firstError = thrown;
      return 0;
    }
    if (result === undefined) return 0;
    if (table.regoResults.has(name)) {
      if (typeof result !== 'string') throw new Error(`built-in function ${name} returned no Rego value text`);
      return this.loadValue(result);
    }
    return this.loadJson(encoder.encode(JSON.stringify(result)));
  }
}
