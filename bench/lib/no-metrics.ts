/**
 * Preloaded with `node --import` to run regent without metrics, which has no switch of its own:
 * every import of prom-client resolves to metrics-stub.ts, whose metrics do nothing. regent's
 * own metrics code runs unchanged (so this keeps working as it grows), and the difference in
 * throughput is what recording metrics costs. Worker threads and cluster workers inherit the
 * preload through execArgv.
 */
import { registerHooks } from 'node:module';

const stub = new URL('./metrics-stub.ts', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    // The stub itself re-exports the real prom-client, so its own import is left alone.
    if (specifier === 'prom-client' && context.parentURL !== stub) return nextResolve(stub, context);
    return nextResolve(specifier, context);
  },
});
