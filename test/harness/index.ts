/**
 * The shared integration-test harness, one import for tests:
 *   import { Lab, startFrr, startBird, skipReason, waitFor } from "../../harness/index.js";
 * See test/harness/README.md.
 */
export * from "./capture.js";
export * from "./netns.js";
export * from "./peers/bgp-bytes.js";
export * from "./peers/bird.js";
export * from "./peers/exabgp.js";
export * from "./peers/frr.js";
export * from "./peers/gobgp.js";
export * from "./peers/mrt.js";
export * from "./peers/raw.js";
export * from "./peers/runner.js";
export * from "./tools.js";
export * from "./wait.js";
