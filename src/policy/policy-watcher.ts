/**
 * Watches a policy directory (recursively) and calls back once changes have settled. Editors
 * write a file in several steps and `git checkout` touches many files, so events are debounced:
 * the callback runs `debounceMs` after the last event, not once per event.
 */
import { watch, type FSWatcher } from 'node:fs';

/** A running watch; `close` stops it and cancels a pending callback. */
export interface DirectoryWatch {
  close(): void;
}

/** Starts watching `dir`; `onSettled` runs after `debounceMs` without events, `onError` if the watch fails. */
export function watchDirectory(
  dir: string,
  debounceMs: number,
  onSettled: () => void,
  onError: (err: Error) => void,
): DirectoryWatch {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const settle = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onSettled();
    }, debounceMs);
  };
  try {
    watcher = watch(dir, { recursive: true, persistent: false }, settle);
    watcher.on('error', onError);
  } catch (err) {
    onError(err as Error);
  }
  return {
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      watcher?.close();
    },
  };
}
