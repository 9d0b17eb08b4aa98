/**
 * zod field types for Calico resource values that plain JSON types do not capture: AS numbers
 * (integer or asdot), Go durations, IP addresses and CIDRs (canonicalised), peer addresses with
 * ports, selectors (parsed, errors naming the position), label maps, enums with Calico's exact
 * spellings. Each produces one clear message naming the offending value, e.g.
 * `"65536x" is not an AS number`.
 */
import { z } from "zod";
import type { Family } from "../../common/contracts/families.js";
import { errorMessage } from "../../common/errors.js";
import { parseSelector } from "../selector/parser.js";
import { parseAsNumber } from "./asn.js";
import { parseDuration } from "./duration.js";
import {
  canonicalIp,
  type InterfaceAddress,
  ipFamily,
  type ParsedCidr,
  parseCidr,
  parseInterfaceAddress,
  parsePeerAddress,
} from "./net.js";

/** Text of a YAML value for messages: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value) ?? String(value);
}

type Check<T> = { ok: true; value: T } | { ok: false; message: string };

/** A field whose value is converted by `parse`; failures become one custom issue. */
export function converted<T>(parse: (value: unknown) => Check<T>) {
  return z.unknown().transform((value, ctx): T => {
    const r: Check<T> = value === undefined ? { ok: false, message: "is required" } : parse(value);
    if (!r.ok) {
      ctx.addIssue({ code: "custom", message: r.message });
      return z.NEVER;
    }
    return r.value;
  });
}

export const asNumber = converted<number>((v) => {
  const n = parseAsNumber(v);
  return n === null
    ? { ok: false, message: `${show(v)} is not an AS number` }
    : { ok: true, value: n };
});

/** Go duration text → seconds. */
export const duration = converted<number>((v) => {
  if (typeof v !== "string") {
    return { ok: false, message: `${show(v)} is not a duration (write it like "120s" or "2m")` };
  }
  const s = parseDuration(v);
  if (s === null || s < 0) {
    return { ok: false, message: `${show(v)} is not a duration (write it like "120s" or "2m")` };
  }
  return { ok: true, value: s };
});

export function ipAddress(family?: Family) {
  return converted<string>((v) => {
    const ip = typeof v === "string" ? canonicalIp(v) : null;
    if (ip === null) return { ok: false, message: `${show(v)} is not an IP address` };
    if (family && ipFamily(ip) !== family) {
      return {
        ok: false,
        message: `${show(v)} is not an ${family === "ipv4" ? "IPv4" : "IPv6"} address`,
      };
    }
    return { ok: true, value: ip };
  });
}

/** A CIDR; `strict` rejects host bits (IPPool cidr), otherwise they are cleared. */
export function cidr(options: { strict?: boolean; family?: Family } = {}) {
  return converted<ParsedCidr>((v) => {
    const p = typeof v === "string" ? parseCidr(v) : null;
    if (p === null) return { ok: false, message: `${show(v)} is not a CIDR (e.g. 10.244.0.0/16)` };
    if (options.family && p.prefix.family !== options.family) {
      return {
        ok: false,
        message: `${show(v)} is not an ${options.family === "ipv4" ? "IPv4" : "IPv6"} CIDR`,
      };
    }
    if (options.strict && p.hostBitsSet) {
      return { ok: false, message: `${show(v)} has host bits set (did you mean ${p.cidr}?)` };
    }
    return { ok: true, value: p };
  });
}

/** CIDR given as plain text result (canonical). */
export function cidrText(options: { strict?: boolean; family?: Family } = {}) {
  return cidr(options).transform((p) => p.cidr);
}

/** "10.0.0.11/24" or "10.0.0.11" (Node spec.bgp.ipv4Address). */
export function interfaceAddress(family: Family) {
  return converted<InterfaceAddress>((v) => {
    const a = typeof v === "string" ? parseInterfaceAddress(v) : null;
    const name = family === "ipv4" ? "IPv4" : "IPv6";
    if (a === null || a.family !== family) {
      return {
        ok: false,
        message: `${show(v)} is not an ${name} address with prefix length (e.g. ${family === "ipv4" ? "10.0.0.11/24" : "fd00::11/64"})`,
      };
    }
    return { ok: true, value: a };
  });
}

export const peerAddress = converted<{ address: string; port: number }>((v) => {
  const p = typeof v === "string" ? parsePeerAddress(v) : null;
  if (p === null) {
    return {
      ok: false,
      message: `${show(v)} is not a peer address (an IP, "ip:port" or "[ipv6]:port")`,
    };
  }
  return { ok: true, value: p };
});

/** A selector; the text is kept (evaluation compiles it again from a cache). */
export const selectorText = converted<string>((v) => {
  if (typeof v !== "string") return { ok: false, message: `${show(v)} is not a selector string` };
  try {
    parseSelector(v);
    return { ok: true, value: v };
  } catch (err) {
    return { ok: false, message: errorMessage(err) };
  }
});

export function oneOf<const T extends readonly string[]>(values: T) {
  return converted<T[number]>((v) =>
    typeof v === "string" && (values as readonly string[]).includes(v)
      ? { ok: true, value: v as T[number] }
      : { ok: false, message: `${show(v)} is not one of ${values.join(", ")}` },
  );
}

export function integer(min: number, max: number) {
  return converted<number>((v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? { ok: true, value: v }
      : { ok: false, message: `${show(v)} is not an integer in ${min}..${max}` },
  );
}

export const boolean = converted<boolean>((v) =>
  typeof v === "boolean"
    ? { ok: true, value: v }
    : { ok: false, message: `${show(v)} is not true or false` },
);

export const text = converted<string>((v) =>
  typeof v === "string"
    ? { ok: true, value: v }
    : { ok: false, message: `${show(v)} is not a string` },
);

export const nonEmptyText = converted<string>((v) =>
  typeof v === "string" && v !== ""
    ? { ok: true, value: v }
    : { ok: false, message: `${show(v)} is not a non-empty string` },
);

/** Kubernetes labels: string values; YAML scalars (numbers, booleans) are taken as their text. */
export const labels = converted<Readonly<Record<string, string>>>((v) => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return { ok: false, message: `${show(v)} is not a map of labels` };
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === "string") out[k] = val;
    else if (typeof val === "number" || typeof val === "boolean") out[k] = String(val);
    else return { ok: false, message: `label ${k}: ${show(val)} is not a string` };
  }
  return { ok: true, value: out };
});

export const stringList = z.array(text);

/** Anything: fields wren accepts without using (see model/ignored-fields.ts). */
export const ignored = z.unknown();
