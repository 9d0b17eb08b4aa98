/**
 * Which kernel-policy class a BGP prefix falls in (calico_kernel_programming): inside a
 * `rejectCidrs` CIDR (never installed), else the most specific IP pool containing it (its encap
 * decides the route's shape), else plain. A binary trie over the pools and reject CIDRs of one
 * family, built once per plan; a lookup walks at most the prefix's length in bits and allocates
 * nothing. "Containing" is BIRD's `net ~ [ pool+ ]`: the prefix is the pool or a more specific
 * part of it.
 */

/** Installed plainly: outside every pool, or in a pool without encapsulation. */
export const CLASS_PLAIN = 0;
/** IPIP pool: `via <node> dev tunl0 onlink`. */
export const CLASS_IPIP = 1;
/** IPIP CrossSubnet pool: tunl0 only towards next hops outside the node's subnets. */
export const CLASS_IPIP_CROSS_SUBNET = 2;
/** VXLAN pool: never installed from BGP (Felix programs VXLAN routes). */
export const CLASS_VXLAN = 3;
/** Inside a reject CIDR (service CIDRs): never installed. */
export const CLASS_REJECT = 4;

const REJECT_MARK = 0x80;

export class PolicyTrie {
  private readonly zero: number[] = [-1];
  private readonly one: number[] = [-1];
  /** Per node: REJECT_MARK and/or (class + 1) of the first pool ending here. */
  private readonly mark: number[] = [0];

  /** True when nothing was added: every prefix is plain. */
  get empty(): boolean {
    return this.mark.length === 1 && this.mark[0] === 0;
  }

  private node(bytes: Uint8Array, len: number): number {
    let n = 0;
    for (let d = 0; d < len; d++) {
      const bit = (bytes[d >> 3] >> (7 - (d & 7))) & 1;
      const next = bit === 0 ? this.zero : this.one;
      if (next[n] < 0) {
        next[n] = this.mark.length;
        this.zero.push(-1);
        this.one.push(-1);
        this.mark.push(0);
      }
      n = next[n];
    }
    return n;
  }

  addReject(bytes: Uint8Array, len: number): void {
    const n = this.node(bytes, len);
    this.mark[n] |= REJECT_MARK;
  }

  /** Adds a pool; a second pool with the same CIDR does not override the first. */
  addPool(bytes: Uint8Array, len: number, cls: number): void {
    const n = this.node(bytes, len);
    if ((this.mark[n] & 0x7f) === 0) this.mark[n] |= cls + 1;
  }

  /** Class of an IPv4 prefix given as a 32-bit address and a length. */
  classifyV4(addr: number, len: number): number {
    const mark = this.mark;
    let best = CLASS_PLAIN;
    let n = 0;
    for (let d = 0; ; d++) {
      const m = mark[n];
      if (m !== 0) {
        if (m & REJECT_MARK) return CLASS_REJECT;
        best = (m & 0x7f) - 1;
      }
      if (d === len) return best;
      n = ((addr >>> (31 - d)) & 1) === 0 ? this.zero[n] : this.one[n];
      if (n < 0) return best;
    }
  }

  /** Class of a prefix given as address bytes and a length. */
  classify(bytes: Uint8Array, len: number): number {
    const mark = this.mark;
    let best = CLASS_PLAIN;
    let n = 0;
    for (let d = 0; ; d++) {
      const m = mark[n];
      if (m !== 0) {
        if (m & REJECT_MARK) return CLASS_REJECT;
        best = (m & 0x7f) - 1;
      }
      if (d === len) return best;
      n = ((bytes[d >> 3] >> (7 - (d & 7))) & 1) === 0 ? this.zero[n] : this.one[n];
      if (n < 0) return best;
    }
  }
}
