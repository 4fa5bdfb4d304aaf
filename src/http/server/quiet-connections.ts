/**
 * Tracks a server's client connections so a drain can close each one once it has been quiet
 * (no request in progress, no byte received) for a settle time. Node's closeIdleConnections()
 * is not enough: it counts a connection idle until a request's first byte has been parsed, so it
 * also destroys a connection whose request is on its way (in the kernel, or still crossing a
 * loaded machine's loopback) and the client sees a reset for a request it sent before the signal.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

interface State {
  busy: number;
  bytesRead: number;
  quietSince: number;
}

/** The tracked connections of one server. */
export class QuietConnections {
  readonly #sockets = new Map<Socket, State>();

  /** Starts tracking `socket` (the one requests arrive on: the TLS socket under HTTPS). */
  add(socket: Socket): void {
    this.#sockets.set(socket, { busy: 0, bytesRead: socket.bytesRead, quietSince: performance.now() });
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /** Marks `socket` busy until `res` closes. */
  busy(socket: Socket, res: ServerResponse): void {
    const state = this.#sockets.get(socket);
    if (state === undefined) return;
    state.busy++;
    res.once('close', () => {
      state.busy--;
      state.quietSince = performance.now();
    });
  }

  /** Destroys every connection quiet for at least `settleMs`; returns how many are left. */
  closeQuiet(settleMs: number): number {
    const now = performance.now();
    for (const [socket, state] of this.#sockets) {
      const read = socket.bytesRead;
      if (state.busy > 0 || read !== state.bytesRead) {
        state.bytesRead = read;
        state.quietSince = now;
      } else if (now - state.quietSince >= settleMs) {
        socket.destroy();
      }
    }
    return this.#sockets.size;
  }

  /** Destroys every connection. */
  closeAll(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
  }
}
