/**
 * IPAM block arithmetic: the blocks of a pool (pool CIDR cut into /blockSize pieces, in address
 * order), the first block not yet taken, and the addresses of a block. Works on BigInt so that
 * IPv6 pools (2^58 blocks of /122 in a /64) are walked lazily without materialising them.
 */
import type { Family } from "../../common/contracts/families.js";
import { formatAddress, parseAddress } from "../../common/ip/index.js";
import { cidrPrefix } from "../model/net.js";

function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBig(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 255n);
    v >>= 8n;
  }
  return out;
}

function bits(family: Family): number {
  return family === "ipv4" ? 32 : 128;
}

/** The blocks of `pool` (a CIDR) of length `blockSize`, in address order. */
export function* poolBlocks(pool: string, blockSize: number): Generator<string> {
  const p = cidrPrefix(pool);
  const width = bits(p.family);
  if (blockSize < p.length || blockSize > width) return;
  const start = toBig(p.bytes);
  const count = 1n << BigInt(blockSize - p.length);
  const step = 1n << BigInt(width - blockSize);
  for (let i = 0n; i < count; i++) {
    yield `${formatAddress(fromBig(start + i * step, p.bytes.length))}/${blockSize}`;
  }
}

/** First block of `pool` not in `taken` (canonical CIDR texts); null when all are taken. */
export function firstFreeBlock(
  pool: string,
  blockSize: number,
  taken: ReadonlySet<string>,
): string | null {
  for (const b of poolBlocks(pool, blockSize)) if (!taken.has(b)) return b;
  return null;
}

/** Number of addresses in a block (as a JS number; blocks are at most 2^12 addresses). */
export function blockSize(block: string): number {
  const p = cidrPrefix(block);
  return 2 ** (bits(p.family) - p.length);
}

/** The address at `index` inside `block` (0 = the block's first address). */
export function blockAddress(block: string, index: number): string {
  const p = cidrPrefix(block);
  return formatAddress(fromBig(toBig(p.bytes) + BigInt(index), p.bytes.length));
}

/** Index of `address` inside `block`, or -1 when outside. */
export function addressIndex(block: string, address: string): number {
  const p = cidrPrefix(block);
  const a = parseAddress(address);
  if (a === null || a.length !== p.bytes.length) return -1;
  const offset = toBig(a) - toBig(p.bytes);
  return offset >= 0n && offset < BigInt(blockSize(block)) ? Number(offset) : -1;
}

/** The block of length `blockSize` containing `address` ("10.244.3.77", 26 → "10.244.3.64/26"). */
export function blockOf(address: string, blockSize: number): string {
  const bytes = parseAddress(address);
  if (bytes === null) throw new RangeError(`invalid address ${address}`);
  const width = bytes.length * 8;
  const hostBits = BigInt(width - blockSize);
  const base = (toBig(bytes) >> hostBits) << hostBits;
  return `${formatAddress(fromBig(base, bytes.length))}/${blockSize}`;
}
