/**
 * The back end with everything real (tcc/gcc, the runner process, libkiln): bad input gets a clear
 * message in the reload log, and the game keeps running the last good version.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBackends, copyExample, nextFrame, openTestBackend, waitProven } from './test-support';

async function startPong(edit?: (kilnJson: Record<string, unknown>) => void) {
  const dir = copyExample('pong');
  if (edit) {
    const file = path.join(dir, 'kiln.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    edit(json);
    writeFileSync(file, JSON.stringify(json));
  }
  const handle = await openTestBackend(dir);
  return { ...handle, source: readFileSync(path.join(dir, 'pong.c'), 'utf8') };
}

afterEach(closeTestBackends);

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
    const a = (await nextFrame(backend)).frame;
    const b = (await nextFrame(backend)).frame;
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

describe('crashes', () => {
  /** pong with `where` (update or draw) wrapped in a version that writes through NULL when `condition` holds. */
  const crashingIn = (source: string, where: 'update' | 'draw', condition = '1') => {
    const renamed = source.replace(new RegExp(`static void ${where}\\(`), `static void ${where}_real(`);
    const args = where === 'update' ? 'void *s, float dt' : 'void *s';
    const call = where === 'update' ? 'update_real(s, dt)' : 'draw_real(s)';
    const wrapper = `static void ${where}(${args}) { if (${condition}) *(volatile int *)0 = 1; ${call}; }\n`;
    return renamed.replace(/^KILN_PLUGIN\(/m, `${wrapper}KILN_PLUGIN(`);
  };

  it('new code that crashes in its first frame: one entry, the previous version runs, and a restart keeps it', async () => {
    const { backend, events, source } = await startPong();
    await waitProven(backend, 'pong', 1);
    await backend.save('pong.c', crashingIn(source, 'update'));
    await backend.idle();
    const entry = events.at(-1)!;
    expect(entry).toMatchObject({ outcome: 'crash-rolled-back', version: 1, trigger: 'save' });
    expect(entry.message).toMatch(/update crashed with SIGSEGV.* in version 2; rolled back to version 1/);
    expect(entry.crash).toMatchObject({ callback: 'update', kind: 'signal', signal: 'SIGSEGV', address: '0x0', crashedVersion: 2, runningVersion: 1 });
    expect(events.filter((e) => e.trigger === 'save')).toHaveLength(1);
    expect(backend.session().versions).toEqual({ pong: 1 });
    expect((await backend.request('status.get', {})) as { state: string; version: number }).toMatchObject({ state: 'error', version: 1 });
    // The runner dies: it comes back on v1, not on the version that crashed.
    process.kill(backend.supervisor.pid!, 'SIGKILL');
    await expect.poll(() => events.some((e) => e.outcome === 'runner-restarted'), { timeout: 5000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter((e) => e.outcome === 'crash-rolled-back')).toHaveLength(1);
    expect(events.at(-1)!.message).toMatch(/pong v1 running/);
    expect(events.at(-1)!.outcome).toBe('runner-restarted');
    // The next good build is v3: v2 still names the build that crashed.
    await backend.save('pong.c', source);
    await backend.idle();
    expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 3 });
  });

  it('a crash later in play is logged with trigger crash and the version that runs again', async () => {
    const { backend, events, source } = await startPong();
    // Crashes once the new code has drawn 20 frames.
    await backend.save('pong.c', crashingIn(source, 'draw', '++kiln_test_draws > 20').replace(/^static void draw\(/m, 'static int kiln_test_draws;\nstatic void draw('));
    await backend.idle();
    expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
    await expect.poll(() => events.at(-1)?.outcome, { timeout: 5000 }).toBe('crash-rolled-back');
    expect(events.at(-1)).toMatchObject({ trigger: 'crash', version: 1 });
    expect(events.at(-1)!.message).toMatch(/draw crashed with SIGSEGV.* in version 2; rolled back to version 1/);
    expect(events.at(-1)!.crash).toMatchObject({ callback: 'draw', signal: 'SIGSEGV', crashedVersion: 2, runningVersion: 1 });
    expect(backend.session().versions).toEqual({ pong: 1 });
  });
});

describe('the game session', () => {
  it("carries libkiln's split of each kiln_frame call: its wait for the frame lock and its CPU time", async () => {
    const { backend } = await startPong();
    await expect.poll(() => backend.session().frameTimes.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    const s = backend.session();
    expect(s.frameLockWaits).toHaveLength(s.frameTimes.length);
    expect(s.frameCpuTimes).toHaveLength(s.frameTimes.length);
    // Each is a part of the call the runner timed around it (rounded to the µs): the game thread runs pong, alone.
    s.frameTimes.forEach((ms, i) => {
      expect(s.frameCpuTimes![i]).toBeGreaterThan(0);
      expect(s.frameCpuTimes![i]).toBeLessThanOrEqual(ms + 0.002);
      expect(s.frameLockWaits![i]).toBeGreaterThanOrEqual(0);
      expect(s.frameLockWaits![i] + s.frameCpuTimes![i]).toBeLessThanOrEqual(ms + 0.002);
    });
  });
});

describe('runner supervision', () => {
  it('a runner killed with SIGKILL is restarted on the last good version with its state', async () => {
    const { backend, events } = await startPong();
    await waitProven(backend, 'pong', 1); // a death within a version's first second is that version's crash
    const before = backend.supervisor.pid!;
    process.kill(before, 'SIGKILL');
    await expect.poll(() => events.some((e) => e.outcome === 'runner-restarted'), { timeout: 5000 }).toBe(true);
    expect(backend.supervisor.pid).not.toBe(before);
    expect(events.at(-1)!.message).toMatch(/pong v1 running with its saved state/);
    await nextFrame(backend); // frames flow again
  });
});
