#!/usr/bin/env node
// The `kiln` command: runs the bundled CLI (build it with `npm run build`).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('kiln: the CLI is not built yet — run: npm run build');
  process.exit(1);
}
createRequire(import.meta.url)(cli);
