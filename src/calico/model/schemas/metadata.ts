/**
 * Kubernetes object metadata as wren reads it: `name` (required), `namespace`, `labels`,
 * `annotations`. Every other metadata key (uid, resourceVersion, creationTimestamp, ...) is what
 * `calicoctl get -o yaml` exports and is accepted silently.
 */
import { z } from "zod";
import { labels, nonEmptyText, text } from "../fields.js";

export const metadata = z.looseObject({
  name: nonEmptyText,
  namespace: text.optional(),
  labels: labels.optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});

export type Metadata = z.output<typeof metadata>;

/** A `secretKeyRef` password source (BGPPeer password, BGPConfiguration nodeMeshPassword). */
export const secretRef = z.strictObject({
  secretKeyRef: z.strictObject({ name: nonEmptyText, key: nonEmptyText }),
});

export type SecretRef = z.output<typeof secretRef>;
