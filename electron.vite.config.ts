import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

/** Three Electron targets: main (ESM, deps external), sandboxed preload (CommonJS, self-contained), renderer. */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          main: resolve(__dirname, 'electron/main/main.ts'),
          // One keytar call in a fresh utility process, after the Secret Service restarted.
          'keychain-child': resolve(__dirname, 'electron/services/keychain/keychain.child.ts'),
          // A worker_threads entry: imports and other heavy vault work (electron/services/worker).
          'db.worker': resolve(__dirname, 'electron/services/worker/db.worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads cannot require node_modules: bundle everything, emit CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { preload: resolve(__dirname, 'electron/preload/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
