import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import {
  manifestFileName,
  type ReleaseFile,
  type UpdateChannel,
} from '../../../shared/update/release.manifest';
import { checkReleaseFile } from './release.verify';

/** The update server's transport, injectable for tests. */
export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface FeedOptions {
  /** The directory URL holding `<channel>.manifest.json` and the release files. */
  readonly feedUrl: string;
  readonly fetch?: FetchLike;
  /** For the manifest request (default 30 s). */
  readonly timeoutMs?: number;
  /** For a whole release file (default 30 min). */
  readonly downloadTimeoutMs?: number;
}

const MAX_MANIFEST_BYTES = 256 * 1024;

/** The body's chunks, typed: Node's global `Response.body` is a stream of `any`. */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) yield chunk;
}

function resolveInFeed(feedUrl: string, name: string): string {
  const base = feedUrl.endsWith('/') ? feedUrl : `${feedUrl}/`;
  return new URL(encodeURIComponent(name), base).toString();
}

async function request(
  options: FeedOptions,
  url: string,
  timeoutMs: number,
): Promise<ReadableStream<Uint8Array>> {
  const fetchImpl = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    throw new AppError('UPDATE_OFFLINE', 'The update server cannot be reached.', { cause });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new AppError('UPDATE_OFFLINE', `The update server answered ${res.status}.`);
  }
  return res.body;
}

/** The channel's signed manifest as untrusted JSON: verify it before using anything in it. */
export async function fetchSignedManifest(options: FeedOptions, channel: UpdateChannel): Promise<unknown> {
  const body = await request(
    options,
    resolveInFeed(options.feedUrl, manifestFileName(channel)),
    options.timeoutMs ?? 30_000,
  );
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of chunksOf(body)) {
      total += chunk.byteLength;
      if (total > MAX_MANIFEST_BYTES) {
        throw new AppError('UPDATE_MANIFEST_INVALID', 'The release manifest is too large.');
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('UPDATE_OFFLINE', 'The update server connection broke.', { cause });
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (cause) {
    throw new AppError('UPDATE_MANIFEST_INVALID', 'The release manifest is not JSON.', { cause });
  }
}

/** SHA-512 (base64) and size of a file on disk. */
export async function hashFile(file: string): Promise<{ sha512: string; size: number }> {
  const hash = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buf.length;
    hash.update(buf);
  }
  return { sha512: hash.digest('base64'), size };
}

/**
 * Downloads one file of a verified release into `destDir`, hashing while it streams, and keeps it only
 * when its SHA-512 and size equal the manifest's (UPDATE_HASH_MISMATCH otherwise; nothing is left).
 */
export async function downloadReleaseFile(
  options: FeedOptions,
  file: ReleaseFile,
  destDir: string,
): Promise<string> {
  await mkdir(destDir, { recursive: true });
  const final = path.join(destDir, file.url);
  const partial = `${final}.partial`;
  const body = await request(
    options,
    resolveInFeed(options.feedUrl, file.url),
    options.downloadTimeoutMs ?? 30 * 60_000,
  );
  const hash = createHash('sha512');
  let size = 0;
  const out = createWriteStream(partial, { mode: 0o600 });
  try {
    try {
      for await (const chunk of chunksOf(body)) {
        size += chunk.byteLength;
        if (size > file.size) break;
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
    } catch (cause) {
      throw new AppError('UPDATE_OFFLINE', 'The update download broke off.', { cause });
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
    }
    checkReleaseFile({ sha512: hash.digest('base64'), size }, file);
    await rename(partial, final);
    return final;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
