/**
 * The configuration check as a function for tools (`regent check`): loads a bundle's wasm and
 * evaluates its own `regent/config_check/problems`, the same check a revision must pass before
 * it serves (src/policy/policy-store.ts).
 */
import type { Bundle } from '../policy/bundle/read-bundle.ts';
import { createBuiltins } from '../policy/builtins/index.ts';
import { configurationProblems } from '../policy/policy-store.ts';
import { WasmEngine } from '../policy/wasm-engine.ts';

/** Every problem of a bundle's configuration (the catalogue in data.regent.config), sorted. */
export async function validateCatalogue(bundle: Bundle): Promise<string[]> {
  const engine = await WasmEngine.load(bundle, { maxMemoryPages: 1024, builtins: createBuiltins() });
  return configurationProblems(engine);
}
