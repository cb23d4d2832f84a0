// `npm start`: the desktop app when Electron's binary is installed, otherwise the web shell in a browser.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
// `npm run web`: the web shell only, and no browser opened.
const webOnly = args[0] === '--web';
if (webOnly) args.shift();

function electronBinary() {
  try {
    const bin = require('electron'); // a path string when the binary was downloaded; throws otherwise
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

// The back end's malloc settings, for it and what it starts, and its V8 flags, for the web shell only
// (electron/core/back-end-launch.ts says why; a test keeps the two the same). A value the user set stays.
const env = { MALLOC_ARENA_MAX: '1', ...process.env };
const backEndNodeFlags = ['--max-semi-space-size=2', '--min-semi-space-size=2'];

const electron = process.env.KILN_WEB || webOnly ? null : electronBinary();
if (electron) {
  const child = spawn(electron, ['.', ...args], { stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!process.env.KILN_WEB && !webOnly) {
    console.log(
      'Kiln: the Electron binary is not installed (its download host is unreachable or ELECTRON_SKIP_BINARY_DOWNLOAD was set),\n' +
        '      so Kiln runs as the web shell: open the URL below in Chromium, Chrome, Firefox or Edge. Ctrl+C stops it.',
    );
  }
  const child = spawn(process.execPath, [...backEndNodeFlags, 'dist/web/main.js', ...args], { stdio: ['inherit', 'pipe', 'inherit'], env });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    process.stdout.write(text);
    const url = /Kiln editor: (\S+)/.exec(text)?.[1];
    if (url && !webOnly && (process.env.DISPLAY || process.platform === 'darwin') && !process.env.KILN_NO_OPEN) {
      const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
      spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
