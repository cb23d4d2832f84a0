/**
 * Builds have limits (issue 11 §2): a compiler stuck on an #include of a FIFO, one that runs out of
 * memory, a build a newer save replaces, a back end that stops. Real compilers (tcc, gcc), real FIFOs,
 * real process groups read from /proc.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ReloadEvent } from '../shared/contract';
import { KilnBackend } from './backend';
import { compile, findCompiler, runningCompilers, waitRequest, type BuildLimits } from './compiler';
import { nodeRunnerLauncher } from './node-runner-launcher';
import { findKilnRoot } from './paths';
import { groupMembers, pgidOf, processesIn, sessionSource, testPaths, writeProject } from './test-support';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-limits-'));
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-limits-data-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** A source that #includes a FIFO nobody writes: the compiler waits in open() forever. */
function stuckSource(name: string): string {
  const fifo = path.join(dir, `${name}.h`);
  execFileSync('mkfifo', [fifo]);
  const src = path.join(dir, `${name}.c`);
  writeFileSync(src, `#include "${name}.h"\nint x;\n`);
  return src;
}

describe.each(['tcc', 'gcc'])('a %s build stuck on a FIFO include', (cc) => {
  it('is stopped at its time limit as a compile error naming the limit, its whole process group gone', async () => {
    const src = stuckSource(`stuck-time-${cc}`);
    const limits: BuildLimits = { timeLimitSeconds: 1, memoryLimitMb: 2048 };
    const building = compile({ compiler: await findCompiler(cc), sources: [src], output: path.join(dir, `t-${cc}.so`), includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir, limits });
    await expect.poll(() => runningCompilers().length, { timeout: 10_000 }).toBeGreaterThan(0);
    const [pgid] = runningCompilers();
    expect(pgid).not.toBe(pgidOf(process.pid)); // its own process group, not Kiln's
    expect(groupMembers(pgid).length).toBeGreaterThan(0);
    const r = await building;
    expect(r.ok).toBe(false);
    expect(r.stopped).toBe('time-limit');
    expect(r.diagnostics[0]).toMatchObject({ file: src, severity: 'error' });
    expect(r.diagnostics[0].message).toMatch(/time limit of 1 s.*"timeLimitSeconds"/);
    await expect.poll(() => groupMembers(pgid), { timeout: 10_000 }).toEqual([]);
    expect(runningCompilers()).toEqual([]);
  });

  it('is cancelled at once when its signal aborts (a newer save), its whole process group gone', async () => {
    const src = stuckSource(`stuck-cancel-${cc}`);
    const cancel = new AbortController();
    const building = compile({ compiler: await findCompiler(cc), sources: [src], output: path.join(dir, `c-${cc}.so`), includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir, signal: cancel.signal });
    await expect.poll(() => runningCompilers().length, { timeout: 10_000 }).toBeGreaterThan(0);
    const [pgid] = runningCompilers();
    // gcc's driver waits for cc1, which is the one blocked on the FIFO: both are in the group.
    if (cc === 'gcc') await expect.poll(() => groupMembers(pgid).length, { timeout: 10_000 }).toBeGreaterThan(1);
    cancel.abort();
    const r = await building;
    expect(r).toMatchObject({ ok: false, stopped: 'cancelled' });
    await expect.poll(() => groupMembers(pgid), { timeout: 10_000 }).toEqual([]);
  });
});

