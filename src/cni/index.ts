/**
 * wren's CNI plugin (CNI spec 1.0; Calico's plugin + calico-ipam behaviour): `runCni` is the
 * entry point the CLI (`wren cni`) and the lab runner's runtime emulation use.
 */
export * from "./config.js";
export * from "./errors.js";
export * from "./invocation.js";
export * from "./main.js";
export { containerStepMain } from "./netns-access.js";
export * from "./result.js";
export * from "./versions.js";
export * from "./workload.js";
