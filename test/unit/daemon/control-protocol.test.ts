import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { LineSplitter, parseRequest } from "../../../src/daemon/control/protocol.js";
import { answer, ControlCommandError } from "../../../src/daemon/control/server.js";

const silent = pino({ level: "silent" });

describe("control protocol", () => {
  it("parses a request and defaults args to {}", () => {
    expect(parseRequest('{"id":1,"cmd":"status"}')).toEqual({
      ok: true,
      request: { id: 1, cmd: "status", args: {} },
    });
    expect(parseRequest('{"id":"a","cmd":"routes","args":{"all":true}}')).toEqual({
      ok: true,
      request: { id: "a", cmd: "routes", args: { all: true } },
    });
  });

  it("rejects malformed requests with CTL_BAD_REQUEST and keeps the id when there is one", () => {
    expect(parseRequest("nope")).toMatchObject({
      ok: false,
      id: null,
      error: { code: "CTL_BAD_REQUEST" },
    });
    expect(parseRequest("[1]")).toMatchObject({ ok: false, error: { code: "CTL_BAD_REQUEST" } });
    expect(parseRequest('{"cmd":"status"}')).toMatchObject({ ok: false, id: null });
    expect(parseRequest('{"id":7}')).toMatchObject({
      ok: false,
      id: 7,
      error: { code: "CTL_BAD_REQUEST" },
    });
    expect(parseRequest('{"id":7,"cmd":"x","args":[]}')).toMatchObject({ ok: false, id: 7 });
  });

  it("splits a byte stream into lines across chunk boundaries", () => {
    const s = new LineSplitter(100);
    expect(s.push('{"id":1,')).toEqual({ lines: [], overflow: false });
    expect(s.push('"cmd":"a"}\n{"id":2,"cmd":"b"}\r\n\n{"id"')).toEqual({
      lines: ['{"id":1,"cmd":"a"}', '{"id":2,"cmd":"b"}'],
      overflow: false,
    });
    expect(s.push(':3,"cmd":"c"}\n').lines).toEqual(['{"id":3,"cmd":"c"}']);
  });

  it("drops an over-long line up to its newline and reports it once", () => {
    const s = new LineSplitter(10);
    expect(s.push("x".repeat(20))).toEqual({ lines: [], overflow: true });
    expect(s.push("yyyy\nok\n")).toEqual({ lines: ["ok"], overflow: false });
  });

  it("dispatches to handlers and maps failures to error responses", async () => {
    const handlers = {
      echo: (args: Readonly<Record<string, unknown>>) => args,
      bad: () => {
        throw new ControlCommandError("CTL_BAD_ARGS", '"x" must be a string');
      },
      boom: async () => {
        throw new Error("kaput");
      },
    };
    expect(await answer('{"id":1,"cmd":"echo","args":{"a":1}}', handlers, silent)).toEqual({
      id: 1,
      ok: true,
      result: { a: 1 },
    });
    expect(await answer('{"id":2,"cmd":"bad"}', handlers, silent)).toEqual({
      id: 2,
      ok: false,
      error: { code: "CTL_BAD_ARGS", message: '"x" must be a string' },
    });
    expect(await answer('{"id":3,"cmd":"boom"}', handlers, silent)).toEqual({
      id: 3,
      ok: false,
      error: { code: "CTL_FAILED", message: "kaput" },
    });
    const unknown = await answer('{"id":4,"cmd":"toString"}', handlers, silent);
    expect(unknown).toMatchObject({ id: 4, ok: false, error: { code: "CTL_UNKNOWN_COMMAND" } });
  });
});
