// Vite build of the web UI (web/src → web/dist), served by the API's express app under its CSP.
// Element Plus is imported per component (unplugin-vue-components' resolver, with its CSS as files),
// so the first screens stay small; ECharts is only in the dashboard's chunk.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  plugins: [
    vue(),
    Components({
      dirs: [],
      dts: false,
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The CSP has no 'unsafe-inline': never inline small assets as data: scripts or styles.
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    // dist/.vite/manifest.json: which files each screen loads (npm run web:size reads it).
    manifest: true,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1200,
  },
  // vue-i18n: Composition API only, no devtools (smaller bundle).
  define: { __VUE_I18N_FULL_INSTALL__: false, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false },
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
});
