/** The daemon's public surface for the CLI (`wren run` and the control clients). */

export * from "./control/protocol.js";
export { Daemon, type DaemonDeps, type StopMode } from "./daemon.js";
export { defaultEngines, type Engines } from "./engines.js";
export { DaemonError } from "./errors.js";
export { EXIT } from "./exit-codes.js";
export { createLogger, type Logger } from "./logger.js";
export * from "./options.js";
export { evaluateReadiness, type Readiness } from "./readiness.js";
export { installSignalHandlers } from "./signals.js";
export * from "./views.js";
