/**
 * A FIFO of prefix indexes with at most one entry per index (a bitmap says which are queued):
 * the per-peer "prefixes whose advertisement may have changed" queue of UPDATE generation and the
 * kernel queue. Costs one bit per prefix of the table plus four bytes per queued entry.
 */
export class DirtyQueue {
  private bits: Uint32Array;
  private queue: Int32Array;
  private head = 0;
  private tail = 0;

  constructor(capacity = 1024) {
    this.bits = new Uint32Array(Math.ceil(Math.max(32, capacity) / 32));
    this.queue = new Int32Array(64);
  }

  get length(): number {
    return this.tail - this.head;
  }

  has(idx: number): boolean {
    const w = idx >>> 5;
    return w < this.bits.length && (this.bits[w] & (1 << (idx & 31))) !== 0;
  }

  /** Queues `idx` unless it is queued already. */
  push(idx: number): void {
    const w = idx >>> 5;
    if (w >= this.bits.length) this.growBits(w + 1);
    const m = 1 << (idx & 31);
    if ((this.bits[w] & m) !== 0) return;
    this.bits[w] |= m;
    if (this.tail === this.queue.length) this.makeRoom();
    this.queue[this.tail++] = idx;
  }

  /** Next queued index, or -1. */
  shift(): number {
    if (this.head === this.tail) return -1;
    const idx = this.queue[this.head++];
    this.bits[idx >>> 5] &= ~(1 << (idx & 31));
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      if (this.queue.length > 65536) this.queue = new Int32Array(64);
    }
    return idx;
  }

  clear(): void {
    this.bits.fill(0);
    this.head = 0;
    this.tail = 0;
    this.queue = new Int32Array(64);
  }

  byteSize(): number {
    return this.bits.byteLength + this.queue.byteLength;
  }

  private growBits(words: number): void {
    let n = this.bits.length;
    while (n < words) n *= 2;
    const bits = new Uint32Array(n);
    bits.set(this.bits);
    this.bits = bits;
  }

  private makeRoom(): void {
    if (this.head > this.queue.length / 2) {
      this.queue.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
      return;
    }
    const q = new Int32Array(this.queue.length * 2);
    q.set(this.queue.subarray(0, this.tail));
    this.queue = q;
  }
}
