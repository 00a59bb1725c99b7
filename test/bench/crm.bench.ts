import type { BenchSuite } from './bench.types';

/** crm workloads (filled in by the crm work). */
export const crmBench: BenchSuite = {
  name: 'crm',
  run() {
    return Promise.resolve([]);
  },
};
