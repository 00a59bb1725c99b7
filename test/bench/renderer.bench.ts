import type { BenchSuite } from './bench.types';

/** renderer workloads (filled in by the renderer work). */
export const rendererBench: BenchSuite = {
  name: 'renderer',
  run() {
    return Promise.resolve([]);
  },
};
