/**
 * Lexer for Calico's label selector language (libcalico-go lib/selector): labels, quoted
 * strings, `has(label)`, `all()`, `global()`, comparison and set operators, `&&`, `||`, `!`,
 * parentheses and braces. Whitespace is space and tab. `has(`, `all(`, `global(` are written
 * without a space before `(` (spaces inside are fine). Operators that follow a label are only
 * recognised right after a label token; word operators (`in`, `not in`, `contains`,
 * `starts with`, `ends with`) need a word boundary after them. Tokens carry their 0-based offset
 * so that errors can name the position.
 */
import { SelectorSyntaxError } from "../errors.js";

export type TokenKind =
  | "label"
  | "string"
  | "has"
  | "all"
  | "global"
  | "eq"
  | "ne"
  | "in"
  | "notIn"
  | "contains"
  | "startsWith"
  | "endsWith"
  | "not"
  | "and"
  | "or"
  | "lparen"
  | "rparen"
  | "lbrace"
  | "rbrace"
  | "comma"
  | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** Label name (also for `has`), string contents without quotes, or the operator text. */
  readonly value: string;
  readonly pos: number;
}

export const MAX_LABEL_LENGTH = 512;

const LABEL_CHAR = /[a-zA-Z0-9_./-]/;

/** Word operators that may follow a label. Whitespace may separate the words of a pair. */
const WORD_OPERATORS: ReadonlyArray<readonly [RegExp, TokenKind]> = [
  [/^not[ \t]*in/, "notIn"],
  [/^in/, "in"],
  [/^contains/, "contains"],
  [/^starts[ \t]*with/, "startsWith"],
  [/^ends[ \t]*with/, "endsWith"],
];

const SINGLE_CHAR: Readonly<Record<string, TokenKind>> = {
  "!": "not",
  "(": "lparen",
  ")": "rparen",
  "{": "lbrace",
  "}": "rbrace",
  ",": "comma",
};

class Lexer {
  readonly tokens: Token[] = [];
  private i = 0;

  constructor(private readonly text: string) {}

  private fail(pos: number, problem: string): never {
    throw new SelectorSyntaxError(this.text, pos, problem);
  }

  private skipSpace(): void {
    while (this.text[this.i] === " " || this.text[this.i] === "\t") this.i++;
  }

  private readLabel(): string {
    const start = this.i;
    while (this.i < this.text.length && LABEL_CHAR.test(this.text[this.i])) this.i++;
    if (this.i - start > MAX_LABEL_LENGTH) {
      this.fail(start, `label is longer than ${MAX_LABEL_LENGTH} characters`);
    }
    return this.text.slice(start, this.i);
  }

  private push(kind: TokenKind, value: string, pos: number): void {
    this.tokens.push({ kind, value, pos });
  }

  run(): Token[] {
    for (;;) {
      this.skipSpace();
      if (this.i >= this.text.length) break;
      const last = this.tokens.at(-1);
      if (last?.kind === "label") this.operatorAfterLabel(last.value);
      else this.operand();
    }
    this.push("eof", "", this.text.length);
    return this.tokens;
  }

  private operatorAfterLabel(label: string): void {
    const pos = this.i;
    const rest = this.text.slice(pos);
    if (rest.startsWith("==") || rest.startsWith("!=")) {
      this.push(rest[0] === "=" ? "eq" : "ne", rest.slice(0, 2), pos);
      this.i += 2;
      return;
    }
    for (const [re, kind] of WORD_OPERATORS) {
      const m = re.exec(rest);
      if (m && !LABEL_CHAR.test(rest[m[0].length] ?? "")) {
        this.push(kind, m[0], pos);
        this.i += m[0].length;
        return;
      }
    }
    if (rest[0] === "=") this.fail(pos, 'unexpected "=" (did you mean "=="?)');
    if (rest[0] === "(" && ["has", "all", "global"].includes(label)) {
      this.fail(pos, `unexpected "(": write ${label}( without a space before "("`);
    }
    this.fail(
      pos,
      `expected ==, !=, in, not in, contains, starts with or ends with after label "${label}"`,
    );
  }

  private operand(): void {
    const pos = this.i;
    const rest = this.text.slice(pos);
    for (const [word, kind] of [
      ["has(", "has"],
      ["all(", "all"],
      ["global(", "global"],
    ] as const) {
      if (!rest.startsWith(word)) continue;
      this.i += word.length;
      this.skipSpace();
      let value = "";
      if (kind === "has") {
        const at = this.i;
        value = this.readLabel();
        if (value === "") this.fail(at, "expected a label inside has()");
        this.skipSpace();
      }
      if (this.text[this.i] !== ")") this.fail(this.i, `expected ")" to close ${word}`);
      this.i++;
      this.push(kind, value, pos);
      return;
    }
    const c = rest[0];
    if (c === '"' || c === "'") {
      const end = this.text.indexOf(c, pos + 1);
      if (end < 0) this.fail(pos, "unterminated string");
      this.push("string", this.text.slice(pos + 1, end), pos);
      this.i = end + 1;
      return;
    }
    if (rest.startsWith("&&") || rest.startsWith("||")) {
      this.push(c === "&" ? "and" : "or", rest.slice(0, 2), pos);
      this.i += 2;
      return;
    }
    const single = SINGLE_CHAR[c];
    if (single) {
      this.push(single, c, pos);
      this.i++;
      return;
    }
    if (LABEL_CHAR.test(c)) {
      this.push("label", this.readLabel(), pos);
      return;
    }
    if (c === "=") this.fail(pos, 'unexpected "=" (did you mean "=="?)');
    if (c === "&") this.fail(pos, 'unexpected "&" (did you mean "&&"?)');
    if (c === "|") this.fail(pos, 'unexpected "|" (did you mean "||"?)');
    this.fail(pos, `unexpected character ${JSON.stringify(c)}`);
  }
}

export function tokenize(selector: string): Token[] {
  return new Lexer(selector).run();
}
