/**
 * One compiled policy revision, evaluated on OPA's wasm ABI (instances built by
 * wasm-instance.ts, the way opa-wasm builds them). Every string, plain object or trap the wasm,
 * the SDK's builtins or regent's throw becomes a {@link PolicyEvaluationError} here, so nothing
 * untyped travels further (fail closed starts at this boundary).
 */
import { PolicyEvaluationError, BundleError, describeThrown } from '../errors/policy-errors.ts';
import type { Bundle } from './bundle/read-bundle.ts';
import {
  PolicyInstance,
  webAssembly,
  type BuiltinCallState,
  type BuiltinTable,
  type WasmMemoryDescriptor,
  type WasmModule,
} from './wasm-instance.ts';

/** Host-supplied builtins, with a hook run before each evaluation (per-evaluation clock, uuid cache). */
export interface HostBuiltins {
  functions: Record<string, (...args: unknown[]) => unknown>;
  /** Builtins that take their arguments as Rego value texts (`opa_value_dump`: sets kept apart from arrays). */
  regoArguments?: ReadonlySet<string>;
  /** Builtins that return a Rego value text (`opa_value_parse`: they can return sets). */
  regoResults?: ReadonlySet<string>;
  beginEvaluation(): void;
}

/** Options for loading a policy instance. */
export interface EngineOptions {
  /** WebAssembly memory ceiling in 64 KiB pages; growth past it aborts the evaluation. */
  maxMemoryPages: number;
  builtins?: HostBuiltins;
  /** Default for {@link EvaluateOptions.strictBuiltinErrors} (off: a failing builtin is undefined, as in OPA). */
  strictBuiltinErrors?: boolean;
}

const encoder = new TextEncoder();

/** Encodes a JSON text into the exact-length ArrayBuffer opa-wasm accepts as ready input. */
export function jsonToInputBuffer(json: string): ArrayBuffer {
  const bytes = encoder.encode(json);
  return bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
}

const PAGE_BYTES = 64 * 1024;

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

/** Per-evaluation settings. */
export interface EvaluateOptions {
  /**
   * Fail the evaluation when a builtin fails (OPA's `strict-builtin-errors`), instead of making
   * only that builtin's expression undefined. Default: the engine's `strictBuiltinErrors`.
   */
  strictBuiltinErrors?: boolean;
}

/** How an engine's instances have fared: what a readiness check reads. */
export interface EngineHealth {
  /** Evaluations that aborted inside the wasm (each discarded its instance). */
  aborts: number;
  /** Aborts since the last evaluation that completed. */
  consecutiveAborts: number;
  /** Builtin errors made undefined (non-strict), across all evaluations. */
  builtinErrors: number;
  /** The reason code of the last abort (no input values: builtin messages can quote them). */
  lastAbort?: string;
  /** Set while no instance can be built: why. */
  instantiateError?: string;
}

/** Compiles a bundle's wasm once; throws {@link BundleError} when it is not valid wasm. */
export async function compileWasm(wasm: Uint8Array): Promise<WasmModule> {
  try {
    return await webAssembly.compile(wasm);
  } catch (thrown) {
    throw new BundleError(`cannot load the bundle's wasm: ${describeThrown(thrown)}`, thrown);
  }
}

/**
 * A loaded, ready-to-evaluate policy revision. The module is compiled once; an instance whose
 * evaluation aborted inside the wasm (a trap, out-of-bounds access, `opa_abort`, a failed builtin
 * in strict mode, growth past the memory ceiling) is discarded and a fresh one built at once,
 * synchronously: after an abort the wasm's heap and free lists can be half-updated, and every
 * later evaluation on that instance may then fail (issue 17: `memory access out of bounds` until
 * restart).
 */
export class WasmEngine {
  readonly revision: string;
  readonly entrypoints: ReadonlySet<string>;
  private readonly module: WasmModule;
  private readonly data: Uint8Array;
  private readonly descriptor: WasmMemoryDescriptor;
  private readonly table: BuiltinTable;
  private readonly builtins: HostBuiltins | undefined;
  private readonly strictDefault: boolean;
  private readonly state: BuiltinCallState = { strict: false, firstError: undefined, errors: 0 };
  private instance: PolicyInstance | undefined;
  private readonly stats: EngineHealth = { aborts: 0, consecutiveAborts: 0, builtinErrors: 0 };
  private replacedCount = 0;

  private constructor(revision: string, module: WasmModule, data: Uint8Array, options: EngineOptions) {
    this.revision = revision;
    this.module = module;
    this.data = data;
    this.descriptor = { initial: Math.min(5, options.maxMemoryPages), maximum: options.maxMemoryPages };
    this.builtins = options.builtins;
    this.table = {
      functions: options.builtins?.functions ?? {},
      regoArguments: options.builtins?.regoArguments ?? new Set(),
      regoResults: options.builtins?.regoResults ?? new Set(),
    };
    this.strictDefault = options.strictBuiltinErrors ?? false;
    this.instance = this.instantiate();
    this.entrypoints = new Set(Object.keys(this.instance.entrypoints));
  }

