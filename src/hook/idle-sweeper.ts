/*
 * One unref'd timer that ends calls whose body made no progress for idleTimeoutMs (e.g. an answer
 * the app never reads). It runs only while calls are in flight: it stops when none is left, and
 * the next call starts it again.
 */

export interface IdleCall {
  /** performance.now() of the call's last event. */
  readonly lastActivityAt: number;
  abandon(reason: string): void;
}

export class IdleSweeper {
  readonly #calls: ReadonlyMap<IdleCall, unknown>;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** `calls`: the calls in flight (abandoning one takes it out); `onError`: what a sweep threw. */
  constructor(calls: ReadonlyMap<IdleCall, unknown>, onError: (error: unknown) => void) {
    this.#calls = calls;
    this.#onError = onError;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Sweeps every quarter of `idleMs` (10 ms to 30 s) from now on, unless already running. */
  ensure(idleMs: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () => {
        try {
          const now = performance.now();
          for (const call of [...this.#calls.keys()]) {
            if (now - call.lastActivityAt > idleMs) call.abandon('timeout');
          }
          if (this.#calls.size === 0) this.stop();
        } catch (err) {
          this.#onError(err);
        }
      },
      Math.max(10, Math.min(idleMs / 4, 30_000)),
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