describe.each(['tcc', 'gcc'])('a %s build over its memory limit', (cc) => {
  it('is a compile error that names the memory limit and how to raise it', async () => {
    const src = path.join(dir, `big-${cc}.c`);
    // 256 MiB of initialised data: tcc holds the section in memory, ld maps it to write the image.
    writeFileSync(src, 'char big[1 << 28] = {1};\nint first(void) { return big[0]; }\n');
    const r = await compile({ compiler: await findCompiler(cc), sources: [src], output: path.join(dir, `big-${cc}.so`), includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir, limits: { timeLimitSeconds: 60, memoryLimitMb: 64 } });
    expect(r.ok).toBe(false);
    expect(r.stopped).toBe('memory-limit');
    expect(r.diagnostics[0].message).toMatch(/ran out of memory at its limit of 64 MB.*"memoryLimitMb"/);
  });

  it('an ordinary build fits under the same small limit', async () => {
    const src = path.join(dir, `small-${cc}.c`);
    writeFileSync(src, 'int answer(void) { return 42; }\n');
    const r = await compile({ compiler: await findCompiler(cc), sources: [src], output: path.join(dir, `small-${cc}.so`), includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir, limits: { timeLimitSeconds: 60, memoryLimitMb: 64 } });
    expect(r).toMatchObject({ ok: true });
    expect(r.stopped).toBeUndefined();
  });
});

describe('the back end with a build stuck on a FIFO', () => {
  const backends: KilnBackend[] = [];
  afterEach(async () => {
    for (const b of backends.splice(0)) {
      await b.stop();
      rmSync(b.project.root, { recursive: true, force: true });
    }
  });

  async function stuckProject(build: Record<string, unknown> = {}): Promise<{ backend: KilnBackend; project: string; events: ReloadEvent[] }> {
    const good = sessionSource('game', 0, 0x30c030, 'good');
    const project = writeProject(
      { 'kiln.json': JSON.stringify({ name: 'stuck', plugins: [{ name: 'game', sources: ['game.c'] }], build: { compiler: 'tcc', ...build } }), 'game.c': `#include "pipe.h"\n${good}` },
      'kiln-stuck-',
    );
    execFileSync('mkfifo', [path.join(project, 'pipe.h')]);
    const backend = await KilnBackend.open({ projectDir: project, paths: testPaths, launcher: nodeRunnerLauncher(testPaths.runnerScript), trustProject: true, dataDir });
    backends.push(backend);
    const events: ReloadEvent[] = [];
    backend.on('reload', (e) => events.push(e));
    await backend.start();
    await expect.poll(() => processesIn(backend.project.root).length, { timeout: 15_000 }).toBeGreaterThan(0);
    return { backend, project: backend.project.root, events };
  }

  it('loads the next save at once: the newer save kills the stuck compiler, which records nothing', async () => {
    const { backend, events } = await stuckProject();
    const [stuck] = processesIn(backend.project.root);
    await backend.save('game.c', sessionSource('game', 0, 0x30c030, 'good'));
    await expect.poll(() => events.length, { timeout: 20_000 }).toBeGreaterThan(0);
    await backend.idle();
    // Far sooner than the 60 s time limit; the stuck build left no entry of its own.
    expect(events.map((e) => [e.outcome, e.version, e.trigger])).toEqual([['ok', 1, 'save']]);
    await expect.poll(() => groupMembers(stuck), { timeout: 10_000 }).toEqual([]);
  });

  it('reports a build that outlives build.timeLimitSeconds as a compile error naming the limit', async () => {
    const { backend, events } = await stuckProject({ timeLimitSeconds: 1 });
    await backend.idle();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ plugin: 'game', outcome: 'compile-error', version: null });
    expect(events[0].message).toMatch(/time limit of 1 s.*timeLimitSeconds/);
    expect(processesIn(backend.project.root)).toEqual([]);
  });

  it('kills the stuck compiler when it stops: nothing of its process group remains', async () => {
    const { backend } = await stuckProject();
    const [stuck] = processesIn(backend.project.root);
    const pgid = pgidOf(stuck);
    expect(pgid).not.toBe(pgidOf(process.pid));
    await backend.stop();
    await expect.poll(() => groupMembers(pgid), { timeout: 10_000 }).toEqual([]);
  });
});

