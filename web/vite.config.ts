import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The bundle is served by Forge from forge/static/estimo-ui (manifest resource `estimo-ui`).
// Relative asset URLs are required because Forge serves resources under an opaque path.
export default defineConfig({
  base: './',
  plugins: [preact()],
  build: {
    outDir: '../forge/static/estimo-ui',
    emptyOutDir: true,
    // The budget script reads this manifest to find the entry chunk and its static imports.
    manifest: true,
    sourcemap: false,
    target: 'es2022',
    // Forge CSP forbids inline scripts; never inline assets as data: URLs into JS either.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