  /** Compiles the bundle's wasm, instantiates it and installs its data; throws {@link BundleError} when it cannot. */
  static async load(bundle: Bundle, options: EngineOptions): Promise<WasmEngine> {
    return WasmEngine.fromModule(bundle.manifest.revision, await compileWasm(bundle.wasm), bundle.data, options);
  }

  /**
   * Instantiates a module compiled elsewhere ({@link compileWasm}; a worker gets the pool's, so a
   * replaced worker does not compile the policy again) and installs `data`.
   */
  static fromModule(
    revision: string,
    module: WasmModule,
    data: Record<string, unknown>,
    options: EngineOptions,
  ): WasmEngine {
    try {
      return new WasmEngine(revision, module, encoder.encode(JSON.stringify(data)), options);
    } catch (thrown) {
      throw new BundleError(`cannot load the bundle's wasm: ${describeThrown(thrown)}`, thrown);
    }
  }

  private instantiate(): PolicyInstance {
    return new PolicyInstance(this.module, this.descriptor, this.data, this.table, this.state);
  }

  /** Current size of the instance's linear memory in bytes (it grows, never shrinks). */
  get memoryBytes(): number {
    return this.instance?.memory.buffer.byteLength ?? 0;
  }

  /** Instances built after the first (aborts and {@link recycle} calls). */
  get replaced(): number {
    return this.replacedCount;
  }

  /** Counters a readiness check reads (a copy). */
  health(): EngineHealth {
    return { ...this.stats };
  }

  /** Replaces the instance with a fresh one now (memory grown past a threshold). */
  recycle(): void {
    this.replaceInstance();
  }

  /**
   * Evaluates `entrypoint` on a ready JSON input (see {@link jsonToInputBuffer}) and returns the
   * rule's value. Undefined results and every failure throw {@link PolicyEvaluationError}.
   */
  evaluate(entrypoint: string, input: ArrayBuffer, options?: EvaluateOptions): unknown {
    return resultFromText(entrypoint, this.evaluateText(entrypoint, input, options));
  }

  /**
   * Evaluates `entrypoint` and returns the result set as the JSON text the wasm wrote, unparsed
   * (read it with {@link resultFromText}). Every failure throws {@link PolicyEvaluationError}.
   */
  evaluateText(entrypoint: string, input: ArrayBuffer, options?: EvaluateOptions): string {
    if (!this.entrypoints.has(entrypoint)) {
      throw new PolicyEvaluationError(
        'policy.evaluation_error',
        `entrypoint ${entrypoint} is not compiled into revision ${this.revision}`,
      );
    }
    const instance = this.instance ?? this.replaceInstance();
    if (instance === undefined) {
      throw new PolicyEvaluationError(
        'policy.not_loaded',
        `no wasm instance of revision ${this.revision} could be built: ${this.stats.instantiateError ?? ''}`,
      );
    }
    const id = instance.entrypoints[entrypoint] ?? 0;
    const bytes = new Uint8Array(input);
    // Room for the input is made before the wasm runs: refusing an oversized input leaves the instance sound.
    try {
      const missing = instance.dataHeapPtr + bytes.byteLength - instance.memory.buffer.byteLength;
      if (missing > 0) instance.memory.grow(Math.ceil(missing / PAGE_BYTES));
    } catch (thrown) {
      throw toPolicyError(thrown);
    }
    this.state.strict = options?.strictBuiltinErrors ?? this.strictDefault;
    this.state.errors = 0;
    this.state.firstError = undefined;
    let text: string;
    try {
      this.builtins?.beginEvaluation();
      text = fastEvaluate(instance, id, bytes);
    } catch (thrown) {
      this.stats.aborts++;
      this.stats.consecutiveAborts++;
      const error = toPolicyError(thrown);
      this.stats.lastAbort = error.reasonCode;
      this.replaceInstance();
      throw error;
    } finally {
      this.stats.builtinErrors += this.state.errors;
    }
    this.stats.consecutiveAborts = 0;
    return text;
  }

  /** Builds a fresh instance in place of the current one; undefined (and reported in health) when it cannot. */
  private replaceInstance(): PolicyInstance | undefined {
    this.instance = undefined;
    try {
      this.instance = this.instantiate();
      this.replacedCount++;
      delete this.stats.instantiateError;
    } catch (thrown) {
      this.stats.instantiateError = describeThrown(thrown);
    }
    return this.instance;
  }
}

/** The SDK's ABI 1.2 fast path: input at the heap start, one opa_eval call, NUL-terminated JSON out. */
function fastEvaluate(instance: PolicyInstance, entrypoint: number, input: Uint8Array): string {
  const inputAddr = instance.dataHeapPtr;
  new Uint8Array(instance.memory.buffer).set(input, inputAddr);
  const heapPtr = inputAddr + input.byteLength;
  const out = instance.exports.opa_eval(0, entrypoint, instance.dataAddr, inputAddr, input.byteLength, heapPtr, 0);
  return instance.readString(out);
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
