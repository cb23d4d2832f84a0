/** The `kiln` command as a user runs it: a real process, real compiler, real runner. */
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findKilnRoot } from '../core/paths';
import { groupMembers, pgidOf, processesIn, sleep } from '../core/test-support';

const root = findKilnRoot(__dirname);
const kiln = path.join(root, 'bin', 'kiln.mjs');
const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-'));
cpSync(path.join(root, 'plugins', 'pong'), dir, { recursive: true, filter: (s) => !s.includes('.kiln') });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trust', () => {
  it('refuses to build a project nobody trusted, and says how to trust it', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-untrusted-'));
    cpSync(path.join(root, 'plugins', 'pong'), other, { recursive: true, filter: (s) => !s.includes('.kiln') });
    const failure = await run(process.execPath, [kiln, 'build', other]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    rmSync(other, { recursive: true, force: true });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/is not trusted: building it runs its code.*--trust/);
  });
});

describe('kiln build', () => {
  it('builds pong and exits 0', async () => {
    const { stderr } = await run(process.execPath, [kiln, 'build', dir, '--trust']);
    expect(stderr).toMatch(/built pong -> .*pong\.so/);
  });

  it('prints file:line:col diagnostics and exits 1 on an error', async () => {
    const source = readFileSync(path.join(dir, 'pong.c'), 'utf8');
    const lines = source.split('\n');
    lines.splice(3, 0, 'int kiln_broken = );');
    writeFileSync(path.join(dir, 'pong.c'), lines.join('\n'));
    const failure = (await run(process.execPath, [kiln, 'build', dir, '--trust']).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    ));
    writeFileSync(path.join(dir, 'pong.c'), source);
    expect(failure.code).toBe(1);
    expect(failure.stdout).toMatch(/^pong\.c:4:\d+: error: /m);
  });
});

