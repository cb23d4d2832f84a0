/** The `kiln` command as a user runs it: a real process, real compiler, real runner. */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findKilnRoot } from '../core/paths';

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