describe.each(['tcc', 'gcc'] as const)('the compiler process started ahead of the next %s build', (cc) => {
  it('runs the next compile in the kiln-limit process that was already waiting, in its own folder and group', async () => {
    const c = await findCompiler(cc);
    const ok = path.join(dir, `ahead-${cc}.c`);
    writeFileSync(ok, 'int answer(void) { return 42; }\n');
    expect((await compile({ compiler: c, sources: [ok], output: path.join(dir, `ahead-${cc}.so`), includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir })).ok).toBe(true);
    const limiter = path.join(findKilnRoot(__dirname), 'native', 'build', 'kiln-limit');
    const cmdline = (p: string) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8');
      } catch {
        return ''; // gone meanwhile
      }
    };
    // After a tcc build the next ones warm libtcc up while they wait, and compile a tcc request themselves; one
    // started before (by the other compiler's test) may be first in line: either is a process started ahead.
    const lines = [`${limiter}\0--wait\0--warm-tcc\0--done-fd=3\0`, `${limiter}\0--wait\0--done-fd=3\0`];
    // This process's own (test files in other workers start waiting processes with the same command line), and
    // waiting: blocked in read(0, ...) for its request. The one the last compile used says how that compile ended
    // before it exits (--done-fd), so it can still be there, ending.
    const waitingNow = (p: string) => {
      try {
        const parent = Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
        return parent === process.pid && /^0 0x0 /.test(readFileSync(`/proc/${p}/syscall`, 'utf8'));
      } catch {
        return false; // gone meanwhile
      }
    };
    const waitingPids = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p) && lines.includes(cmdline(p)) && waitingNow(p)).map(Number);
    await expect.poll(() => waitingPids().length, { timeout: 10_000 }).toBeGreaterThan(0);
    const ahead = waitingPids();
    const src = stuckSource(`stuck-ahead-${cc}`);
    const building = compile({ compiler: c, sources: [src], output: path.join(dir, `ahead2-${cc}.so`), includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir, limits: { timeLimitSeconds: 1, memoryLimitMb: 512 } });
    await expect.poll(() => runningCompilers().length, { timeout: 10_000 }).toBe(1);
    const [waiting] = runningCompilers();
    expect(ahead).toContain(waiting);
    if (cc === 'gcc') {
      await expect.poll(() => cmdline(String(waiting)).split('\0')[0], { timeout: 10_000 }).toBe('gcc'); // exec'd the compiler
    } else {
      // tcc in this process, through libtcc: blocked in openat (257) of the FIFO, with no exec and no child
      await expect.poll(() => readFileSync(`/proc/${waiting}/syscall`, 'utf8').split(' ')[0], { timeout: 10_000 }).toBe('257');
      expect(lines).toContain(cmdline(String(waiting)));
      expect(groupMembers(waiting)).toEqual([waiting]);
    }
    expect(realpathSync(readlinkSync(`/proc/${waiting}/cwd`))).toBe(realpathSync(dir));
    expect(pgidOf(waiting)).toBe(waiting);
    expect(readFileSync(`/proc/${waiting}/limits`, 'utf8')).toMatch(/Max address space\s+536870912/);
    expect((await building).stopped).toBe('time-limit');
  });
});

describe('a waiting kiln-limit’s request', () => {
  const limiter = path.join(findKilnRoot(__dirname), 'native', 'build', 'kiln-limit');
  /** Starts `kiln-limit --wait`, writes `request` and leaves its stdin open; resolves with how it ended. */
  function send(request: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(limiter, ['--wait'], { cwd: os.tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.write(request); // no end(): the request's count says where it ends
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    return new Promise((resolve) =>
      child.on('close', (code) => {
        clearTimeout(killer);
        child.stdin.destroy();
        resolve({ code, stdout, stderr });
      }),
    );
  }

  it('runs once its last field is in, without waiting for the end of its stdin', async () => {
    const r = await send(waitRequest([dir, String(1 << 30), 'sh', '-c', 'pwd; echo ran']));
    expect(r).toEqual({ code: 0, stdout: `${realpathSync(dir)}\nran\n`, stderr: '' });
  });

  it('is refused with the reason when it does not start with its field count', async () => {
    const r = await send(Buffer.from(`${dir}\0${1 << 30}\0sh\0-c\0echo ran\0`));
    expect(r.code).toBe(127);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/a request must start with its field count/);
  });
});
