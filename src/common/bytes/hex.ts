/**
 * Hex text ⇄ bytes, for fixtures, `wren decode --hex` and logs. Accepts whitespace, `:` and
 * `0x` separators on input (Wireshark "copy as hex stream", tcpdump -X columns stripped).
 */
export function hexToBytes(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, "").replace(/[\s:,_-]/g, "");
  if (clean.length % 2 !== 0) throw new RangeError("hex text has an odd number of digits");
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new RangeError("hex text has a non-hex character");
  return Uint8Array.from(Buffer.from(clean, "hex"));
}

export function bytesToHex(bytes: Uint8Array, separator = ""): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  if (separator === "") return hex;
  return hex.replace(/(..)(?!$)/g, `$1${separator}`);
}