describe('kiln run --headless', () => {
  it('prints each reload as one JSON line and rebuilds when the source changes', async () => {
    const child = spawn(process.execPath, [kiln, 'run', dir, '--headless', '--trust'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Array<{ outcome: string; version: number; trigger: string }> = [];
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
      }
    });
    try {
      await expect.poll(() => events.length, { timeout: 15_000 }).toBe(1);
      expect(events[0]).toMatchObject({ outcome: 'ok', version: 1, trigger: 'startup' });
      const source = readFileSync(path.join(dir, 'pong.c'), 'utf8');
      writeFileSync(path.join(dir, 'pong.c'), source.replace(/#define BALL_COLOR \S+/, '#define BALL_COLOR 0x00FF00FF'));
      await expect.poll(() => events.length, { timeout: 15_000 }).toBe(2);
      expect(events[1]).toMatchObject({ outcome: 'ok', version: 2, trigger: 'external-change' });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

/** `kiln run --headless` in its own process group, as a terminal runs it (Ctrl+C signals the whole group). */
function runHeadless(project: string): { child: ChildProcessWithoutNullStreams; events: Array<{ outcome: string; version: number | null; message: string }>; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [kiln, 'run', project, '--headless', '--trust'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const events: Array<{ outcome: string; version: number | null; message: string }> = [];
  let buffer = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, events, stderr: () => err, exited };
}

const UNHANDLED = /EPIPE|Unhandled|node:internal|^\s+at /m;

describe('kiln run --headless stopped with Ctrl+C', () => {
  it('exits cleanly while its output pipe closes too (kiln run | jq, both stopped): no EPIPE, nothing left running', async () => {
    // The race is one of timing (the runner, in the same group, dies of the SIGINT while the back end
    // still writes to it): stop it at several moments from the runner's start through the first reload.
    for (const delay of [0, 40, 80, 150, 300, 600]) {
      const run = runHeadless(dir);
      await expect.poll(() => /runner: running/.test(run.stderr()), { timeout: 20_000 }).toBe(true);
      await sleep(delay);
      run.child.stdout.destroy(); // the pipe's reader is gone, as jq is after Ctrl+C
      process.kill(-run.child.pid!, 'SIGINT');
      // The closed pipe may start the stop first; the Ctrl+C then counts as a second one (130). Either is clean.
      expect([0, 130]).toContain(await run.exited);
      expect(run.stderr()).not.toMatch(UNHANDLED);
      await expect.poll(() => groupMembers(run.child.pid!), { timeout: 10_000 }).toEqual([]); // the runner too
    }
  }, 180_000);

  it('stops by itself when the reader of its output goes away (kiln run | head -1)', async () => {
    const run = runHeadless(dir);
    await expect.poll(() => run.events.length, { timeout: 20_000 }).toBeGreaterThan(0);
    run.child.stdout.destroy();
    const source = readFileSync(path.join(dir, 'pong.c'), 'utf8');
    writeFileSync(path.join(dir, 'pong.c'), source.replace(/#define BALL_COLOR \S+/, '#define BALL_COLOR 0x0000FFFF'));
    try {
      expect(await run.exited).toBe(0); // the next reload's line had nowhere to go
    } finally {
      writeFileSync(path.join(dir, 'pong.c'), source);
    }
    expect(run.stderr()).not.toMatch(UNHANDLED);
    await expect.poll(() => groupMembers(run.child.pid!), { timeout: 10_000 }).toEqual([]);
  });

  it('kills a compiler stuck on a FIFO include: after stop no process of its group remains', async () => {
    const stuck = mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-stuck-'));
    cpSync(dir, stuck, { recursive: true, filter: (s) => !s.includes('.kiln') });
    execFileSync('mkfifo', [path.join(stuck, 'pipe.h')]);
    writeFileSync(path.join(stuck, 'pong.c'), `#include "pipe.h"\n${readFileSync(path.join(dir, 'pong.c'), 'utf8')}`);
    const run = runHeadless(stuck);
    try {
      await expect.poll(() => processesIn(realpathSync(stuck)).length, { timeout: 20_000 }).toBeGreaterThan(0);
      const [compiler] = processesIn(realpathSync(stuck));
      const group = pgidOf(compiler);
      expect(group).not.toBe(run.child.pid); // its own group: the terminal's Ctrl+C does not reach it, Kiln must
      process.kill(-run.child.pid!, 'SIGINT');
      expect(await run.exited).toBe(0);
      await expect.poll(() => groupMembers(group), { timeout: 10_000 }).toEqual([]);
      await expect.poll(() => groupMembers(run.child.pid!), { timeout: 10_000 }).toEqual([]);
      expect(run.stderr()).not.toMatch(UNHANDLED);
    } finally {
      rmSync(stuck, { recursive: true, force: true });
    }
  });
});

describe('kiln build with a compiler stuck on a FIFO include', () => {
  function stuckCopy(build: Record<string, unknown> = {}): string {
    const stuck = mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-build-stuck-'));
    cpSync(dir, stuck, { recursive: true, filter: (s) => !s.includes('.kiln') });
    execFileSync('mkfifo', [path.join(stuck, 'pipe.h')]);
    writeFileSync(path.join(stuck, 'pong.c'), `#include "pipe.h"\n${readFileSync(path.join(dir, 'pong.c'), 'utf8')}`);
    const config = JSON.parse(readFileSync(path.join(stuck, 'kiln.json'), 'utf8'));
    config.build = { ...config.build, ...build };
    writeFileSync(path.join(stuck, 'kiln.json'), JSON.stringify(config));
    return stuck;
  }

  it('fails at the time limit of kiln.json, naming it', async () => {
    const stuck = stuckCopy({ timeLimitSeconds: 1 });
    try {
      const failure = await run(process.execPath, [kiln, 'build', stuck, '--trust']).then(
        () => ({ code: 0, stdout: '' }),
        (e: { code: number; stdout: string }) => e,
      );
      expect(failure.code).toBe(1);
      expect(failure.stdout).toMatch(/^pong\.c:1:1: error: the build was stopped at its time limit of 1 s .*"timeLimitSeconds"/m);
    } finally {
      rmSync(stuck, { recursive: true, force: true });
    }
  });

  it('Ctrl+C stops it (exit 130) and no process of the compiler\'s group remains', async () => {
    const stuck = stuckCopy();
    const child = spawn(process.execPath, [kiln, 'build', stuck, '--trust'], { stdio: 'ignore', detached: true });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => processesIn(realpathSync(stuck)).length, { timeout: 20_000 }).toBeGreaterThan(0);
      const group = pgidOf(processesIn(realpathSync(stuck))[0]);
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toBe(130);
      await expect.poll(() => groupMembers(group), { timeout: 10_000 }).toEqual([]);
    } finally {
      rmSync(stuck, { recursive: true, force: true });
    }
  });
});
