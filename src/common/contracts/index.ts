export * from "./bgp-engines.js";
export * from "./dataplane.js";
export * from "./families.js";
export * from "./plan.js";
export * from "./policy.js";
export * from "./speaker.js";
export * from "./speaker-config.js";
