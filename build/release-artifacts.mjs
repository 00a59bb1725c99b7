#!/usr/bin/env node
// @ts-check
/**
 * Release pipeline step, after electron-builder: for every installer in DIR (default dist/) writes
 * `<artefact>.sha256` (sha256sum format) and `<artefact>.cdx.json` (a copy of the CycloneDX SBOM
 * given with --sbom, which describes the production dependency tree packed into that artefact), then
 * SHA256SUMS-<label>.txt over all of them. Exits 1 when DIR holds no installer.
 *
 *   node build/release-artifacts.mjs --sbom sbom.cdx.json --label linux [DIR]
 */
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** What electron-builder.yml's targets produce (the zips are the macOS update payloads). */
const INSTALLER = /\.(dmg|zip|exe|msi|AppImage|deb|rpm)$/;

/** @param {string} file */
async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { sbom: { type: 'string' }, label: { type: 'string' } },
});
if (!values.sbom || !values.label) {
  process.stderr.write('usage: release-artifacts.mjs --sbom FILE --label NAME [DIR]\n');
  process.exit(2);
}
const dir = path.resolve(positionals[0] ?? 'dist');
const installers = readdirSync(dir)
  .filter((name) => INSTALLER.test(name))
  .sort();
if (installers.length === 0) {
  process.stderr.write(`release-artifacts: no installer in ${dir}\n`);
  process.exit(1);
}
const lines = [];
for (const name of installers) {
  const line = `${await sha256(path.join(dir, name))}  ${name}\n`;
  writeFileSync(path.join(dir, `${name}.sha256`), line);
  copyFileSync(values.sbom, path.join(dir, `${name}.cdx.json`));
  lines.push(line);
}
writeFileSync(path.join(dir, `SHA256SUMS-${values.label}.txt`), lines.join(''));
process.stdout.write(lines.join(''));
