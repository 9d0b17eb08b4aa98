/**
 * The lab layer's public surface, for the CLI (`wren lab`) and the test harness: namespaces,
 * links, bridges, process supervision, FRR instances, run records, containerlab topologies and
 * the namespace runner.
 */
export * from "./checks.js";
export * from "./datastore-check.js";
export * from "./errors.js";
export * from "./exec.js";
export * from "./expectations.js";
export * from "./frr.js";
export * from "./lab-file.js";
export * from "./live.js";
export * from "./netns.js";
export * from "./pods.js";
export * from "./process.js";
export * from "./runner.js";
export * from "./state.js";
export * from "./topology.js";
export * from "./verify.js";
export * from "./wren-status.js";
