/**
 * A list of route changes in compact form — kind, route identity and interned body id per entry,
 * in typed arrays — which the kernel port encodes straight into netlink messages
 * (`Kernel.applyRoutes`). A pass of a million route changes builds no object per route.
 */
import type { RouteKey } from "./model.js";

/** Add only if the identity is free (NLM_F_CREATE | NLM_F_EXCL). */
export const OP_ADD = 1;
/** Replace our own route at the identity atomically (NLM_F_CREATE | NLM_F_REPLACE). */
export const OP_REPLACE = 2;
/** Delete the route at the identity with the body's protocol and type. */
export const OP_DEL = 3;

export function opName(kind: number): string {
  return kind === OP_ADD ? "add" : kind === OP_REPLACE ? "replace" : "delete";
}

export class RouteOpList {
  count = 0;
  kinds: Uint8Array;
  /** Numeric keys; NaN where the key is a string (in `strKeys`). */
  keys: Float64Array;
  strKeys: string[] = [];
  /** Body to send (for a delete: the route being deleted). */
  bodies: Int32Array;
  /** What the kernel had at the identity before (0: nothing), to go back to if the op fails. */
  prevs: Int32Array;

  constructor(capacity = 256) {
    this.kinds = new Uint8Array(capacity);
    this.keys = new Float64Array(capacity);
    this.bodies = new Int32Array(capacity);
    this.prevs = new Int32Array(capacity);
  }

  push(kind: number, key: RouteKey, body: number, prev = 0): void {
    const i = this.count;
    if (i === this.kinds.length) this.grow();
    this.kinds[i] = kind;
    this.bodies[i] = body;
    this.prevs[i] = prev;
    if (typeof key === "number") this.keys[i] = key;
    else {
      this.keys[i] = Number.NaN;
      this.strKeys[i] = key;
    }
    this.count = i + 1;
  }

  key(i: number): RouteKey {
    const k = this.keys[i];
    return Number.isNaN(k) ? this.strKeys[i] : k;
  }

  clear(): void {
    this.count = 0;
    this.strKeys.length = 0;
  }

  private grow(): void {
    const n = this.kinds.length * 2;
    const kinds = new Uint8Array(n);
    kinds.set(this.kinds);
    const keys = new Float64Array(n);
    keys.set(this.keys);
    const bodies = new Int32Array(n);
    bodies.set(this.bodies);
    const prevs = new Int32Array(n);
    prevs.set(this.prevs);
    this.kinds = kinds;
    this.keys = keys;
    this.bodies = bodies;
    this.prevs = prevs;
  }
}
