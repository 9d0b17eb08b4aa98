/**
 * Policy chains with BIRD filter semantics (contracts/policy.ts):
 *
 *  - A chain is the statements of its policies, in order. A matching statement applies its
 *    actions; a matching statement with a `result` ends the chain with accept or reject;
 *    without a result evaluation falls through to the next statement (and the next policy).
 *  - If no statement gives a result, the chain's default applies: import → accept,
 *    export → reject. An empty chain is just its default.
 *
 * Compilation happens once per configuration (`PolicySet`); evaluation walks precompiled
 * predicates and returns an interned `Outcome` (accept/reject plus the actions collected), so the
 * RIB can memoise "attribute set × outcome → new attribute set" by number. Outcomes are
 * identified by their content, so equal action lists in different chains share one id.
 */
import {
  EXPORT_DEFAULT,
  IMPORT_DEFAULT,
  type PolicyAction,
  type PolicyResult,
  type RoutePolicy,
} from "../../common/contracts/policy.js";
import { actionKey, type CompiledAction, compileAction } from "./actions.js";
import { PolicyError } from "./errors.js";
import { type CompiledMatch, compileMatch } from "./match.js";
import type { PolicyRoute } from "./route.js";

export type Direction = "import" | "export";

export interface Outcome {
  /** Small integer unique per (result, actions) across the process. */
  readonly id: number;
  readonly accept: boolean;
  /** Actions to apply, in order (empty for reject). */
  readonly actions: readonly CompiledAction[];
  /** An action sets MED (export: such a MED may be sent to another AS, RFC 4271 §5.1.4). */
  readonly setsMed: boolean;
}

const outcomes = new Map<string, Outcome>();

function internOutcome(accept: boolean, actions: readonly CompiledAction[]): Outcome {
  const key = accept ? `A${actions.map(actionKey).join(",")}` : "R";
  let o = outcomes.get(key);
  if (o === undefined) {
    o = Object.freeze({
      id: outcomes.size,
      accept,
      actions: accept ? Object.freeze([...actions]) : [],
      setsMed: accept && actions.some((a) => a.type === "setMed"),
    });
    outcomes.set(key, o);
  }
  return o;
}

export const REJECT: Outcome = internOutcome(false, []);
export const ACCEPT: Outcome = internOutcome(true, []);

interface CompiledStatement {
  readonly policy: string;
  readonly index: number;
  readonly comment: string | null;
  readonly match: CompiledMatch | null;
  readonly actions: readonly CompiledAction[];
  readonly result: PolicyResult | null;
}

interface CompiledPolicy {
  readonly name: string;
  readonly statements: readonly CompiledStatement[];
  readonly text: string;
}

/** Node of the "which action-bearing statements matched" trie; outcomes are cached per node. */
class OutcomeNode {
  private readonly children = new Map<number, OutcomeNode>();
  private acceptOutcome: Outcome | null = null;
  constructor(private readonly actions: readonly CompiledAction[]) {}

  child(statement: number, add: readonly CompiledAction[]): OutcomeNode {
    let c = this.children.get(statement);
    if (c === undefined) {
      c = new OutcomeNode([...this.actions, ...add]);
      this.children.set(statement, c);
    }
    return c;
  }

  outcome(result: PolicyResult): Outcome {
    if (result === "reject") return REJECT;
    if (this.acceptOutcome === null) this.acceptOutcome = internOutcome(true, this.actions);
    return this.acceptOutcome;
  }
}

export interface ExplainedStatement {
  readonly policy: string;
  readonly statement: number;
  readonly comment: string | null;
  readonly result: PolicyResult | null;
}

export class CompiledChain {
  readonly names: readonly string[];
  readonly direction: Direction;
  readonly defaultResult: PolicyResult;
  /** No statements: every route gets the default. */
  readonly trivial: boolean;
  /** Some statement reads the prefix or interface: outcomes cannot be cached per attribute set. */
  readonly routeSpecific: boolean;
  /** Changes whenever the chain's behaviour may change (names and policy contents). */
  readonly signature: string;
  private readonly statements: readonly CompiledStatement[];
  private readonly root = new OutcomeNode([]);

