// @ts-check
/**
 * electron-builder `afterPack` hook: flips the fuses of electron-builder.yml's `electronFuses` in the
 * packed binary and reads them back, so a release whose binary does not carry them fails here,
 * before signing, instead of shipping. (electron-builder flips the same fuses again right after this
 * hook; flipping is idempotent. The packaging test checks the result independently.)
 */
import path from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';

// @electron/fuses does not export FuseState from its entry point: a fuse is the byte '1' or '0'.
const ENABLED = '1'.charCodeAt(0);
const DISABLED = '0'.charCodeAt(0);

/**
 * The binary that carries the fuse wire, as electron-builder's addElectronFuses finds it.
 * @param {import('app-builder-lib').AfterPackContext} context
 */
function electronBinary(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') {
    return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
  }
  if (electronPlatformName === 'win32')
    return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return path.join(appOutDir, packager.executableName);
}

/** @param {import('app-builder-lib').AfterPackContext} context */
export async function afterPack(context) {
  const { packager } = context;
  const fuses = packager.config.electronFuses;
  if (fuses == null) throw new Error('after-pack: electron-builder.yml has no electronFuses');
  const wanted = await packager.generateFuseConfig(fuses);
  await packager.addElectronFuses(context, wanted);

  const binary = electronBinary(context);
  const wire = await getCurrentFuseWire(binary);
  /** @type {string[]} */
  const wrong = [];
  for (const [index, value] of Object.entries(wanted)) {
    const fuse = Number(index);
    if (!Number.isInteger(fuse) || typeof value !== 'boolean') continue;
    const expected = value ? ENABLED : DISABLED;
    const actual = Reflect.get(wire, fuse);
    if (actual !== expected)
      wrong.push(`${FuseV1Options[fuse]}: wanted ${expected}, found ${String(actual)}`);
  }
  if (wrong.length > 0) throw new Error(`after-pack: fuses not set in ${binary}: ${wrong.join('; ')}`);
}
