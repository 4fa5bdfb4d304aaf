/**
 * One compiled policy revision loaded into opa-wasm. The only module that calls the SDK: every
 * string or plain object it throws becomes a {@link PolicyEvaluationError} here, so nothing
 * untyped travels further (fail closed starts at this boundary).
 */
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { PolicyEvaluationError, BundleError, describeThrown } from '../errors/policy-errors.ts';
import type { Bundle } from './bundle/read-bundle.ts';

/** Host-supplied builtins, with a hook run before each evaluation (per-evaluation clock, uuid cache). */
export interface HostBuiltins {
  functions: Record<string, (...args: unknown[]) => unknown>;
  beginEvaluation(): void;
}

/** Options for loading a policy instance. */
export interface EngineOptions {
  /** WebAssembly memory ceiling in 64 KiB pages; growth past it aborts the evaluation. */
  maxMemoryPages: number;
  builtins?: HostBuiltins;
}

const encoder = new TextEncoder();

/** Encodes a JSON text into the exact-length ArrayBuffer opa-wasm accepts as ready input. */
export function jsonToInputBuffer(json: string): ArrayBuffer {
  const bytes = encoder.encode(json);
  return bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
}

/** The part of WebAssembly.Memory regent reads (the SDK's typings leave it unresolved). */
interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The SDK's own fields its ABI 1.2 fast path uses (opa.js `LoadedPolicy.evaluate`, pinned
 * @open-policy-agent/opa-wasm 1.10.0): regent runs the same steps so the result comes back as the
 * JSON text the wasm wrote, which crosses a thread boundary far cheaper than a parsed object.
 */
interface SdkInternals {
  minorVersion: number;
  mem: LinearMemory;
  dataAddr: number;
  dataHeapPtr: number;
  entrypoints: Record<string, number>;
  wasmInstance: {
    exports: {
      opa_eval(
        reserved: number,
        entrypoint: number,
        data: number,
        input: number,
        len: number,
        heap: number,
        format: number,
      ): number;
    };
  };
}

const PAGE_BYTES = 64 * 1024;
const decoder = new TextDecoder();

/**
 * The rule's value from the result-set JSON text {@link WasmEngine.evaluateText} returns; an
 * undefined or malformed result throws {@link PolicyEvaluationError}.
 */
export function resultFromText(entrypoint: string, text: string): unknown {
  let resultSet: unknown;
  try {
    resultSet = JSON.parse(text);
  } catch (thrown) {
    throw new PolicyEvaluationError('policy.invalid_result', `${entrypoint} returned unreadable JSON`, thrown);
  }
  if (!Array.isArray(resultSet) || resultSet.length === 0) {
    throw new PolicyEvaluationError('policy.undefined_result', `${entrypoint} is undefined for this input`);
  }
  const first: unknown = resultSet[0];
  if (first === null || typeof first !== 'object' || !('result' in first)) {
    throw new PolicyEvaluationError('policy.invalid_result', `${entrypoint} returned a malformed result set`);
  }
  return first.result;
}

/** A loaded, ready-to-evaluate policy revision. */
export class WasmEngine {
  readonly revision: string;
  readonly entrypoints: ReadonlySet<string>;
  private readonly policy: LoadedPolicy;
  private readonly sdk: SdkInternals;
  private readonly builtins: HostBuiltins | undefined;

  private constructor(revision: string, policy: LoadedPolicy, builtins: HostBuiltins | undefined) {
    this.revision = revision;
    this.policy = policy;
    this.sdk = policy;
    this.builtins = builtins;
    this.entrypoints = new Set(Object.keys(policy.entrypoints as Record<string, number>));
  }

  /** Instantiates the bundle's wasm and installs its data; throws {@link BundleError} when it cannot. */
  static async load(bundle: Bundle, options: EngineOptions): Promise<WasmEngine> {
    const descriptor = { initial: Math.min(5, options.maxMemoryPages), maximum: options.maxMemoryPages };
    let policy: LoadedPolicy;
    try {
      policy = await loadPolicy(bundle.wasm, descriptor, options.builtins?.functions ?? {});
      policy.setData(bundle.data);
    } catch (thrown) {
      throw new BundleError(`cannot load the bundle's wasm: ${describeThrown(thrown)}`, thrown);
    }
    return new WasmEngine(bundle.manifest.revision, policy, options.builtins);
  }

  /** Current size of the instance's linear memory in bytes (it grows, never shrinks). */
  get memoryBytes(): number {
    return this.sdk.mem.buffer.byteLength;
  }

  /**
   * Evaluates `entrypoint` on a ready JSON input (see {@link jsonToInputBuffer}) and returns the
   * rule's value. Undefined results and every failure throw {@link PolicyEvaluationError}.
   */
  evaluate(entrypoint: string, input: ArrayBuffer): unknown {
    return resultFromText(entrypoint, this.evaluateText(entrypoint, input));
  }

  /**
   * Evaluates `entrypoint` and returns the result set as the JSON text the wasm wrote, unparsed
   * (read it with {@link resultFromText}). Every failure throws {@link PolicyEvaluationError}.
   */
  evaluateText(entrypoint: string, input: ArrayBuffer): string {
    const id = this.entrypoints.has(entrypoint) ? this.sdk.entrypoints[entrypoint] : undefined;
    if (id === undefined) {
      throw new PolicyEvaluationError(
        'policy.evaluation_error',
        `entrypoint ${entrypoint} is not compiled into revision ${this.revision}`,
      );
    }
    try {
      this.builtins?.beginEvaluation();
      if (this.sdk.minorVersion < 2) return JSON.stringify(this.policy.evaluate(input, entrypoint));
      return this.fastEvaluate(id, new Uint8Array(input));
    } catch (thrown) {
      throw toPolicyError(thrown);
    }
  }

  /** The SDK's ABI 1.2 fast path: input at the heap start, one opa_eval call, NUL-terminated JSON out. */
  private fastEvaluate(entrypoint: number, input: Uint8Array): string {
    const { sdk } = this;
    const inputAddr = sdk.dataHeapPtr;
    const missing = inputAddr + input.byteLength - sdk.mem.buffer.byteLength;
    if (missing > 0) sdk.mem.grow(Math.ceil(missing / PAGE_BYTES));
    new Uint8Array(sdk.mem.buffer).set(input, inputAddr);
    const heapPtr = inputAddr + input.byteLength;
    const out = sdk.wasmInstance.exports.opa_eval(0, entrypoint, sdk.dataAddr, inputAddr, input.byteLength, heapPtr, 0);
    const bytes = new Uint8Array(sdk.mem.buffer);
    const end = bytes.indexOf(0, out);
    return decoder.decode(bytes.subarray(out, end < 0 ? bytes.length : end));
  }
}

/** Classifies anything the SDK or a builtin threw. */
function toPolicyError(thrown: unknown): PolicyEvaluationError {
  if (thrown instanceof RangeError || /out of memory|malloc/i.test(describeThrown(thrown))) {
    return new PolicyEvaluationError(
      'policy.memory_exceeded',
      'policy evaluation exceeded the WebAssembly memory ceiling',
      thrown,
    );
  }
  const message = describeThrown(thrown);
  if (thrown instanceof Error && thrown.name === 'BuiltinError') {
    return new PolicyEvaluationError('policy.builtin_error', message, thrown);
  }
  if (message.startsWith('not implemented: built-in function')) {
    return new PolicyEvaluationError('policy.builtin_error', message, thrown);
  }
  return new PolicyEvaluationError('policy.evaluation_error', `policy evaluation failed: ${message}`, thrown);
}
