import { utilityProcess } from 'electron';
import path from 'node:path';
import type { ChildCall } from '../services/keychain/keychain.fresh';

const CHILD_TIMEOUT_MS = 15_000;

/**
 * The app's fresh-process keytar call (see `keychain.fresh.ts`): an Electron utility process running
 * the bundled `keychain-child.js`, one per call, so its libsecret meets the Secret Service that runs
 * now. A utility process needs no `ELECTRON_RUN_AS_NODE` (a fuse the packaged app turns off).
 */
export function utilityChildCall(script: string = path.join(__dirname, 'keychain-child.js')): ChildCall {
  return (request) =>
    new Promise((resolve, reject) => {
      const child = utilityProcess.fork(script, [], { serviceName: 'FieldVault keychain', stdio: 'ignore' });
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('The keychain helper did not answer'));
      }, CHILD_TIMEOUT_MS);
      child.once('message', (reply: unknown) => {
        clearTimeout(timer);
        const r = reply as { ok?: unknown; value?: unknown; message?: unknown };
        if (
          r.ok === true &&
          (typeof r.value === 'string' || typeof r.value === 'boolean' || r.value === null)
        )
          resolve(r.value);
        else reject(new Error(typeof r.message === 'string' ? r.message : 'The keychain helper failed'));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error('The keychain helper exited'));
      });
      child.postMessage(request);
    });
}
