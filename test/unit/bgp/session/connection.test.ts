// Connection framing without a network: a stand-in socket emits chunks, the handlers record what
// they were given. Consecutive UPDATEs of one read arrive as one run, other messages alone, all
// in stream order, and UPDATEs before a bad header are delivered before the error.
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { Connection } from "../../../../src/bgp/session/connection.js";
import { DEFAULT_CONTEXT, emptyNlri, encodeMessage } from "../../../../src/bgp/wire/index.js";
import { ManualClock } from "../../../../src/common/clock.js";

class FakeSocket extends EventEmitter {
  destroyed = false;
  writableEnded = false;
  writableNeedDrain = false;
  readonly written: Uint8Array[] = [];
  setNoDelay(): this {
    return this;
  }
  write(b: Uint8Array): boolean {
    this.written.push(b);
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const update = (n: number) =>
  encodeMessage(
    {
      type: "UPDATE",
      withdrawn: emptyNlri("ipv4"),
      nlri: emptyNlri("ipv4"),
      attributes: n === 0 ? {} : { origin: "igp", asPath: [], med: n },
    },
    DEFAULT_CONTEXT,
  );
const keepalive = encodeMessage({ type: "KEEPALIVE" }, DEFAULT_CONTEXT);

function connect() {
  const socket = new FakeSocket();
  const events: string[] = [];
  const conn = new Connection(1, socket as unknown as Socket, new ManualClock(), {
    onMessage: (_c, m) => events.push(`msg:${m[18]}`),
    onUpdates: (_c, ms) => events.push(`updates:${ms.map((m) => m.length).join(",")}`),
    onFramingError: (_c, err) => events.push(`error:${err.notification.subcode}`),
    onInternalError: (_c, err) => events.push(`internal:${String(err)}`),
    onLost: () => events.push("lost"),
    onDrain: () => events.push("drain"),
  });
  return { socket, conn, events };
}

const concat = (...parts: Uint8Array[]) => Buffer.concat(parts);

describe("Connection framing", () => {
  it("hands consecutive UPDATEs of one read over as one run, in order with other messages", () => {
    const { socket, events } = connect();
    const [u1, u2, u3] = [update(1), update(2000), update(0)];
    socket.emit("data", concat(u1, u2, keepalive, u3));
    expect(events).toEqual([`updates:${u1.length},${u2.length}`, "msg:4", `updates:${u3.length}`]);
  });

  it("a message split across reads is delivered when complete", () => {
    const { socket, events } = connect();
    const u = update(7);
    const all = concat(u, u);
    socket.emit("data", all.subarray(0, u.length + 5));
    socket.emit("data", all.subarray(u.length + 5));
    expect(events).toEqual([`updates:${u.length}`, `updates:${u.length}`]);
  });

  it("UPDATEs before a bad header are delivered, then the header error (and nothing after)", () => {
    const { socket, events } = connect();
    const u = update(3);
    const bad = Uint8Array.from(keepalive);
    bad[0] = 0; // marker not all ones: Connection Not Synchronized (1/1)
    socket.emit("data", concat(u, u, bad, u));
    expect(events).toEqual([`updates:${u.length},${u.length}`, "error:1"]);
  });
});
