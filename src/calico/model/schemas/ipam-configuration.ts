/**
 * IPAMConfiguration (projectcalico.org/v3; the CRD kind is `IPAMConfig`, crd.projectcalico.org/v1),
 * named `default`: cluster-wide IPAM settings. wren's IPAM honours strictAffinity (no borrowing
 * from other nodes' blocks), autoAllocateBlocks (no automatic block claims when false) and
 * maxBlocksPerHost (automatic claims stop at that many blocks per node; 0 = no limit).
 */
import { z } from "zod";
import { boolean, integer, text } from "../fields.js";

export const ipamConfigurationSpec = z.strictObject({
  strictAffinity: boolean.default(false),
  autoAllocateBlocks: boolean.default(true),
  maxBlocksPerHost: integer(0, 2 ** 31 - 1).default(0),
  kubeVirtVMAddressPersistence: text.optional(),
});

export type IPAMConfigurationSpec = z.output<typeof ipamConfigurationSpec>;
