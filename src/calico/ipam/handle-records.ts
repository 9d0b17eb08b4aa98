/**
 * Which address an IPAM handle holds, per address family, so that a retried request gets the
 * same address back and a release finds a handle's addresses without scanning every allocation:
 *
 *   ipam/handles/<sha1(handle)>.ipv4.json   {handle, family, ip}   one record per (handle, family)
 *   ipam/handles/<sha1(handle)>.ipv6.json
 *   ipam/handles/<sha1(handle)>.json        {handle, ips}          the earlier per-handle form
 *
 * The per-handle form (written by wren before records were split by family) is still read: its
 * addresses of the asked family count as held, and release removes it. Nothing writes it any
 * more. A record only names an address; the allocation file (ipam/allocations/<ip>.json) stays
 * the authority, so a record whose allocation is gone or belongs to another handle is stale.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Family } from "../../common/contracts/families.js";
import { ipFamily } from "../model/net.js";
import { createExclusive, readJson, removeFile, replaceAtomic } from "./atomic-files.js";

export const HANDLES_DIR = "ipam/handles";

interface FamilyRecord {
  readonly handle: string;
  readonly family: Family;
  readonly ip: string;
}

interface LegacyRecord {
  readonly handle: string;
  readonly ips: readonly string[];
}

const FAMILIES: readonly Family[] = ["ipv4", "ipv6"];

function handleKey(handle: string): string {
  return createHash("sha1").update(handle).digest("hex");
}

export class HandleRecords {
  constructor(private readonly root: string) {}

  recordFile(handle: string, family: Family): string {
    return join(this.root, HANDLES_DIR, `${handleKey(handle)}.${family}.json`);
  }

  legacyFile(handle: string): string {
    return join(this.root, HANDLES_DIR, `${handleKey(handle)}.json`);
  }

  private async record(handle: string, family: Family): Promise<string | null> {
    const r = await readJson<FamilyRecord>(this.recordFile(handle, family));
    return r && r.handle === handle && typeof r.ip === "string" ? r.ip : null;
  }

  private async legacy(handle: string): Promise<string[] | null> {
    const r = await readJson<LegacyRecord>(this.legacyFile(handle));
    if (!r || r.handle !== handle || !Array.isArray(r.ips)) return null;
    return r.ips.filter((ip): ip is string => typeof ip === "string");
  }

  /** Addresses the records say `handle` holds in `family` (current form first); may be stale. */
  async candidates(handle: string, family: Family): Promise<string[]> {
    const out: string[] = [];
    const current = await this.record(handle, family);
    if (current) out.push(current);
    for (const ip of (await this.legacy(handle)) ?? []) {
      if (ipFamily(ip) === family && !out.includes(ip)) out.push(ip);
    }
    return out;
  }

  /** Every address any record of `handle` names, and whether any record exists at all. */
  async all(handle: string): Promise<{ ips: string[]; found: boolean }> {
    const ips: string[] = [];
    let found = false;
    for (const family of FAMILIES) {
      const ip = await this.record(handle, family);
      if (ip) {
        found = true;
        ips.push(ip);
      }
    }
    const legacy = await this.legacy(handle);
    if (legacy) {
      found = true;
      for (const ip of legacy) if (!ips.includes(ip)) ips.push(ip);
    }
    return { ips, found };
  }

  /** Records `ip` for (handle, family) unless a record exists; true when this call wrote it. */
  create(handle: string, family: Family, ip: string): Promise<boolean> {
    return createExclusive(
      this.root,
      this.recordFile(handle, family),
      this.text(handle, family, ip),
    );
  }

  /** Records `ip` for (handle, family), replacing a stale record. */
  replace(handle: string, family: Family, ip: string): Promise<void> {
    return replaceAtomic(this.root, this.recordFile(handle, family), this.text(handle, family, ip));
  }

  /** Removes every record of `handle` (both families and the per-handle form). */
  async remove(handle: string): Promise<void> {
    for (const family of FAMILIES) await removeFile(this.recordFile(handle, family));
    await removeFile(this.legacyFile(handle));
  }

  private text(handle: string, family: Family, ip: string): string {
    return `${JSON.stringify({ handle, family, ip } satisfies FamilyRecord)}\n`;
  }
}
