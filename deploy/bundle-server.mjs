// @ts-check
/**
 * Bundles the sync server and its admin CLI into two self-contained CommonJS files for production
 * (the container image and the systemd install): `node OUT/server.cjs ...`, `node OUT/admin.cjs ...`.
 * Everything is inlined but better-sqlite3 (a native module, shipped beside the bundle in
 * node_modules/) and pg-native (never used; pg only tries it). The package version is baked in, so
 * `/metrics` and the logs name the build.
 *
 * usage: node deploy/bundle-server.mjs [OUT_DIR]   (default dist/server)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'dist/server'));
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

await build({
  absWorkingDir: root,
  entryPoints: { server: 'server/server.main.ts', admin: 'server/admin.main.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  external: ['better-sqlite3', 'pg-native'],
  define: { 'process.env.FIELDVAULT_VERSION': JSON.stringify(version) },
  legalComments: 'none',
  logLevel: 'warning',
});
process.stdout.write(`${JSON.stringify({ event: 'bundled', outdir, version })}\n`);
