import type { BenchSuite } from './bench.types';

/** sync workloads (filled in by the sync work). */
export const syncBench: BenchSuite = {
  name: 'sync',
  run() {
    return Promise.resolve([]);
  },
};
