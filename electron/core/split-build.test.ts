/**
 * Split builds (issue 16, "Games with many files"): the second save of one file of a several-file game links that
 * file alone, against a copy of the other files' link, and the game behaves as with the link of every object —
 * globals shared across files are one variable, a crash in an unchanged file names its line, a name defined twice
 * is still an error. Real tcc and gcc, the real back end and runner, pixels read from the frames.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadEvent } from '../shared/contract';
import { closeTestBackends, openTestBackend, pixelAt, waitProven, writeProject } from './test-support';

afterEach(closeTestBackends);

/**
 * a.c draws row 0 in colour_of() (b.c), row 1 in tint_seen() (c.c reading b.c's global g_tint), row 2 in
 * base_seen() (b.c reading c.c's global g_base), each at the column row_of(kind_of()) gives (c.c; 99 crashes).
 */
const game = (compiler: string) => ({
  'kiln.json': JSON.stringify({ name: 'split', width: 16, height: 16, plugins: [{ name: 'game', sources: ['a.c', 'b.c', 'c.c'] }], build: { compiler } }),
  'game.h': 'unsigned colour_of(void);\nunsigned tint_seen(void);\nunsigned base_seen(void);\nint kind_of(void);\nint row_of(int k);\nextern unsigned g_tint, g_base;\n',
  'a.c': [
    '#include "kiln.h"',
    '#include "game.h"',
    'static void draw(void *s) {',
    '  (void)s;',
    '  int x = row_of(kind_of());',
    '  fill_rect(x, 0, 1, 1, colour_of());',
    '  fill_rect(x, 1, 1, 1, tint_seen());',
    '  fill_rect(x, 2, 1, 1, base_seen());',
    '}',
    'KILN_PLUGIN(.name = "game", .state_size = 4, .state_version = 1, .draw = draw)',
    '',
  ].join('\n'),
  'b.c': bFile('0x20C040FF', 0),
  'c.c': [
    '#include "game.h"',
    'unsigned g_base = 0x3050A0FFu;',
    'unsigned tint_seen(void) { return g_tint; }',
    'int row_of(int k) {',
    '  if (k == 99) {',
    '    volatile int *p = 0;',
    '    return *p; /* line 7 */',
    '  }',
    '  return k;',
    '}',
    '',
  ].join('\n'),
});

function bFile(tint: string, kind: number, extra = ''): string {
  return `#include "game.h"\nunsigned g_tint = ${tint}u;\nunsigned colour_of(void) { return g_tint; }\nunsigned base_seen(void) { return g_base; }\nint kind_of(void) { return ${kind}; }\n${extra}`;
}

