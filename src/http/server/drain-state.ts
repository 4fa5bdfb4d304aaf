/**
 * Whether regent is draining for shutdown. Readiness reads it (503 at once, so load balancers
 * stop sending), and the socket server reads it to ask every client to close its connection.
 */

/** The drain flag, set once by {@link DrainState.begin} and never cleared. */
export class DrainState {
  #draining = false;
  readonly #listeners: (() => void)[] = [];

  /** True from the first {@link DrainState.begin} on. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Starts draining; listeners hear of it once. */
  begin(): void {
    if (this.#draining) return;
    this.#draining = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }

  /** Calls `listener` when draining begins (at once if it has). */
  onBegin(listener: () => void): void {
    if (this.#draining) listener();
    else this.#listeners.push(listener);
  }
}
