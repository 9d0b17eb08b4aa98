/**
 * Selector syntax tree and its evaluation against a label set (Calico semantics: `==`,
 * `contains`, `starts with`, `ends with`, `in` and `has` are false when the label is absent;
 * `!=` and `not in` are true when it is absent; `all()` and `global()` always hold).
 */

export type SelectorNode =
  | { readonly type: "all" }
  | { readonly type: "global" }
  | { readonly type: "has"; readonly label: string }
  | {
      readonly type: "compare";
      readonly label: string;
      readonly op: "==" | "!=" | "contains" | "starts with" | "ends with";
      readonly value: string;
    }
  | {
      readonly type: "set";
      readonly label: string;
      readonly op: "in" | "not in";
      readonly values: readonly string[];
    }
  | { readonly type: "not"; readonly operand: SelectorNode }
  | { readonly type: "and"; readonly operands: readonly SelectorNode[] }
  | { readonly type: "or"; readonly operands: readonly SelectorNode[] };

export type Labels = Readonly<Record<string, string>>;

export function evaluate(node: SelectorNode, labels: Labels): boolean {
  switch (node.type) {
    case "all":
    case "global":
      return true;
    case "has":
      return Object.hasOwn(labels, node.label);
    case "compare": {
      const present = Object.hasOwn(labels, node.label);
      const v = present ? labels[node.label] : "";
      switch (node.op) {
        case "==":
          return present && v === node.value;
        case "!=":
          return !present || v !== node.value;
        case "contains":
          return present && v.includes(node.value);
        case "starts with":
          return present && v.startsWith(node.value);
        case "ends with":
          return present && v.endsWith(node.value);
      }
      return false;
    }
    case "set": {
      const present = Object.hasOwn(labels, node.label);
      const inSet = present && node.values.includes(labels[node.label]);
      return node.op === "in" ? inSet : !inSet;
    }
    case "not":
      return !evaluate(node.operand, labels);
    case "and":
      return node.operands.every((o) => evaluate(o, labels));
    case "or":
      return node.operands.some((o) => evaluate(o, labels));
  }
}

function quote(s: string): string {
  return s.includes('"') ? `'${s}'` : `"${s}"`;
}

/** Canonical text of a selector tree (for logs and round-trip tests). */
export function selectorToString(node: SelectorNode): string {
  switch (node.type) {
    case "all":
      return "all()";
    case "global":
      return "global()";
    case "has":
      return `has(${node.label})`;
    case "compare":
      return `${node.label} ${node.op} ${quote(node.value)}`;
    case "set":
      return `${node.label} ${node.op} {${node.values.map(quote).join(", ")}}`;
    case "not":
      return `!${wrap(node.operand)}`;
    case "and":
      return node.operands.map(wrap).join(" && ");
    case "or":
      return node.operands.map(wrap).join(" || ");
  }
}

function wrap(node: SelectorNode): string {
  return node.type === "and" || node.type === "or"
    ? `(${selectorToString(node)})`
    : selectorToString(node);
}
