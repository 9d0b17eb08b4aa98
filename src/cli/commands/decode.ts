/**
 * `wren decode [--hex HEX | FILE] [--as4] [--addpath FAMILIES] [--extended-message] [--pretty]`:
 * the BGP codec's command-line face. Splits the input (raw message bytes or hex text, several
 * messages allowed; FILE `-` is stdin) into messages and prints each as one JSON object per line
 * (docs/decode.md). A malformed message prints `{"error": {...}}` beside what could be decoded.
 * Exit status: 1 when any message would need a session reset, 2 on usage errors, else 0.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type BgpError,
  type CodecContext,
  decodeMessage,
  decodeUpdate,
  errorToJson,
  Framer,
  HEADER_LENGTH,
  isBgpError,
  type Json,
  MAX_EXTENDED_MESSAGE,
  MAX_MESSAGE,
  MESSAGE_TYPE_NAMES,
  MessageType,
  makeContext,
  toJson,
} from "../../bgp/wire/index.js";
import { hexToBytes } from "../../common/bytes/hex.js";
import type { AfiSafiName } from "../../common/contracts/families.js";

export const summary = "decode BGP messages (hex or raw bytes) to JSON";

const USAGE = `usage: wren decode [--hex HEX | FILE] [options]

Decodes BGP-4 messages (header included; several may follow each other) and prints one JSON
object per message on stdout. FILE holds raw message bytes or hex text; "-" reads stdin.

options:
  --hex HEX                 the messages as hex (spaces, ':' and 0x prefixes allowed)
  --as4                     the session negotiated 4-octet AS numbers (RFC 6793)
  --addpath FAMILIES        ADD-PATH path identifiers are present (RFC 7911), e.g.
                            ipv4-unicast,ipv6-unicast
  --extended-message        messages up to 65535 octets (RFC 8654)
  --pretty                  indent the JSON
  -h, --help                this text

exit status: 0 ok, 1 a message needs a session reset (NOTIFICATION), 2 usage error
JSON format: docs/decode.md`;

const FAMILIES: readonly AfiSafiName[] = ["ipv4-unicast", "ipv6-unicast"];

/** Hex text (what `--hex` accepts) or raw bytes? Raw BGP starts with 0xff, never printable. */
function inputBytes(data: Buffer): Uint8Array {
  const text = data.toString("latin1");
  if (/^[\s0-9a-fA-Fx:,_-]*$/.test(text)) return hexToBytes(text);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function parse(
  args: string[],
):
  | { ok: true; bytes: Uint8Array; ctx: CodecContext; pretty: boolean }
  | { ok: false; code: number; message: string } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        hex: { type: "string" },
        as4: { type: "boolean", default: false },
        addpath: { type: "string" },
        "extended-message": { type: "boolean", default: false },
        pretty: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    return { ok: false, code: 2, message: `wren decode: ${(err as Error).message}\n\n${USAGE}` };
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help === true) return { ok: false, code: 0, message: USAGE };
  const files = parsed.positionals;
  if ((v.hex === undefined) === (files.length === 0) || files.length > 1) {
    return {
      ok: false,
      code: 2,
      message: `wren decode: give either --hex HEX or one FILE\n\n${USAGE}`,
    };
  }
  const addPath: AfiSafiName[] = [];
  if (typeof v.addpath === "string") {
    for (const name of v.addpath
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (!FAMILIES.includes(name as AfiSafiName)) {
        return {
          ok: false,
          code: 2,
          message: `wren decode: --addpath: unknown family "${name}" (use ${FAMILIES.join(", ")})`,
        };
      }
      addPath.push(name as AfiSafiName);
    }
  }
  let bytes: Uint8Array;
  try {
    if (typeof v.hex === "string") {
      bytes = hexToBytes(v.hex);
    } else {
      const file = files[0];
      bytes = inputBytes(file === "-" ? readFileSync(0) : readFileSync(file));
    }
  } catch (err) {
    const source = typeof v.hex === "string" ? "--hex" : files[0];
    return { ok: false, code: 2, message: `wren decode: ${source}: ${(err as Error).message}` };
  }
  const ctx = makeContext({
    as4: v.as4 === true,
    addPath,
    extendedMessage: v["extended-message"] === true,
  });
  return { ok: true, bytes, ctx, pretty: v.pretty === true };
}

function errorJson(err: BgpError, type: number | null): { [key: string]: Json } {
  const name = type === null ? undefined : MESSAGE_TYPE_NAMES[type];
  return name === undefined ? { error: errorToJson(err) } : { type: name, error: errorToJson(err) };
}

export async function run(args: string[]): Promise<number> {
  const p = parse(args);
  if (!p.ok) {
    (p.code === 0 ? console.log : console.error)(p.message);
    return p.code;
  }
  const { bytes, ctx, pretty } = p;
  const out: string[] = [];
  const print = (j: { [key: string]: Json }) =>
    out.push(JSON.stringify(j, null, pretty ? 2 : undefined));
  let reset = false;
  let lostSync = false;
  const framer = new Framer({
    maxMessageLength: ctx.extendedMessage ? MAX_EXTENDED_MESSAGE : MAX_MESSAGE,
  });
  framer.push(bytes);
  for (;;) {
    let msg: Uint8Array | null;
    try {
      msg = framer.next();
    } catch (err) {
      if (!isBgpError(err)) throw err;
      print(errorJson(err, null));
      reset = true;
      lostSync = true;
      break; // a bad header loses the message boundaries: nothing after it can be trusted
    }
    if (msg === null) break;
    const type = msg[18];
    try {
      if (type === MessageType.UPDATE) {
        const decoded = decodeUpdate(msg.subarray(HEADER_LENGTH), ctx);
        print(toJson(decoded));
        if (decoded.action === "session-reset") reset = true;
      } else {
        print(toJson(decodeMessage(msg, ctx)));
      }
    } catch (err) {
      if (!isBgpError(err)) throw err;
      print(errorJson(err, type));
      if (err.action === "session-reset") reset = true;
    }
  }
  if (!lostSync && framer.buffered > 0) {
    print({
      error: {
        code: 1,
        subcode: 2,
        action: "session-reset",
        reason: `${framer.buffered} octet(s) at the end do not make a complete message`,
      },
    });
    reset = true;
  }
  if (out.length > 0) process.stdout.write(`${out.join("\n")}\n`);
  return reset ? 1 : 0;
}
