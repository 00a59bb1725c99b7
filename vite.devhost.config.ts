import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Builds the dev host's `window.crm` bridge on its own, so it never enters the app's renderer bundle. */
export default defineConfig({
  build: {
    outDir: 'out/devhost',
    emptyOutDir: true,
    lib: {
      entry: resolve(import.meta.dirname, 'renderer/devhost/bridge.devhost.ts'),
      formats: ['iife'],
      name: 'FieldVaultDevHostBridge',
      fileName: () => 'bridge.js',
    },
  },
});
