/**
 * BlockAffinity (projectcalico.org/v3): "IPAM block <cidr> belongs to node <node>". wren's IPAM
 * writes one per claimed block (ipam/blocks/ in the datastore directory); users may also write
 * them by hand to pin blocks (the default lab does, to reproduce the seed's block numbers).
 */
import { z } from "zod";
import { cidrText, converted, nonEmptyText, oneOf, show, text } from "../fields.js";

/** HEAD: bool; v3.30 libcalico-go: string "true"/"false". Both accepted. */
const deletedFlag = converted<boolean>((v) =>
  typeof v === "boolean"
    ? { ok: true, value: v }
    : v === "true" || v === "false"
      ? { ok: true, value: v === "true" }
      : { ok: false, message: `${show(v)} is not true or false` },
);

export const blockAffinitySpec = z.strictObject({
  state: oneOf(["", "confirmed", "pending", "pendingDeletion"] as const).default(""),
  node: nonEmptyText,
  type: text.default("host"),
  cidr: cidrText({ strict: true }),
  deleted: deletedFlag.default(false),
});

export type BlockAffinitySpec = z.output<typeof blockAffinitySpec>;
