/** Calico label selectors: parse, evaluate, print. */
export { evaluate, type Labels, type SelectorNode, selectorToString } from "./ast.js";
export { compileSelector, parseSelector, type Selector, selector } from "./parser.js";
export { type Token, type TokenKind, tokenize } from "./tokenizer.js";
