import type { BenchSuite } from './bench.types';

/** vault workloads (filled in by the vault work). */
export const vaultBench: BenchSuite = {
  name: 'vault',
  run() {
    return Promise.resolve([]);
  },
};
