/**
 * The suite's closing line (scripts/test.sh, scripts/test-summary.mjs): "N passed, N failed" is the last
 * line in every case, the failed steps named on the line before. test.sh runs for real in a copy of
 * scripts/, with small stand-ins for npm, npx and make on PATH (running the real suite inside a unit test
 * would run this test again).
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findKilnRoot } from '../core/paths';

const root = findKilnRoot(__dirname);
const run = promisify(execFile);
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'kiln-summary-'));
  temps.push(d);
  return d;
}

const lines = (text: string) => text.trimEnd().split('\n');

async function summary(results: Record<string, string>, failed: string): Promise<{ code: number; out: string[] }> {
  const dir = temp();
  for (const [name, text] of Object.entries(results)) writeFileSync(path.join(dir, name), text);
  const r = await run(process.execPath, [path.join(root, 'scripts', 'test-summary.mjs'), '--results', dir, '--failed', failed]).then(
    (ok) => ({ code: 0, stdout: ok.stdout }),
    (e: { code: number; stdout: string }) => e,
  );
  return { code: r.code, out: lines(r.stdout) };
}

const unitJson = (passed: number, failed: number) => JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numPendingTests: 0, numTodoTests: 0 });
const e2eJson = (expected: number, unexpected: number, skipped = 0) => JSON.stringify({ stats: { expected, unexpected, flaky: 0, skipped } });

describe('test-summary.mjs', () => {
  it('adds up every runner and ends with the closing line', async () => {
    const r = await summary({ 'native.txt': 'x\n40 passed, 0 failed\n', 'unit.json': unitJson(100, 0), 'e2e.json': e2eJson(20, 0, 2) }, '');
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe('160 passed, 0 failed, 2 skipped');
  });

  it('names the failed steps on the line before the closing line, and exits 1', async () => {
    const r = await summary({ 'native.txt': '40 passed, 0 failed\n', 'unit.json': unitJson(98, 2), 'e2e.json': e2eJson(20, 1) }, 'unit e2e');
    expect(r.code).toBe(1);
    expect(r.out.slice(-2)).toEqual(['failed steps: unit, e2e', '158 passed, 3 failed']);
  });

  it('counts a failed step with no failed test (a type error, a crash before results) as a failure', async () => {
    const r = await summary({ 'unit.json': unitJson(10, 0) }, 'build typecheck');
    expect(r.out.slice(-2)).toEqual(['failed steps: build, typecheck', '10 passed, 2 failed']);
  });

  it('still ends with the closing line when a results file is unreadable', async () => {
    const r = await summary({ 'unit.json': '{"numPassedTe', 'e2e.json': e2eJson(3, 0) }, 'unit');
    expect(r.code).toBe(1);
    expect(r.out.some((l) => /unit: unit\.json is unreadable/.test(l))).toBe(true);
    expect(r.out.slice(-2)).toEqual(['failed steps: unit', '3 passed, 1 failed']);
  });
});

describe('test.sh', () => {
  /** A copy of scripts/ and stand-in tools: each writes what its real counterpart would and exits as told. */
  function suite(behaviour: { typecheck: number; unitFailed: number; e2eCrash: boolean; slowE2e?: boolean }): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = temp();
    mkdirSync(path.join(dir, 'scripts'));
    cpSync(path.join(root, 'scripts', 'test.sh'), path.join(dir, 'scripts', 'test.sh'));
    cpSync(path.join(root, 'scripts', 'test-summary.mjs'), path.join(dir, 'scripts', 'test-summary.mjs'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const tool = (name: string, body: string) => {
      writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(path.join(bin, name), 0o755);
    };
    tool('make', 'echo "12 passed, 0 failed"');
    tool('npm', `case "$*" in *typecheck*) echo "src/x.ts(1,1): error TS2304" >&2; exit ${behaviour.typecheck};; esac; exit 0`);
    tool(
      'npx',
      `case "$1" in
  vitest) echo '${unitJson(50, behaviour.unitFailed)}' > test-results/unit.json; echo "vitest done" >&2; exit ${behaviour.unitFailed ? 1 : 0};;
  playwright) ${behaviour.slowE2e ? 'sleep 30;' : ''} ${behaviour.e2eCrash ? 'echo "Error: config broke" >&2; exit 1' : `echo '${e2eJson(7, 0)}' > test-results/e2e.json`};;
esac`,
    );
    return { dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
  }

  it('ends with the closing line after failed steps, naming them just before it', async () => {
    const { dir, env } = suite({ typecheck: 2, unitFailed: 3, e2eCrash: true });
    const r = await run('bash', [path.join(dir, 'scripts', 'test.sh')], { env }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(lines(r.stdout).slice(-2)).toEqual(['failed steps: typecheck, unit, e2e', '74 passed, 5 failed']);
  });

  it('ends with the closing line when everything passes', async () => {
    const { dir, env } = suite({ typecheck: 0, unitFailed: 0, e2eCrash: false });
    const { stdout } = await run('bash', [path.join(dir, 'scripts', 'test.sh')], { env });
    expect(lines(stdout).at(-1)).toBe('81 passed, 0 failed');
  });

  it('ends with the closing line when interrupted (Ctrl+C)', async () => {
    const { dir, env } = suite({ typecheck: 0, unitFailed: 0, e2eCrash: false, slowE2e: true });
    const child = spawn('bash', [path.join(dir, 'scripts', 'test.sh')], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await expect.poll(() => stdout.includes('::: e2e'), { timeout: 20_000 }).toBe(true);
    process.kill(-child.pid!, 'SIGINT'); // the terminal's Ctrl+C reaches the whole process group
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(lines(stdout).slice(-2)).toEqual(['failed steps: interrupted', '74 passed, 1 failed']);
  });
});
