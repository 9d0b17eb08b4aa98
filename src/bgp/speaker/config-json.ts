/**
 * Reads a `SpeakerConfig` from JSON (`wren speaker --config FILE.json`, and its `configure`
 * command): validates every field with zod, fills the defaults an operator would expect from
 * BIRD/Calico (hold 240 s, keepalive 80 s, connect retry 5 s, DelayOpen off, graceful restart
 * on with 120 s, port 179, families from the peer address), canonicalises addresses, and reports errors with
 * the file and the field path (e.g. `speaker.json: peers[1].asNumber: expected number`).
 */
import { z } from "zod";
import {
  type Family,
  PEER_DEFAULTS,
  type PeerConfig,
  type SpeakerConfig,
} from "../../common/contracts/index.js";
import { WrenError } from "../../common/errors.js";
import { canonicalAddress, familyOf } from "../../common/ip/address.js";

export class SpeakerConfigError extends WrenError {
  constructor(message: string) {
    super("ERR_SPEAKER_CONFIG", message);
    this.name = "SpeakerConfigError";
  }
}

const address = z.string().refine((s) => canonicalAddress(s) !== null, "not an IP address");
const asn = z.number().int().min(1).max(4294967295);
const seconds = z.number().int().min(0).max(65535);

const peerSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "use letters, digits and _ . : - (max 64)"),
    type: z.enum(["node-to-node mesh", "global", "node specific"]).default("global"),
    address,
    port: z.number().int().min(1).max(65535).default(PEER_DEFAULTS.port),
    asNumber: asn,
    localAsNumber: asn.optional(),
    families: z
      .array(z.enum(["ipv4", "ipv6"]))
      .min(1)
      .optional(),
    passive: z.boolean().default(false),
    rrClient: z.boolean().default(false),
    clusterId: z.string().nullable().default(null),
    nextHop: z.enum(["auto", "self", "keep"]).default("auto"),
    sourceAddress: address.nullable().default(null),
    multihop: z.number().int().min(1).max(255).nullable().default(null),
    ttlSecurity: z.number().int().min(0).max(254).default(0),
    gracefulRestartTime: z
      .number()
      .int()
      .min(0)
      .max(4095)
      .default(PEER_DEFAULTS.gracefulRestartTime),
    holdTime: seconds
      .refine((v) => v === 0 || v >= 3, "0 or at least 3")
      .default(PEER_DEFAULTS.holdTime),
    keepaliveTime: seconds.default(PEER_DEFAULTS.keepaliveTime),
    connectRetryTime: z.number().int().min(1).max(65535).default(PEER_DEFAULTS.connectRetryTime),
    // RFC 4271 §8.1.1; FRR's `timers delayopen` takes 1-240. Absent stays absent (= off).
    delayOpenTime: z
      .number()
      .refine((v) => Number.isInteger(v) && v >= 0 && v <= 240, "whole seconds, 0 (off) to 240")
      .optional(),
    allowasIn: z.number().int().min(0).max(10).default(0),
    password: z.string().min(1).max(80).nullable().default(null),
    addPaths: z.enum(["off", "receive", "send", "both"]).default("off"),
    importPolicy: z.array(z.string()).default([]),
    exportPolicy: z.array(z.string()).default([]),
    maxPrefix: z
      .object({
        limit: z.number().int().min(1),
        action: z.enum(["warn", "restart"]).default("restart"),
        restartAfter: z.number().int().min(0).default(60),
      })
      .nullable()
      .default(null),
    shutdown: z.boolean().default(false),
    description: z.string().default(""),
  })
  .strict();

const configSchema = z
  .object({
    routerId: z.string().refine((s) => familyOf(s) === "ipv4", "must be an IPv4 address"),
    asNumber: asn,
    listen: z
      .object({
        address: address.nullable().default(null),
        port: z.number().int().min(0).max(65535).default(179),
      })
      .strict()
      .default({ address: null, port: 179 }),
    clusterId: z.string().nullable().default(null),
    gracefulRestart: z
      .object({
        enabled: z.boolean().default(true),
        restartTime: z.number().int().min(0).max(4095).default(120),
        convergenceTimeout: z.number().int().min(1).default(300),
      })
      .strict()
      .default({ enabled: true, restartTime: 120, convergenceTimeout: 300 }),
    peers: z.array(peerSchema).default([]),
    // Policies are validated by the RIB/policy engine; they are passed through as given.
    policies: z.array(z.any()).default([]),
    originate: z
      .array(
        z
          .object({
            prefix: z.string(),
            kind: z.enum(["block", "service", "borrowed", "static"]).default("static"),
            interface: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    maxPaths: z.number().int().min(1).max(64).default(1),
    multipathRelax: z.boolean().default(false),
    alwaysCompareMed: z.boolean().default(false),
  })
  .strict();

function formatIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path
        .map((p, n) => (typeof p === "number" ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
        .join("");
      return `${source}: ${path || "(top level)"}: ${i.message}`;
    })
    .join("\n");
}

/** Parses and validates a speaker configuration from a JSON value. */
export function speakerConfigFromJson(value: unknown, source = "config"): SpeakerConfig {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw new SpeakerConfigError(formatIssues(source, parsed.error));
  const c = parsed.data;
  const names = new Set<string>();
  const peers: PeerConfig[] = c.peers.map((p, i) => {
    if (names.has(p.name))
      throw new SpeakerConfigError(`${source}: peers[${i}].name: duplicate peer name "${p.name}"`);
    names.add(p.name);
    const addr = canonicalAddress(p.address)!;
    const families: Family[] = p.families ?? [familyOf(addr) ?? "ipv4"];
    return {
      ...p,
      address: addr,
      sourceAddress: p.sourceAddress === null ? null : canonicalAddress(p.sourceAddress),
      localAsNumber: p.localAsNumber ?? c.asNumber,
      families,
      keepaliveTime: Math.min(
        p.keepaliveTime,
        p.holdTime === 0 ? p.keepaliveTime : Math.floor(p.holdTime / 3),
      ),
    };
  });
  return {
    ...c,
    listen: {
      address: c.listen.address === null ? null : canonicalAddress(c.listen.address),
      port: c.listen.port,
    },
    peers,
  } as SpeakerConfig;
}

export function parseSpeakerConfig(text: string, source: string): SpeakerConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SpeakerConfigError(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  return speakerConfigFromJson(value, source);
}
