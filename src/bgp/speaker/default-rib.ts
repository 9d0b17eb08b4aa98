/** The RIB engine the speaker uses by default: src/bgp/rib's RibEngine. */
import { RibEngine } from "../rib/index.js";
import type { RibFactory } from "./rib-port.js";

export const defaultRibFactory: RibFactory = ({ clock, logger }) =>
  new RibEngine({ clock, logger });
