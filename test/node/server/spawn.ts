import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** A server process started by `startServerProcess`, with everything it wrote to stderr so far. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly metricsUrl: string | undefined;
  readonly stderr: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

/** Kills (SIGKILL) every server a test left running; call once per test file. */
export function killServersAfterEach(): void {
  afterEach(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    children.clear();
  });
}

/** `npm run server` as documented (tsx server/server.main.ts), resolved at its ready line. */
export function startServerProcess(args: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/server.main.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not print a ready line')), 25_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { event: string; url: string; metricsUrl?: string };
      if (ready.event !== 'ready') reject(new Error(`unexpected first line ${line}`));
      resolve({ child, url: ready.url, metricsUrl: ready.metricsUrl, stderr, exited });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr.join('\n')}`));
    });
  });
}

/** The JSON log lines a server wrote to stderr. */
export function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server.stderr.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** One Prometheus sample: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses a text exposition strictly: every line a comment or a well-formed sample, or it throws. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels include `labels` (0 when absent). */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return hits.reduce((n, s) => n + s.value, 0);
}
