/**
 * Giving freed heap memory back to the kernel, through the wren_memory addon (wren_memory.c:
 * glibc malloc_trim(3) and mallinfo2(3)). The large typed arrays of the RIB and the route table
 * live in malloc; growing them during a table load leaves their earlier sizes freed but still
 * resident, and glibc keeps such memory for reuse instead of returning it. `trimFreedMemory()`
 * returns it. Without the addon (not built) both functions do nothing and say so.
 */
import { addonLoader } from "./load.js";

interface MemoryAddon {
  trim(): boolean;
  stats(): { arena: number; inUse: number; free: number };
}

const memoryLoader = addonLoader<MemoryAddon>("wren_memory", "WREN_MEMORY_ADDON");

/** Releases freed malloc memory of every arena; false when nothing was released or no addon. */
export function trimFreedMemory(): boolean {
  return memoryLoader.load()?.trim() ?? false;
}

/** The main malloc arena's size, bytes in use and free bytes; null without the addon. */
export function mallocStats(): { arena: number; inUse: number; free: number } | null {
  return memoryLoader.load()?.stats() ?? null;
}
