/**
 * One direction of the session ↔ RIB boundary: messages are queued and delivered in order on a
 * later microtask, never re-entrantly (architecture §8.2), so neither engine ever runs inside the
 * other's call stack. UPDATE bodies cross as bytes, so the RIB could move to a worker thread.
 */
export class Bus<T> {
  private queue: T[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly deliver: (message: T) => void,
    /** A delivery threw (a bug in the receiving engine): reported, the queue goes on. */
    private readonly onError: (message: T, err: unknown) => void = (_m, err) => {
      throw err;
    },
  ) {}

  post(message: T): void {
    if (this.closed) return;
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const m of batch) {
      if (this.closed) return;
      try {
        this.deliver(m);
      } catch (err) {
        this.onError(m, err);
      }
    }
  }

  /** Drops queued messages and refuses new ones (graceful stop: the RIB must not react). */
  close(): void {
    this.closed = true;
    this.queue = [];
  }
}
