/**
 * Packed NLRI lists (types.ts `NlriList`): one `lengths` array, one `addrs` array (4 or 16
 * octets per entry, host bits zero) and optional ADD-PATH path identifiers (RFC 7911 §3), so a
 * list of a thousand prefixes is three allocations, not a thousand objects. Helpers convert to
 * and from `Prefix` values for code that wants them, and `NlriBuilder` appends entries without
 * per-prefix objects (the RIB's UPDATE generation and the wire decoder use it).
 */
import type { Family } from "../../common/contracts/families.js";
import { addressLength, type Prefix } from "../../common/ip/prefix.js";
import type { NlriList } from "./types.js";

const EMPTY_IPV4: NlriList = Object.freeze({
  family: "ipv4",
  count: 0,
  lengths: new Uint8Array(0),
  addrs: new Uint8Array(0),
  pathIds: null,
}) as NlriList;
const EMPTY_IPV6: NlriList = Object.freeze({
  family: "ipv6",
  count: 0,
  lengths: new Uint8Array(0),
  addrs: new Uint8Array(0),
  pathIds: null,
}) as NlriList;

/** A shared, empty list of the family. */
export function emptyNlri(family: Family): NlriList {
  return family === "ipv4" ? EMPTY_IPV4 : EMPTY_IPV6;
}

/** Octets per entry in `addrs`. */
export function nlriWidth(family: Family): number {
  return family === "ipv4" ? 4 : 16;
}

/** A packed list of `prefixes` (host bits cleared), with path identifiers when given. */
export function nlriFromPrefixes(
  family: Family,
  prefixes: readonly Prefix[],
  pathIds?: readonly number[],
): NlriList {
  if (pathIds !== undefined && pathIds.length !== prefixes.length) {
    throw new RangeError(
      `nlriFromPrefixes: ${prefixes.length} prefixes but ${pathIds.length} path ids`,
    );
  }
  const b = new NlriBuilder(family, pathIds !== undefined, prefixes.length);
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i];
    if (p.family !== family)
      throw new RangeError(`nlriFromPrefixes: ${p.family} prefix in a ${family} list`);
    b.append(p.bytes, p.length, pathIds?.[i]);
  }
  return b.build();
}

/** Entry `i` as a `Prefix` (a fresh copy of its bytes). */
export function nlriPrefixAt(list: NlriList, i: number): Prefix {
  if (i < 0 || i >= list.count)
    throw new RangeError(`NLRI index ${i} out of range (count ${list.count})`);
  const w = nlriWidth(list.family);
  return {
    family: list.family,
    bytes: list.addrs.slice(i * w, i * w + w),
    length: list.lengths[i],
  };
}

export function nlriToPrefixes(list: NlriList): Prefix[] {
  const out: Prefix[] = new Array(list.count);
  for (let i = 0; i < list.count; i++) out[i] = nlriPrefixAt(list, i);
  return out;
}

/** Path identifier of entry `i`, or null when the list carries none. */
export function nlriPathIdAt(list: NlriList, i: number): number | null {
  return list.pathIds === null ? null : list.pathIds[i];
}

/** True when both lists have the same entries in the same order. */
export function nlriEquals(a: NlriList, b: NlriList): boolean {
  if (a.family !== b.family || a.count !== b.count) return false;
  if ((a.pathIds === null) !== (b.pathIds === null)) return false;
  const w = nlriWidth(a.family);
  for (let i = 0; i < a.count; i++) {
    if (a.lengths[i] !== b.lengths[i]) return false;
    if (a.pathIds !== null && a.pathIds[i] !== b.pathIds![i]) return false;
  }
  for (let i = 0; i < a.count * w; i++) if (a.addrs[i] !== b.addrs[i]) return false;
  return true;
}

/**
 * Appends entries to a growing packed list. `append` copies the significant octets of the
 * address and clears host bits; `build` returns an exactly sized `NlriList`.
 */
export class NlriBuilder {
  readonly family: Family;
  readonly withPathIds: boolean;
  private readonly width: number;
  private readonly maxLen: number;
  private lengths: Uint8Array;
  private addrs: Uint8Array;
  private pathIds: Uint32Array | null;
  private n = 0;

  constructor(family: Family, withPathIds = false, capacity = 16) {
    this.family = family;
    this.withPathIds = withPathIds;
    this.width = addressLength(family);
    this.maxLen = this.width * 8;
    const cap = Math.max(1, capacity);
    this.lengths = new Uint8Array(cap);
    this.addrs = new Uint8Array(cap * this.width);
    this.pathIds = withPathIds ? new Uint32Array(cap) : null;
  }

  get count(): number {
    return this.n;
  }

  private grow(): void {
    const cap = this.lengths.length * 2;
    const lengths = new Uint8Array(cap);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const addrs = new Uint8Array(cap * this.width);
    addrs.set(this.addrs);
    this.addrs = addrs;
    if (this.pathIds !== null) {
      const ids = new Uint32Array(cap);
      ids.set(this.pathIds);
      this.pathIds = ids;
    }
  }

  /**
   * Appends a prefix whose address octets start at `bytes[offset]` (at least ⌈length/8⌉ of
   * them are read). `pathId` is required when the builder carries path identifiers.
   */
  append(bytes: Uint8Array, length: number, pathId?: number, offset = 0): void {
    if (!Number.isInteger(length) || length < 0 || length > this.maxLen) {
      throw new RangeError(`prefix length ${length} out of range for ${this.family}`);
    }
    if (this.n === this.lengths.length) this.grow();
    const i = this.n++;
    this.lengths[i] = length;
    const base = i * this.width;
    const full = length >> 3;
    const addrs = this.addrs;
    for (let k = 0; k < full; k++) addrs[base + k] = bytes[offset + k];
    const rest = length & 7;
    if (rest !== 0) addrs[base + full] = bytes[offset + full] & ((0xff00 >> rest) & 0xff);
    if (this.pathIds !== null) {
      if (pathId === undefined) throw new RangeError("NlriBuilder: path identifier required");
      this.pathIds[i] = pathId >>> 0;
    }
  }

  /** Appends an IPv4 prefix given as a uint32 address (IPv4 builders only). */
  appendIPv4(address: number, length: number, pathId?: number): void {
    if (this.family !== "ipv4") throw new RangeError("appendIPv4 on an IPv6 builder");
    if (!Number.isInteger(length) || length < 0 || length > 32) {
      throw new RangeError(`prefix length ${length} out of range for ipv4`);
    }
    if (this.n === this.lengths.length) this.grow();
    const i = this.n++;
    this.lengths[i] = length;
    const masked = length === 0 ? 0 : (address & (0xffffffff << (32 - length))) >>> 0;
    const base = i * 4;
    this.addrs[base] = masked >>> 24;
    this.addrs[base + 1] = (masked >>> 16) & 255;
    this.addrs[base + 2] = (masked >>> 8) & 255;
    this.addrs[base + 3] = masked & 255;
    if (this.pathIds !== null) {
      if (pathId === undefined) throw new RangeError("NlriBuilder: path identifier required");
      this.pathIds[i] = pathId >>> 0;
    }
  }

  build(): NlriList {
    const n = this.n;
    if (n === 0 && this.pathIds === null) return emptyNlri(this.family);
    return {
      family: this.family,
      count: n,
      lengths: this.lengths.slice(0, n),
      addrs: this.addrs.slice(0, n * this.width),
      pathIds: this.pathIds === null ? null : this.pathIds.slice(0, n),
    };
  }
}
