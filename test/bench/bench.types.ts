/** One row of `npm run bench` output (and of the JSON file it writes). */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The same workload on the reference implementation, measured in the same run. */
  readonly baseline?: number;
  /** value / baseline. */
  readonly ratio?: number;
  /** What the target is, when the issue sets one (e.g. "<= 1.3x"). */
  readonly target?: string;
}

/** A group of related measurements; each suite file under test/bench exports one. */
export interface BenchSuite {
  readonly name: string;
  run(context: BenchContext): Promise<BenchResult[]>;
}

export interface BenchContext {
  /** A fresh temporary directory for this suite, removed afterwards. */
  readonly dir: string;
  /** `--quick`: smaller sizes, for a smoke run in CI. */
  readonly quick: boolean;
  /** `--scale 1m`: the suites that support it measure at a million records. */
  readonly scale?: '1m';
  log(message: string): void;
}

export function result(
  name: string,
  value: number,
  unit: string,
  baseline?: number,
  target?: string,
): BenchResult {
  const ratio = baseline !== undefined && baseline !== 0 ? value / baseline : undefined;
  return { name, value, unit, baseline, ratio, target };
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}
