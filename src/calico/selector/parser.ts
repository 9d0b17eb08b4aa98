/**
 * Recursive-descent parser for Calico selectors (libcalico-go lib/selector/parser):
 *
 *   selector  := <empty> | or            (empty selector = all())
 *   or        := and ( "||" and )*
 *   and       := operation ( "&&" operation )*
 *   operation := "!"* ( has(label) | all() | global() | "(" or ")"
 *                     | label ( == | != | contains | starts with | ends with ) string
 *                     | label ( in | not in ) "{" [ string ( "," string )* ] "}" )
 *
 * Errors name the 1-based position of the offending token (SelectorSyntaxError).
 */
import { SelectorSyntaxError } from "../errors.js";
import { evaluate, type Labels, type SelectorNode } from "./ast.js";
import { type Token, type TokenKind, tokenize } from "./tokenizer.js";

const COMPARE_OPS: Partial<
  Record<TokenKind, "==" | "!=" | "contains" | "starts with" | "ends with">
> = {
  eq: "==",
  ne: "!=",
  contains: "contains",
  startsWith: "starts with",
  endsWith: "ends with",
};

function describe(t: Token): string {
  if (t.kind === "eof") return "end of selector";
  if (t.kind === "string") return `string ${JSON.stringify(t.value)}`;
  if (t.kind === "label") return `label "${t.value}"`;
  if (t.kind === "has") return `has(${t.value})`;
  if (t.kind === "all" || t.kind === "global") return `${t.kind}()`;
  return `"${t.value}"`;
}

class Parser {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private fail(t: Token, problem: string): never {
    throw new SelectorSyntaxError(this.text, t.pos, problem);
  }

  parseSelector(): SelectorNode {
    if (this.peek().kind === "eof") return { type: "all" };
    const node = this.parseOr();
    const t = this.peek();
    if (t.kind !== "eof") this.fail(t, `unexpected ${describe(t)} (expected && or ||)`);
    return node;
  }

  private parseOr(): SelectorNode {
    const operands = [this.parseAnd()];
    while (this.peek().kind === "or") {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : { type: "or", operands };
  }

  private parseAnd(): SelectorNode {
    const operands = [this.parseOperation()];
    while (this.peek().kind === "and") {
      this.next();
      operands.push(this.parseOperation());
    }
    return operands.length === 1 ? operands[0] : { type: "and", operands };
  }

  private parseOperation(): SelectorNode {
    let negations = 0;
    while (this.peek().kind === "not") {
      this.next();
      negations++;
    }
    const node = this.parseOperand();
    return negations % 2 === 1 ? { type: "not", operand: node } : node;
  }

  private parseOperand(): SelectorNode {
    const t = this.next();
    switch (t.kind) {
      case "all":
        return { type: "all" };
      case "global":
        return { type: "global" };
      case "has":
        return { type: "has", label: t.value };
      case "lparen": {
        const inner = this.parseOr();
        const close = this.next();
        if (close.kind !== "rparen") this.fail(close, `expected ")" but found ${describe(close)}`);
        return inner;
      }
      case "label":
        return this.parseComparison(t);
      default:
        return this.fail(t, `expected a label, has(), all(), "!" or "(" but found ${describe(t)}`);
    }
  }

  private parseComparison(label: Token): SelectorNode {
    const op = this.next();
    const compare = COMPARE_OPS[op.kind];
    if (compare) {
      const value = this.next();
      if (value.kind !== "string") {
        this.fail(
          value,
          `expected a quoted string after "${op.value}" but found ${describe(value)}`,
        );
      }
      return { type: "compare", label: label.value, op: compare, value: value.value };
    }
    if (op.kind === "in" || op.kind === "notIn") {
      const open = this.next();
      if (open.kind !== "lbrace") this.fail(open, `expected "{" after "${op.value}"`);
      const values: string[] = [];
      if (this.peek().kind === "rbrace") {
        this.next();
      } else {
        for (;;) {
          const v = this.next();
          if (v.kind !== "string")
            this.fail(v, `expected a quoted string in set but found ${describe(v)}`);
          values.push(v.value);
          const sep = this.next();
          if (sep.kind === "rbrace") break;
          if (sep.kind !== "comma")
            this.fail(sep, `expected "," or "}" but found ${describe(sep)}`);
        }
      }
      return { type: "set", label: label.value, op: op.kind === "in" ? "in" : "not in", values };
    }
    return this.fail(op, `expected an operator after label "${label.value}"`);
  }
}

export function parseSelector(text: string): SelectorNode {
  return new Parser(text, tokenize(text)).parseSelector();
}

/** A parsed selector with its source text. */
export interface Selector {
  readonly text: string;
  readonly ast: SelectorNode;
  matches(labels: Labels): boolean;
}

export function compileSelector(text: string): Selector {
  const ast = parseSelector(text);
  return { text, ast, matches: (labels) => evaluate(ast, labels) };
}

const cache = new Map<string, Selector>();

/** compileSelector with a small cache (selectors repeat across resources and renders). */
export function selector(text: string): Selector {
  let s = cache.get(text);
  if (!s) {
    s = compileSelector(text);
    if (cache.size > 1000) cache.clear();
    cache.set(text, s);
  }
  return s;
}
