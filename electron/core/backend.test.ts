/**
 * The back end with everything real (tcc/gcc, the runner process, libkiln): bad input gets a clear
 * message in the reload log, and the game keeps running the last good version.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadEvent } from '../shared/contract';
import { KilnBackend } from './backend';
import { nodeRunnerLauncher } from './node-runner-launcher';
import { findKilnRoot, kilnPaths } from './paths';

const paths = kilnPaths(findKilnRoot(__dirname));
const open: Array<{ backend: KilnBackend; dir: string }> = [];

async function startPong(edit?: (kilnJson: Record<string, unknown>) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-backend-'));
  cpSync(paths.defaultProject, dir, { recursive: true, filter: (s) => !s.includes('.kiln') });
  if (edit) {
    const file = path.join(dir, 'kiln.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    edit(json);
    writeFileSync(file, JSON.stringify(json));
  }
  const backend = await KilnBackend.open({ projectDir: dir, paths, launcher: nodeRunnerLauncher(paths.runnerScript), trustProject: true });
  const events: ReloadEvent[] = [];
  backend.on('reload', (e) => events.push(e));
  open.push({ backend, dir });
  await backend.start();
  await backend.idle();
  return { backend, dir, events, source: readFileSync(path.join(dir, 'pong.c'), 'utf8') };
}

function nextFrame(backend: KilnBackend): Promise<number> {
  return new Promise((resolve) => backend.once('frame', (f) => resolve(f.frame)));
}

afterEach(async () => {
  for (const { backend, dir } of open.splice(0)) {
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('bad input keeps the game running', () => {
  it('a plugin without an entry function is refused with a reason; the old version keeps running', async () => {
    const { backend, events, source } = await startPong();
    expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 1 });
    // The user deleted the KILN_PLUGIN(...) line: it still compiles, but there is nothing to load.
    await backend.save('pong.c', source.replace(/^KILN_PLUGIN\([\s\S]*$/m, 'void *keep_functions[] = { (void *)init, (void *)update, (void *)draw };\n'));
    await backend.idle();
    const failure = events.at(-1)!;
    expect(failure).toMatchObject({ outcome: 'load-error', version: 1 });
    expect(failure.message).toMatch(/no KILN_PLUGIN\(\.\.\.\) line/);
    const a = await nextFrame(backend);
    const b = await nextFrame(backend);
    expect(b).toBeGreaterThan(a);
  });

  it('a missing compiler is named, with what to do', async () => {
    const { events } = await startPong((json) => (json.build = { compiler: 'no-such-compiler-kiln' }));
    expect(events.at(-1)).toMatchObject({ outcome: 'compile-error', version: null });
    expect(events.at(-1)!.message).toMatch(/no-such-compiler-kiln.*install it, or change kiln.json/);
  });

  it('a compile error keeps version and code; gcc diagnostics map to the project file', async () => {
    const { backend, events, source } = await startPong((json) => (json.build = { compiler: 'gcc' }));
    const lines = source.split('\n');
    const at = lines.findIndex((l) => l.startsWith('#define BALL_COLOR'));
    lines.splice(at + 1, 0, 'int kiln_broken = );');
    await backend.save('pong.c', lines.join('\n'));
    await backend.idle();
    const failure = events.at(-1)!;
    expect(failure).toMatchObject({ outcome: 'compile-error', version: 1 });
    expect(failure.diagnostics[0]).toMatchObject({ file: 'pong.c', line: at + 2, severity: 'error' });
    expect(failure.compiler).toMatch(/gcc/);
  });
});

describe('runner supervision', () => {
  it('a runner killed with SIGKILL is restarted on the last good version with its state', async () => {
    const { backend, events } = await startPong();
    const before = backend.supervisor.pid!;
    process.kill(before, 'SIGKILL');
    await expect.poll(() => events.some((e) => e.outcome === 'runner-restarted'), { timeout: 5000 }).toBe(true);
    expect(backend.supervisor.pid).not.toBe(before);
    expect(events.at(-1)!.message).toMatch(/pong v1 running with its saved state/);
    await nextFrame(backend); // frames flow again
  });
});
