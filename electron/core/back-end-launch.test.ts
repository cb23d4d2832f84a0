import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACK_END_MALLOC_ENV, BACK_END_NODE_FLAGS, bundleExecArgv, childExecArgv, RELAY_NODE_FLAGS, RUNNER_NODE_FLAGS, startedAsBackEnd, withBackEndMalloc } from './back-end-launch';
import { childrenOf, copyExample, testPaths } from './test-support';

const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

describe('the back end\'s malloc settings and V8 flags', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it('are added where the environment does not set them, and a value the user set stays', () => {
    expect(withBackEndMalloc({ PATH: '/bin' })).toEqual({ PATH: '/bin', ...BACK_END_MALLOC_ENV });
    expect(withBackEndMalloc({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
    expect(startedAsBackEnd({}, BACK_END_NODE_FLAGS)).toBe(false);
    expect(startedAsBackEnd(withBackEndMalloc({}), [])).toBe(false);
    expect(startedAsBackEnd(withBackEndMalloc({}), ['--import', 'tsx', ...BACK_END_NODE_FLAGS])).toBe(true);
  });

  it('are the back end\'s own: a Node child it forks gets its other flags without them', () => {
    expect(childExecArgv(['--import', 'tsx', ...BACK_END_NODE_FLAGS, '--enable-source-maps'])).toEqual(['--import', 'tsx', '--enable-source-maps']);
  });

  it('a child that runs a bundle gets no module loaders (tsx\'s, when the back end runs from TypeScript)', () => {
    const tsx = ['--require', '/k/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///k/node_modules/tsx/dist/loader.mjs'];
    expect(bundleExecArgv([...tsx, '--enable-source-maps', '--import=tsx', '-r', 'x.cjs', '--max-old-space-size=512'])).toEqual(['--enable-source-maps', '--max-old-space-size=512']);
  });

  it.runIf(process.platform === 'linux')('the web shell that npm start and npm run web start runs with them; the game runner it forks has the malloc settings and the runner V8 flags (RUNNER_NODE_FLAGS)', async () => {
    const project = copyExample('pong');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-launch-data-'));
    const env: NodeJS.ProcessEnv = { ...process.env, KILN_NO_OPEN: '1', KILN_DATA_DIR: dataDir };
    for (const k of Object.keys(BACK_END_MALLOC_ENV)) delete env[k];
    const start = spawn(process.execPath, [path.join(testPaths.root, 'scripts', 'start.mjs'), '--web', '--project', project, '--trust'], { cwd: testPaths.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => {
      start.kill('SIGTERM');
      rmSync(project, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    });
    let out = '';
    start.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
    start.stderr!.setEncoding('utf8').on('data', (t: string) => (out += t));
    await expect.poll(() => out, { timeout: 60_000 }).toMatch(/Kiln editor: http/);
    const [shell] = childrenOf(start.pid!);
    expect(shell, out).toBeDefined();
    const expected = Object.entries(BACK_END_MALLOC_ENV).map(([k, v]) => `${k}=${v}`);
    expect(environOf(shell)).toEqual(expect.arrayContaining(expected));
    expect(argvOf(shell)).toEqual(expect.arrayContaining([...BACK_END_NODE_FLAGS]));
    // The runner: a child of the shell that runs dist/runner/main.js.
    await expect.poll(() => childrenOf(shell, 'runner'), { timeout: 60_000 }).not.toHaveLength(0);
    const [runner] = childrenOf(shell, 'runner');
    expect(environOf(runner)).toEqual(expect.arrayContaining(expected));
    expect(argvOf(runner)).toEqual(expect.arrayContaining([expect.stringMatching(/runner/)]));
    expect(argvOf(runner)).toEqual(expect.arrayContaining([...RUNNER_NODE_FLAGS]));
    // The frame relay: a child of the shell that runs dist/web/frame-relay-process.js, with its own V8 flags.
    const [relay] = childrenOf(shell, 'frame-relay-process');
    expect(relay, 'the frame relay process').toBeDefined();
    expect(argvOf(relay)).toEqual(expect.arrayContaining([...RELAY_NODE_FLAGS]));
  }, 120_000);
});
