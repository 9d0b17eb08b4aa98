import { describe, expect, it } from "vitest";
import { collectGarbage } from "../../../src/common/gc.js";

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("collectGarbage", () => {
  it("runs a full collection: an object only a WeakRef points to is gone afterwards", async () => {
    let ref: WeakRef<object> | null = null;
    (() => {
      ref = new WeakRef({ payload: new Array(1000).fill(0) });
    })();
    // A WeakRef keeps its target alive until the end of the job that created it.
    await nextTurn();
    collectGarbage();
    await nextTurn();
    expect((ref as WeakRef<object> | null)?.deref()).toBeUndefined();
  });
});
