import { defineConfig } from "vitest/config";

// Unit tests (pure code) and integration tests (network namespaces, real peers) run together
// in `npm test`. Integration tests create uniquely prefixed namespaces, so files may run in
// parallel; the long timeouts are for daemons starting inside namespaces, not for speed checks.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