const rgb = (rgba: string) => Number(rgba) >>> 8;
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe.each(['tcc', 'gcc'])('a three-file game, saves of one file (%s)', { timeout: 120_000 }, (compiler) => {
  it('a save of a file opened in the editor, or saved before, links it alone; globals, crash lines and a name defined twice behave as in one link', async () => {
    const dir = writeProject(game(compiler), `kiln-split-${compiler}-`);
    const { backend, events } = await openTestBackend(dir);
    const last = () => events.at(-1)!;
    const rows = async (x: number) => [await pixelAt(backend, x, 0), await pixelAt(backend, x, 1), await pixelAt(backend, x, 2)];
    expect(last()).toMatchObject({ outcome: 'ok', version: 1, units: { compiled: ['a.c', 'b.c', 'c.c'] } });
    expect(last().units?.split).toBeUndefined();

    // The first save of b.c links every object (nothing of the others is linked yet) and prepares the others.
    await backend.save('b.c', bFile('0x40C020FF', 1));
    await backend.idle();
    expect(last()).toMatchObject({ outcome: 'ok', version: 2, units: { compiled: ['b.c'], reused: 2 } });
    expect(last().units?.split).toBeUndefined();
    await expect.poll(() => rows(1), { timeout: 10_000 }).toEqual([0x40c020, 0x40c020, 0x3050a0]);

    // The second links b.c alone. c.c reads b.c's new g_tint and b.c reads c.c's g_base: one variable each.
    await backend.save('b.c', bFile('0x6080C0FF', 2));
    await backend.idle();
    expect(last()).toMatchObject({ outcome: 'ok', version: 3, units: { compiled: ['b.c'], reused: 2, split: true } });
    await expect.poll(() => rows(2), { timeout: 10_000 }).toEqual([rgb('0x6080C0FF'), rgb('0x6080C0FF'), 0x3050a0]);
    const buildDir = path.join(dir, '.kiln', 'build');
    const image = path.join(buildDir, 'game-b3.so');
    const needed = execFileSync('readelf', ['-d', image], { encoding: 'utf8' });
    expect(needed).toMatch(/NEEDED.*game-b3-others-\d+\.so/);
    await waitProven(backend, 'game', 3);

    // A runner that dies is replaced, and the new one loads the split image, which finds its copy of the others.
    const pid = backend.supervisor.pid!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => backend.supervisor.pid !== pid && backend.supervisor.runnerInfo.state === 'running', { timeout: 30_000 }).toBe(true);
    await expect.poll(() => rows(2), { timeout: 15_000 }).toEqual([rgb('0x6080C0FF'), rgb('0x6080C0FF'), 0x3050a0]);
    expect(last()).toMatchObject({ outcome: 'runner-restarted', version: 3 });

    // New code in b.c makes c.c (not rebuilt) crash: the entry names c.c's line, and v3 keeps running.
    await backend.save('b.c', bFile('0x6080C0FF', 99));
    await expect.poll(() => events.find((e) => e.outcome === 'crash-rolled-back'), { timeout: 30_000, interval: 50 }).toBeTruthy();
    const crash: ReloadEvent = events.find((e) => e.outcome === 'crash-rolled-back')!;
    expect(crash.version).toBe(3);
    expect(crash.crash).toMatchObject({ signal: 'SIGSEGV', file: 'c.c', line: 7, function: 'row_of' });
    const frames = crash.crash!.stack!.filter((f) => f.plugin);
    expect(frames[0]).toMatchObject({ file: 'c.c', line: 7, splitBase: true });
    expect(frames[1]).toMatchObject({ file: 'a.c', line: 5, function: 'draw', splitBase: true }); // a.c is not rebuilt either
    await expect.poll(() => rows(2), { timeout: 10_000 }).toEqual([rgb('0x6080C0FF'), rgb('0x6080C0FF'), 0x3050a0]);

    // b.c now defines row_of, which c.c defines too: one link of every object refuses it, so the split one must.
    await backend.idle();
    await backend.save('b.c', bFile('0x80A0E0FF', 3, 'int row_of(int k) { return k + 1; }\n'));
    await backend.idle();
    expect(last()).toMatchObject({ outcome: 'compile-error' });
    expect(last().message).toMatch(/row_of/);
    expect(await pixelAt(backend, 2, 0)).toBe(rgb('0x6080C0FF')); // v3 still runs

    // A compile error in the one call that builds the image is reported at its line; v3 still runs.
    await backend.save('b.c', bFile('0x80A0E0FF', 3, 'int broken(void) { return nope; }\n'));
    await backend.idle();
    expect(last()).toMatchObject({ outcome: 'compile-error' });
    expect(last().diagnostics.find((d) => d.severity === 'error')).toMatchObject({ file: 'b.c', line: 6 });
    expect(await pixelAt(backend, 2, 0)).toBe(rgb('0x6080C0FF'));

    // Each kept image keeps the copy of the others it names; no copy outlives its image.
    await backend.save('b.c', bFile('0x80A0E0FF', 4));
    await backend.idle();
    expect(last()).toMatchObject({ outcome: 'ok', units: { split: true } });
    await expect.poll(() => rows(4), { timeout: 10_000 }).toEqual([rgb('0x80A0E0FF'), rgb('0x80A0E0FF'), 0x3050a0]);
    const files = readdirSync(buildDir);
    const copies = files.filter((f) => /^game-b\d+-others-\d+\.so$/.test(f));
    for (const copy of copies) expect(existsSync(path.join(buildDir, copy.replace(/-others-\d+\.so$/, '.so')))).toBe(true);
    expect(copies.length).toBeGreaterThan(0);

    // The object cache follows a one-call build (b.c's object is compiled after it, off the save's path): a save
    // of c.c then compiles c.c alone, and the image has both files' latest code.
    const objDir = path.join(buildDir, 'obj');
    const bObject = () => readdirSync(objDir).find((f) => /^b-[0-9a-f]{16}\.o\.json$/.test(f));
    await expect.poll(() => readFileSync(path.join(objDir, bObject()!), 'utf8'), { timeout: 10_000 }).toContain(sha1(bFile('0x80A0E0FF', 4)));
    // Opening c.c in the editor links a.c and b.c's objects in the background: even its first save is split.
    await backend.request('file.read', { path: 'c.c' });
    await expect.poll(() => readdirSync(objDir).some((f) => /^split-c-[0-9a-f]{16}-[0-9a-f]{16}\.so$/.test(f)), { timeout: 10_000 }).toBe(true);
    await backend.save('c.c', game(compiler)['c.c'].replace('0x3050A0FFu', '0x70B030FFu'));
    await backend.idle();
    expect(last()).toMatchObject({ outcome: 'ok', units: { compiled: ['c.c'], reused: 2, split: true } });
    await expect.poll(() => rows(4), { timeout: 10_000 }).toEqual([rgb('0x80A0E0FF'), rgb('0x80A0E0FF'), 0x70b030]);
  });
});
