/** Splits a TCP byte stream into BGP messages (RFC 4271 §4.1, §6.1). (stub, being written) */
import { MAX_MESSAGE } from "./constants.js";

export class Framer {
  private maxMessageLength: number;
  constructor(options: { maxMessageLength?: number } = {}) {
    this.maxMessageLength = options.maxMessageLength ?? MAX_MESSAGE;
  }
  setMaxMessageLength(length: number): void {
    this.maxMessageLength = length;
  }
  push(_chunk: Uint8Array): void {
    throw new Error("not implemented yet");
  }
  next(): Uint8Array | null {
    throw new Error("not implemented yet");
  }
}
