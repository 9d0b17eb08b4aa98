/**
 * The Calico engine: resources and validation (model/), selectors (selector/), the datastore
 * (datastore/: YAML directory, snapshots, watching), IPAM (ipam/), the renderer (render/:
 * snapshot + node → NodePlan, plan diff) and the BIRD 1.6 configuration writer (bird/).
 */
export { renderBirdConfig } from "./bird/bird-config.js";
export {
  CalicoConfigSource,
  type CalicoConfigSourceOptions,
  createConfigSource,
  type PlanRead,
} from "./config-source.js";
export type {
  CalicoLogger,
  Datastore,
  DatastoreEvent,
  DatastoreStatus,
} from "./datastore/datastore.js";
export {
  DirectoryDatastore,
  type DirectoryDatastoreOptions,
} from "./datastore/directory-datastore.js";
export { type LoadResult, loadDirectory, loadTexts } from "./datastore/load.js";
export { type ConfigMessage, formatMessage } from "./datastore/messages.js";
export { buildSnapshot, emptySnapshot, type Snapshot } from "./datastore/snapshot.js";
export { CalicoError, SelectorSyntaxError } from "./errors.js";
export { DirectoryIpam } from "./ipam/directory-ipam.js";
export type { AllocateOptions, Allocation, Ipam } from "./ipam/ipam.js";
export type { RenderOptions } from "./render/context.js";
export {
  hashRouterId,
  vxlanMac,
  WORKLOAD_INTERFACE_PREFIX,
  workloadInterfaceName,
} from "./render/names.js";
export { diffPlans, planDiffIsEmpty } from "./render/plan-diff.js";
export { formatPlanText } from "./render/plan-text.js";
export { type RenderInput, renderNode } from "./render/render-node.js";
export * from "./selector/index.js";
