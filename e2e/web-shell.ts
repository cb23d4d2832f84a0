/**
 * The web shell as a process: start `dist/web/main.js` on a project with a fresh data folder and read its
 * `Kiln editor: <url>` line. Used by the e2e fixtures and the benchmark's browser section (no Playwright here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BACK_END_NODE_FLAGS, withBackEndMalloc } from '../electron/core/back-end-launch';

const ROOT = path.resolve(__dirname, '..');

export interface WebShell {
  url: string;
  process: ChildProcess;
  output: () => string;
}

/** `trust: false` starts the shell as a user would meet a project Kiln did not create (nothing builds until trusted). */
export async function startWebShell(projectDir: string, env: NodeJS.ProcessEnv = {}, options: { trust?: boolean } = {}): Promise<WebShell> {
  // A fresh data folder per shell: the test's trust answer and drafts never touch the user's own.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-data-'));
  const child = spawn(process.execPath, [...BACK_END_NODE_FLAGS, path.join(ROOT, 'dist', 'web', 'main.js'), '--project', projectDir, ...(options.trust === false ? [] : ['--trust'])], {
    cwd: ROOT,
    env: { ...withBackEndMalloc(process.env), KILN_DATA_DIR: dataDir, ...env }, // malloc and V8 flags as npm start sets them
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: on a loaded 2-core machine Node alone can take 20 s to start the shell.
    const timer = setTimeout(() => reject(new Error(`web shell printed no URL in 60 s:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /^Kiln editor: (\S+)$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web shell exited with code ${code}:\n${output}`));
    });
  });
  return { url, process: child, output: () => output };
}

export async function stopWebShell(shell: WebShell): Promise<void> {
  if (shell.process.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      shell.process.kill('SIGKILL');
      resolve();
    }, 5000);
    shell.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    shell.process.kill('SIGTERM');
  });
}
