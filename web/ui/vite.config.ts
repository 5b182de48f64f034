import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console is a static bundle served by the web role (src/web/ui-static.ts) from dist/ui.
 * Everything it needs is bundled: no font, icon or script from any other host.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Assets carry a content hash in their name and are served as immutable.
    assetsDir: 'assets',
    // Inlined assets would become data: URLs that the CSP has to allow; keep them files.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
