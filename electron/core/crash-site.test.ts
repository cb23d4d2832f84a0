/**
 * Where it crashed, end to end in the back end: a real compiler (tcc, the default, with stabs; gcc with DWARF)
 * builds a plugin that faults at a known line, the real runner catches it, and the crash-rolled-back entry names
 * the project-relative file, the line and the function, with the fault in words.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadEvent } from '../shared/contract';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addr2line, faultWords, peImageBase } from './crash-site';
import { closeTestBackends, openTestBackend, waitProven, writeProject } from './test-support';

afterEach(closeTestBackends);

/** update runs `attack` (its own line, marked) after 5 good frames; `helper` lines come first. */
function source(attack: string): string {
  return [
    '#include "kiln.h"',
    '#include <string.h>',
    'typedef struct { int n; } S;',
    'static void poke(int *p) {',
    '    *p = 7; /* line 5 */',
    '}',
    'static void update(void *p, float dt) {',
    '    S *s = p; (void)dt;',
    '    if (s->n++ < 5) return;',
    `    ${attack} /* line 10 */`,
    '}',
    'static void draw(void *p) { (void)p; clear(0x202020FF); }',
    'KILN_PLUGIN(.name = "game", .state_size = sizeof(S), .update = update, .draw = draw)',
    '',
  ].join('\n');
}

async function crashOf(attack: string, compiler: string | undefined, runner: { watchdogMs?: number } = {}): Promise<ReloadEvent> {
  const dir = writeProject({
    'kiln.json': JSON.stringify({ name: 'site', width: 16, height: 16, plugins: [{ name: 'game', sources: ['game.c'] }], build: compiler ? { compiler } : undefined }),
    'game.c': source('(void)s;'),
  });
  const { backend, events } = await openTestBackend(dir, undefined, runner);
  expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 1 });
  await waitProven(backend, 'game', 1);
  await backend.save('game.c', source(attack));
  await expect.poll(() => events.find((e) => e.outcome === 'crash-rolled-back'), { timeout: 30_000, interval: 50 }).toBeTruthy();
  return events.find((e) => e.outcome === 'crash-rolled-back')!;
}

// Real compilers and runners on a loaded 2-core machine: generous time-outs.
describe('a crash names its line', { timeout: 90_000 }, () => {
  for (const compiler of [undefined, 'gcc']) {
    const label = compiler ?? 'tcc (default)';
    it(`${label}: a NULL write in a helper names the helper's line, then update's call`, async () => {
      const entry = await crashOf('poke((int *)0);', compiler);
      expect(entry.crash).toMatchObject({ kind: 'signal', signal: 'SIGSEGV', access: 'write', file: 'game.c', line: 5, function: 'poke', fault: 'writing address 0x0: a NULL pointer' });
      const plugin = entry.crash!.stack!.filter((f) => f.plugin);
      expect(plugin[0]).toMatchObject({ file: 'game.c', line: 5, function: 'poke' });
      expect(plugin[1]).toMatchObject({ file: 'game.c', line: 10, function: 'update' });
      expect(plugin[0].image).toMatch(/game-b\d+\.so$/); // the build output, which outlives the runner's temp copy
    });

    it(`${label}: a fault inside libc names the plugin line that called it`, async () => {
      const entry = await crashOf('s->n = (int)strlen((const char *)(long)(s->n * 0));', compiler);
      expect(entry.crash).toMatchObject({ access: 'read', file: 'game.c', line: 10, function: 'update' });
      expect(entry.crash!.stack![0].plugin).toBeFalsy(); // the pc itself is in libc
    });
  }

  it('a watchdog stop names the looping line', async () => {
    const entry = await crashOf('for (volatile int spin = 1; spin;) {}', undefined, { watchdogMs: 300 });
    expect(entry.crash).toMatchObject({ kind: 'watchdog', file: 'game.c', line: 10, function: 'update' });
    expect(entry.crash!.fault).toMatch(/still running after 300 ms/);
  });
});

describe('a Windows DLL (MinGW, DWARF)', () => {
  it('is symbolized at ImageBase + the offset libkiln records (an RVA there; an ELF offset is the address itself)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-pe-'));
    const src = path.join(dir, 'boom.c');
    writeFileSync(src, 'int g;\n__declspec(dllexport) int boom(int x) {\n    int *p = 0;\n    g = x;\n    return *p + x;\n}\n');
    const dll = path.join(dir, 'boom.dll');
    execFileSync('x86_64-w64-mingw32-gcc', ['-g', '-O0', '-shared', '-o', dll, src]);
    const base = peImageBase(dll);
    expect(base).toBeGreaterThan(0n);
    const sym = /^([0-9a-f]+) T boom$/m.exec(execFileSync('x86_64-w64-mingw32-nm', [dll], { encoding: 'utf8' }));
    const rva = BigInt(`0x${sym![1]}`) - base;
    const [line] = await addr2line(dll, [{ offset: rva.toString(16), isReturn: false }]);
    expect(line).toMatchObject({ function: 'boom', line: 2 });
    expect(line.file).toMatch(/boom\.c$/);
    expect(peImageBase(src)).toBe(0n); // not a PE file
  });
});

describe('the fault in words', () => {
  const base = { kind: 'signal' as const, callback: 'update' as const };
  it('says what the instruction did to which address', () => {
    expect(faultWords({ ...base, signal: 'SIGSEGV', address: '0x0', access: 'write' })).toBe('writing address 0x0: a NULL pointer');
    expect(faultWords({ ...base, signal: 'SIGSEGV', address: '0x10', access: 'read' })).toBe('reading address 0x10: a NULL pointer plus an offset');
    expect(faultWords({ ...base, signal: 'SIGSEGV', address: '0x0', access: 'execute' })).toBe('executing address 0x0: a call through a NULL function pointer');
    expect(faultWords({ ...base, signal: 'SIGSEGV', address: '0x7ffd0000', access: 'write', stackOverflow: true })).toMatch(/^stack overflow/);
    expect(faultWords({ ...base, signal: 'SIGFPE' })).toMatch(/division by zero/);
  });
});
