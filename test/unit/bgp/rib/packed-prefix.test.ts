import { describe, expect, it } from "vitest";
import { PrefixTable } from "../../../../src/bgp/rib/prefix-table.js";
import { formatPrefix, parsePrefix } from "../../../../src/common/ip/prefix.js";

describe("PackedPrefix (kernel batch prefixes)", () => {
  it("reads like the Prefix it stands for, IPv4 and IPv6", () => {
    const v4 = new PrefixTable("ipv4");
    const a = v4.packedAt(v4.intern(0xc0a80100, 0, 0, 0, 24));
    expect(a.family).toBe("ipv4");
    expect(a.length).toBe(24);
    expect(a.bytes).toEqual(parsePrefix("192.168.1.0/24").bytes);
    expect(formatPrefix(a)).toBe("192.168.1.0/24");
    expect(JSON.parse(JSON.stringify(a))).toEqual({
      family: "ipv4",
      bytes: [192, 168, 1, 0],
      length: 24,
    });

    const v6 = new PrefixTable("ipv6");
    const b = v6.packedAt(v6.intern(0xfd000000, 0x00010002, 0xffffffff, 0x80000000, 97));
    expect(formatPrefix(b)).toBe("fd00:0:1:2:ffff:ffff:8000:0/97");
    expect(b.bytes).toBe(b.bytes); // made once
  });

  it("keeps its value after the table reuses the index for another prefix", () => {
    const t = new PrefixTable("ipv4");
    const idx = t.intern(0x0a000000, 0, 0, 0, 8);
    t.ref(idx);
    const p = t.packedAt(idx);
    t.unref(idx);
    expect(t.intern(0xac100000, 0, 0, 0, 12)).toBe(idx);
    expect(formatPrefix(p)).toBe("10.0.0.0/8");
  });
});
