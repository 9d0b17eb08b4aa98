/**
 * A `Prefix` (src/common/ip/prefix.ts) for kernel batches: the address is kept as the prefix
 * table's 32-bit words and the `bytes` array is made only when someone reads it (and then kept).
 * A batch carries one per route, and a table load sends every prefix to the kernel once; a
 * `Uint8Array` per route was about half of everything a load allocated (docs/rib.md). The words
 * are copied, so the value stays right after the RIB reuses the prefix's index.
 *
 * It behaves as a plain `Prefix` for every reader of `family`, `bytes` and `length`; it is a
 * class instance with a getter, so a structured clone (postMessage) would not carry `bytes`.
 */
import type { Family } from "../../common/contracts/families.js";
import { ipv4ToBytes } from "../../common/ip/address.js";
import type { Prefix } from "../../common/ip/prefix.js";

export class PackedPrefix implements Prefix {
  readonly family: Family;
  readonly length: number;
  // Int32 (|0) so V8 keeps them as small integers, not boxed doubles.
  private readonly w0: number;
  private readonly w1: number;
  private readonly w2: number;
  private readonly w3: number;
  private made: Uint8Array | null = null;

  constructor(family: Family, w0: number, w1: number, w2: number, w3: number, length: number) {
    this.family = family;
    this.length = length;
    this.w0 = w0 | 0;
    this.w1 = w1 | 0;
    this.w2 = w2 | 0;
    this.w3 = w3 | 0;
  }

  get bytes(): Uint8Array {
    if (this.made !== null) return this.made;
    const v6 = this.family === "ipv6";
    const out = new Uint8Array(v6 ? 16 : 4);
    ipv4ToBytes(this.w0, out, 0);
    if (v6) {
      ipv4ToBytes(this.w1, out, 4);
      ipv4ToBytes(this.w2, out, 8);
      ipv4ToBytes(this.w3, out, 12);
    }
    this.made = out;
    return out;
  }

  /** Own enumerable fields are the words; JSON shows the usual shape instead. */
  toJSON(): { family: Family; bytes: number[]; length: number } {
    return { family: this.family, bytes: [...this.bytes], length: this.length };
  }
}