  constructor(names: readonly string[], direction: Direction, policies: readonly CompiledPolicy[]) {
    this.names = [...names];
    this.direction = direction;
    this.defaultResult = direction === "import" ? IMPORT_DEFAULT : EXPORT_DEFAULT;
    this.statements = policies.flatMap((p) => p.statements);
    this.trivial = this.statements.length === 0;
    this.routeSpecific = this.statements.some((s) => s.match?.routeSpecific === true);
    this.signature = `${direction}:${policies.map((p) => p.text).join("|")}`;
  }

  evaluate(route: PolicyRoute): Outcome {
    let node = this.root;
    const st = this.statements;
    for (let i = 0; i < st.length; i++) {
      const s = st[i];
      if (s.match !== null && !s.match.test(route)) continue;
      if (s.actions.length > 0) node = node.child(i, s.actions);
      if (s.result !== null) return node.outcome(s.result);
    }
    return node.outcome(this.defaultResult);
  }

  /** The statements that matched `route`, in order, for `wren show routes --why` and logs. */
  explain(route: PolicyRoute): {
    outcome: Outcome;
    matched: ExplainedStatement[];
    byDefault: boolean;
  } {
    const matched: ExplainedStatement[] = [];
    for (const s of this.statements) {
      if (s.match !== null && !s.match.test(route)) continue;
      matched.push({ policy: s.policy, statement: s.index, comment: s.comment, result: s.result });
      if (s.result !== null) return { outcome: this.evaluate(route), matched, byDefault: false };
    }
    return { outcome: this.evaluate(route), matched, byDefault: true };
  }
}

const NO_ACTIONS: readonly PolicyAction[] = [];

function compilePolicy(p: RoutePolicy): CompiledPolicy {
  if (typeof p.name !== "string" || p.name === "") {
    throw new PolicyError("ERR_POLICY_BAD_FIELD", "policy name must be a non-empty string", {
      field: "name",
    });
  }
  if (!Array.isArray(p.statements as unknown)) {
    throw new PolicyError("ERR_POLICY_BAD_FIELD", "statements must be a list", {
      policy: p.name,
      field: "statements",
    });
  }
  const statements = p.statements.map((s, index): CompiledStatement => {
    const where = { policy: p.name, statement: index };
    if (s.result !== undefined && s.result !== "accept" && s.result !== "reject") {
      throw new PolicyError(
        "ERR_POLICY_BAD_FIELD",
        `result must be accept or reject, not "${String(s.result)}"`,
        {
          ...where,
          field: "result",
        },
      );
    }
    return {
      policy: p.name,
      index,
      comment: s.comment ?? null,
      match: compileMatch(s.match, where),
      actions: (s.set ?? NO_ACTIONS).map((a, i) => compileAction(a, where, i)),
      result: s.result ?? null,
    };
  });
  return { name: p.name, statements, text: JSON.stringify(p) };
}

/** All policies of one configuration, compiled; chains are built from it by name. */
export class PolicySet {
  private readonly byName = new Map<string, CompiledPolicy>();
  private readonly chains = new Map<string, CompiledChain>();

  /** Compiles every policy; throws `PolicyError` for the first invalid one. */
  constructor(policies: readonly RoutePolicy[]) {
    for (const p of policies) {
      const compiled = compilePolicy(p);
      if (this.byName.has(compiled.name)) {
        throw new PolicyError("ERR_POLICY_DUPLICATE_NAME", "policy name is used twice", {
          policy: compiled.name,
        });
      }
      this.byName.set(compiled.name, compiled);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The chain of `names`; throws `PolicyError` (ERR_POLICY_UNKNOWN_POLICY) naming `owner`. */
  chain(names: readonly string[], direction: Direction, owner = "peer"): CompiledChain {
    const key = `${direction}\u0000${names.join("\u0000")}`;
    let c = this.chains.get(key);
    if (c === undefined) {
      const policies = names.map((n) => {
        const p = this.byName.get(n);
        if (p === undefined) {
          throw new PolicyError(
            "ERR_POLICY_UNKNOWN_POLICY",
            `${owner} ${direction} chain names unknown policy "${n}"`,
            {
              policy: n,
            },
          );
        }
        return p;
      });
      c = new CompiledChain(names, direction, policies);
      this.chains.set(key, c);
    }
    return c;
  }
}
