// Bundles the Node side (back end, runner, web shell, Electron main/preload) with esbuild.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['koffi', 'electron'],
  logLevel: 'warning',
  // jsonc-parser's UMD build requires its parts at run time (not bundled: "Cannot find module './impl/format'").
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

await Promise.all([
  build({ ...common, entryPoints: { 'web/main': 'electron/web/main.ts', 'web/frame-relay-process': 'electron/web/frame-relay-process.ts', 'runner/main': 'electron/runner/main.ts', 'cli/main': 'electron/cli/main.ts' }, outdir: 'dist' }),
  build({ ...common, entryPoints: { 'electron-main/main': 'electron/electron-main/main.ts', 'electron-main/preload': 'electron/electron-main/preload.ts' }, outdir: 'dist' }),
  // The web export's player: browser code, copied beside each exported game's index.html.
  build({ entryPoints: { 'export-player/kiln-web': 'renderer/src/export-player/player.ts' }, outdir: 'dist', bundle: true, platform: 'browser', format: 'iife', target: 'es2020', minify: true, logLevel: 'warning' }),
]);
mkdirSync('dist/export-player', { recursive: true });
copyFileSync('renderer/src/export-player/index.html', 'dist/export-player/index.html');
