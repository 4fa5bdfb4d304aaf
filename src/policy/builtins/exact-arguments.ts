/**
 * Exact big-integer arguments through opa-wasm 1.10.0. The SDK looks a custom builtin up by name
 * (`customBuiltins[name]`), then decodes each argument with the global `JSON.parse`, then calls
 * it, all synchronously. Looking the builtin up therefore marks the moment its arguments are
 * about to be decoded: for the next `count` calls only, `JSON.parse` keeps integers beyond 2^53
 * as bigint. The patch undoes itself after those calls, when the builtin starts, at the next
 * evaluation, and in any case at the end of the current job (a microtask), so no other code
 * ever sees it. If a later SDK decoded arguments some other way, the builtins would simply get
 * rounded doubles again, as without this module.
 */
import { parseJsonExact } from './json-numbers.ts';

interface ActivePatch {
  readonly patched: typeof JSON.parse;
  readonly previous: typeof JSON.parse;
  remaining: number;
}

let active: ActivePatch | undefined;

/** Restores the `JSON.parse` that was in place before the patch (if the patch is still there). */
export function restoreJsonParse(): void {
  if (active !== undefined && JSON.parse === active.patched) JSON.parse = active.previous;
  active = undefined;
}

/** Makes the next `count` reviver-less `JSON.parse` calls keep big integers exact. */
export function decodeNextArgumentsExactly(count: number): void {
  restoreJsonParse();
  if (count <= 0) return;
  const previous = JSON.parse;
  const patch: ActivePatch = {
    previous,
    remaining: count,
    patched: function exactArgumentParse(
      text: string,
      reviver?: (this: unknown, key: string, value: unknown) => unknown,
    ): unknown {
      if (reviver !== undefined) return previous(text, reviver);
      patch.remaining--;
      if (patch.remaining <= 0) restoreJsonParse();
      return parseJsonExact(text, previous);
    } as typeof JSON.parse,
  };
  active = patch;
  JSON.parse = patch.patched;
  queueMicrotask(restoreJsonParse);
}
