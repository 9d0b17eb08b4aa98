// Calico's selector language: evaluation tables from Calico's documented examples (docs
// "Selectors" reference and libcalico-go parser tests), the absent-label rules, and parse errors
// that name the position.
import { describe, expect, it } from "vitest";
import { SelectorSyntaxError } from "../../../src/calico/errors.js";
import {
  compileSelector,
  parseSelector,
  selectorToString,
} from "../../../src/calico/selector/index.js";
import { isWrenError } from "../../../src/common/errors.js";

const labels = {
  a: "b",
  c: "d",
  "calico-route-reflector": "",
  "kubernetes.io/hostname": "worker1",
  rack: "rack0",
  env: "production",
};

describe("selector evaluation", () => {
  const table: [string, boolean][] = [
    ["", true],
    ["all()", true],
    ["all( )", true],
    ["global()", true],
    ["has(a)", true],
    ["has( a )", true],
    ["has(x)", false],
    ["!has(x)", true],
    ["!has(a)", false],
    ["!!has(a)", true],
    ["!!!has(a)", false],
    ["has(calico-route-reflector)", true],
    ["!has(calico-route-reflector)", false],
    ["a == 'b'", true],
    ['a == "b"', true],
    ["a=='b'", true],
    ["a == 'c'", false],
    ["x == ''", false], // == is false when the label is absent
    ["calico-route-reflector == ''", true],
    ["a != 'c'", true],
    ["a != 'b'", false],
    ["x != 'b'", true], // != is true when the label is absent
    ["a in {'b', 'c'}", true],
    ["a in {'x'}", false],
    ["a in {}", false],
    ["x in {'b'}", false],
    ["a not in {'x', 'y'}", true],
    ["a notin {'b'}", false],
    ["x not in {'b'}", true],
    ["env contains 'duct'", true],
    ["env contains 'dev'", false],
    ["x contains ''", false],
    ["env starts with 'prod'", true],
    ["env startswith 'prod'", true],
    ["env starts with 'duct'", false],
    ["env ends with 'tion'", true],
    ["env ends   with 'prod'", false],
    ["kubernetes.io/hostname == 'worker1'", true],
    ["a == 'b' && c == 'd'", true],
    ["a == 'b' && c == 'x'", false],
    ["a == 'x' || c == 'd'", true],
    ["a == 'x' || c == 'x'", false],
    ["a == 'x' || c == 'd' && rack == 'rack1'", false], // && binds tighter than ||
    ["(a == 'x' || c == 'd') && rack == 'rack0'", true],
    ["!(a == 'b' && c == 'd')", false],
    ["!(a == 'x') && has(rack)", true],
    ["has(a) && !has(x) && rack in {'rack0','rack1'}", true],
    ["\thas(a)\t&&\thas(c)", true],
  ];
  it.each(table)("%j → %s", (text, expected) => {
    expect(compileSelector(text).matches(labels)).toBe(expected);
  });

  it("selects the seed 002 route reflectors and their clients", () => {
    const rr = { "calico-route-reflector": "", "kubernetes.io/hostname": "k8s-m1" };
    const client = { "kubernetes.io/hostname": "k8s-m2" };
    expect(compileSelector("has(calico-route-reflector)").matches(rr)).toBe(true);
    expect(compileSelector("has(calico-route-reflector)").matches(client)).toBe(false);
    expect(compileSelector("!has(calico-route-reflector)").matches(client)).toBe(true);
  });

  it("prints a canonical form that parses to the same tree", () => {
    for (const [text] of table) {
      const printed = selectorToString(parseSelector(text));
      expect(parseSelector(printed)).toEqual(parseSelector(text));
    }
  });
});

describe("selector parse errors name the position", () => {
  const errors: [string, number, RegExp][] = [
    ["a = 'b'", 3, /"="/],
    ["a == b", 6, /quoted string/],
    ["a == 'b", 6, /unterminated string/],
    ["has(a) & has(b)", 8, /"&"/],
    ["has(a) | has(b)", 8, /"\|"/],
    ["a 'b'", 3, /after label "a"/],
    ["has (a)", 5, /"\("/],
    ["has()", 5, /label inside has\(\)/],
    ["has(a", 6, /"\)"/],
    ["(has(a)", 8, /"\)"/],
    ["a in {'b'", 10, /"," or "}"/],
    ["a in {'b' 'c'}", 11, /"," or "}"/],
    ["a in 'b'", 6, /"\{"/],
    ["has(a) has(b)", 8, /&& or \|\|/],
    ["&& has(a)", 1, /expected a label/],
    ["has(a) &&", 10, /end of selector/],
    ["a == 'b' c", 10, /&& or \|\|/],
    [
      "a ~ 'b'",
      3,
      /expected ==, !=, in, not in, contains, starts with or ends with after label "a"/,
    ],
  ];
  it.each(errors)("%j fails at position %i", (text, position, message) => {
    let caught: unknown;
    try {
      parseSelector(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SelectorSyntaxError);
    expect(isWrenError(caught, "CALICO_SELECTOR_SYNTAX")).toBe(true);
    const e = caught as SelectorSyntaxError;
    expect(e.position + 1).toBe(position);
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`at position ${position} of selector ${JSON.stringify(text)}`);
  });

  it("rejects labels longer than 512 characters", () => {
    expect(() => parseSelector(`has(${"x".repeat(513)})`)).toThrow(/longer than 512/);
    expect(() => parseSelector(`has(${"x".repeat(512)})`)).not.toThrow();
  });
});
