/**
 * Route policy evaluation (BIRD filter semantics) for the RIB: compile a configuration's
 * `RoutePolicy` list once into a `PolicySet`, build import/export chains from it, evaluate them
 * per route into interned outcomes, and apply the outcome's actions to path attributes.
 */
export { applyActions, type CompiledAction, prependAsns } from "./actions.js";
export {
  ACCEPT,
  CompiledChain,
  type Direction,
  type ExplainedStatement,
  type Outcome,
  PolicySet,
  REJECT,
} from "./chain.js";
export {
  formatCommunity,
  formatExtendedCommunity,
  formatLargeCommunity,
  parseCommunity,
  parseLargeCommunity,
} from "./communities.js";
export { PolicyError, type PolicyErrorCode } from "./errors.js";
export { asPathStartsWith, globToRegExp } from "./match.js";
export { emptyPolicyRoute, type PolicyRoute, setPolicyPrefix } from "./route.js";
