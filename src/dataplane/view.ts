/**
 * The agent's picture of the kernel apart from routes: links (by index and name), addresses and
 * the neighbour/FDB entries on our interfaces. Filled by dumps, kept current by notifications and
 * by the results of our own changes; it is what desired state is compared with. (The main
 * table's routes are in the compact route table, route-table.ts.) Also answers "is this route
 * ours?" (ownership.ts) with current link names.
 */
import type { KernelAddress, KernelLink, KernelNeighbour } from "./model.js";
import {
  bodyOwner,
  isWorkloadInterface,
  type OwnerClass,
  type OwnershipRules,
} from "./ownership.js";
import type { RouteBody } from "./route-body.js";

export class KernelView {
  readonly links = new Map<number, KernelLink>();
  readonly linksByName = new Map<string, KernelLink>();
  addresses: KernelAddress[] = [];
  /** Neighbour and FDB entries on workload interfaces and tunnel devices only. */
  readonly neighbours = new Map<string, KernelNeighbour>();

  constructor(
    private readonly rules: OwnershipRules,
    /** Called when a workload interface is seen for the first time. */
    private readonly onWorkloadLink: (name: string) => void,
  ) {}

  readonly linkName = (ifindex: number): string | undefined => this.links.get(ifindex)?.name;

  setLink(l: KernelLink): void {
    const prev = this.links.get(l.index);
    if (prev !== undefined && prev.name !== l.name) this.linksByName.delete(prev.name);
    this.links.set(l.index, l);
    this.linksByName.set(l.name, l);
    if (isWorkloadInterface(l.name, this.rules)) this.onWorkloadLink(l.name);
  }

  /** Replaces every link (after a dump). */
  setLinks(links: readonly KernelLink[]): void {
    this.links.clear();
    this.linksByName.clear();
    for (const l of links) this.setLink(l);
  }

  /** Forgets a deleted link; returns what it was. */
  removeLink(index: number): KernelLink | undefined {
    const prev = this.links.get(index);
    if (prev === undefined) return undefined;
    this.links.delete(index);
    if (this.linksByName.get(prev.name)?.index === index) this.linksByName.delete(prev.name);
    return prev;
  }

  neighbourKey(n: KernelNeighbour): string {
    return `${n.family}|${n.ifindex}|${n.dst ?? ""}|${n.family === "bridge" ? n.lladdr : ""}`;
  }

  /** Records (or forgets) an entry if it is on one of our interfaces. */
  setNeighbour(n: KernelNeighbour, removed: boolean): void {
    const link = this.links.get(n.ifindex);
    if (link === undefined) return;
    if (
      !isWorkloadInterface(link.name, this.rules) &&
      !this.rules.tunnelDevices.includes(link.name)
    ) {
      return;
    }
    const key = this.neighbourKey(n);
    if (removed) this.neighbours.delete(key);
    else this.neighbours.set(key, n);
  }

  setNeighbours(lists: readonly (readonly KernelNeighbour[])[]): void {
    this.neighbours.clear();
    for (const list of lists) for (const n of list) this.setNeighbour(n, false);
  }

  /** Owner class of a main-table route given by its body, null when it is not ours. */
  owner(r: RouteBody): OwnerClass | null {
    return bodyOwner(r, this.linkName, this.rules);
  }
}
