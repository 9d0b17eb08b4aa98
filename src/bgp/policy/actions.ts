/**
 * Compiles policy actions (contracts/policy.ts `PolicyAction`) and applies them to path
 * attributes. Applying never mutates its input (attribute sets are interned and shared): it
 * returns a new plain object that the RIB interns again. Semantics follow BIRD's filters:
 * community adds are set additions (no duplicates), `prependAsPath` puts the ASNs in front of the
 * path in the given order (RFC 4271 §5.1.2 segment rules: extend a leading AS_SEQUENCE up to 255
 * ASNs, else start a new one), `setLocalPref` and `setMed` replace the value.
 */
import type { PolicyAction } from "../../common/contracts/policy.js";
import type { AsPathSegment, LargeCommunity, PathAttributes } from "../wire/types.js";
import { parseCommunity, parseLargeCommunity } from "./communities.js";
import { PolicyError } from "./errors.js";

export type CompiledAction =
  | { readonly type: "addCommunity"; readonly value: number }
  | { readonly type: "addLargeCommunity"; readonly value: LargeCommunity }
  | { readonly type: "prependAsPath"; readonly asns: readonly number[] }
  | { readonly type: "setLocalPref"; readonly value: number }
  | { readonly type: "setMed"; readonly value: number };

interface Where {
  policy: string;
  statement: number;
}

function checkU32(
  v: number,
  where: Where,
  field: string,
  code: "ERR_POLICY_BAD_VALUE" | "ERR_POLICY_BAD_ASN",
): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new PolicyError(code, `${v} is not a 32-bit unsigned value`, { ...where, field });
  }
}

export function compileAction(a: PolicyAction, where: Where, index: number): CompiledAction {
  const field = `set[${index}]`;
  switch (a.type) {
    case "addCommunity": {
      const value = parseCommunity(a.value);
      if (value === null) {
        throw new PolicyError("ERR_POLICY_BAD_COMMUNITY", `invalid community "${a.value}"`, {
          ...where,
          field: `${field}.value`,
        });
      }
      return { type: "addCommunity", value };
    }
    case "addLargeCommunity": {
      const value = parseLargeCommunity(a.value);
      if (value === null) {
        throw new PolicyError(
          "ERR_POLICY_BAD_LARGE_COMMUNITY",
          `invalid large community "${a.value}"`,
          {
            ...where,
            field: `${field}.value`,
          },
        );
      }
      return { type: "addLargeCommunity", value };
    }
    case "prependAsPath":
      if (!Array.isArray(a.asns) || a.asns.length === 0) {
        throw new PolicyError("ERR_POLICY_BAD_ASN", "prependAsPath needs at least one ASN", {
          ...where,
          field: `${field}.asns`,
        });
      }
      a.asns.forEach((v, i) => {
        checkU32(v, where, `${field}.asns[${i}]`, "ERR_POLICY_BAD_ASN");
      });
      return { type: "prependAsPath", asns: [...a.asns] };
    case "setLocalPref":
      checkU32(a.value, where, `${field}.value`, "ERR_POLICY_BAD_VALUE");
      return { type: "setLocalPref", value: a.value };
    case "setMed":
      checkU32(a.value, where, `${field}.value`, "ERR_POLICY_BAD_VALUE");
      return { type: "setMed", value: a.value };
    default:
      throw new PolicyError(
        "ERR_POLICY_BAD_FIELD",
        `unknown action "${(a as { type: string }).type}"`,
        {
          ...where,
          field: `${field}.type`,
        },
      );
  }
}

/** Stable text of a compiled action, for outcome identity. */
export function actionKey(a: CompiledAction): string {
  switch (a.type) {
    case "addCommunity":
      return `c${a.value}`;
    case "addLargeCommunity":
      return `l${a.value.join(".")}`;
    case "prependAsPath":
      return `p${a.asns.join(".")}`;
    case "setLocalPref":
      return `lp${a.value}`;
    case "setMed":
      return `m${a.value}`;
  }
}

const MAX_SEGMENT = 255;

/** `asns` in front of `path` (RFC 4271 §5.1.2 segment handling). */
export function prependAsns(
  path: readonly AsPathSegment[] | undefined,
  asns: readonly number[],
): AsPathSegment[] {
  // Copies by index (no spread): this runs for every attribute set exported to an eBGP peer.
  const segments: AsPathSegment[] = path === undefined ? [] : path.slice();
  // Prepend from the last ASN backwards so the result starts with asns[0].
  for (let i = asns.length - 1; i >= 0; i--) {
    const first = segments[0];
    if (first !== undefined && first.type === "sequence" && first.asns.length < MAX_SEGMENT) {
      const old = first.asns;
      const out = [asns[i]]; // packed, like the decoder's arrays
      for (let k = 0; k < old.length; k++) out.push(old[k]);
      segments[0] = { type: "sequence", asns: out };
    } else {
      segments.unshift({ type: "sequence", asns: [asns[i]] });
    }
  }
  return segments;
}

/** A new attribute object with `actions` applied in order. */
export function applyActions(
  attrs: PathAttributes,
  actions: readonly CompiledAction[],
): PathAttributes {
  const out: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...attrs };
  for (const a of actions) {
    switch (a.type) {
      case "addCommunity": {
        const cur = out.communities ?? [];
        if (!cur.includes(a.value)) out.communities = [...cur, a.value];
        break;
      }
      case "addLargeCommunity": {
        const cur = out.largeCommunities ?? [];
        const [x, y, z] = a.value;
        if (!cur.some((c) => c[0] === x && c[1] === y && c[2] === z)) {
          out.largeCommunities = [...cur, a.value];
        }
        break;
      }
      case "prependAsPath":
        out.asPath = prependAsns(out.asPath, a.asns);
        break;
      case "setLocalPref":
        out.localPref = a.value;
        break;
      case "setMed":
        out.med = a.value;
        break;
    }
  }
  return out;
}
