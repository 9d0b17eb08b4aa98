/**
 * The route decision engine of wren (rib-api.md): `RibEngine` and the types a composer needs.
 */
export { Ineligible, type RibLogger } from "./core.js";
export { Step } from "./decision.js";
export { RibEngine, type RibEngineOptions, type RibLimits } from "./engine.js";
export { RibError, type RibErrorCode } from "./errors.js";
export { formatAsPath } from "./views.js";
