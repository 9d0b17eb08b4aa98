/**
 * One direction of the session ↔ RIB boundary: messages are queued and delivered in order on a
 * later microtask, never re-entrantly (architecture §8.2), so neither engine ever runs inside the
 * other's call stack. UPDATE bodies cross as bytes, so the RIB could move to a worker thread.
 */
export class Bus<T> {
  private queue: T[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly deliver: (message: T) => void) {}

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
      this.deliver(m);
    }
  }

  /** Drops queued messages and refuses new ones (graceful stop: the RIB must not react). */
  close(): void {
    this.closed = true;
    this.queue = [];
  }
}
