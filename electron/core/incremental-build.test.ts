/**
 * Plugins of several C files build per translation unit (issue 16, "Games with many files"): real tcc and
 * gcc, real objects on disk, a real back end and runner for what the user sees.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReloadEvent } from '../shared/contract';
import { KilnBackend } from './backend';
import { compile, findCompiler, runningCompilers, type CompileRequest } from './compiler';
import { nodeRunnerLauncher } from './node-runner-launcher';
import { pixelAt, testPaths, writeProject } from './test-support';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-incr-'));
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-incr-data-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** a.c and b.c include shared.h; c.c includes nothing of the project. a calls b and c. */
const files = {
  'shared.h': '#define SHARED 1\nint from_b(void);\nint from_c(void);\n',
  'a.c': '#include "shared.h"\nint from_a(void) { return from_b() + from_c() + SHARED; }\n',
  'b.c': '#include "shared.h"\nint from_b(void) { return 2 * SHARED; }\n',
  'c.c': 'int from_c(void) { return 3; }\n',
};

function project(name: string): string {
  const root = path.join(dir, name);
  execFileSync('mkdir', ['-p', root]);
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(root, f), text);
  return root;
}

const mtimes = (root: string) => Object.fromEntries(readdirSync(path.join(root, 'obj')).filter((f) => f.endsWith('.o')).map((f) => [f.replace(/-[0-9a-f]{16}\.o$/, ''), statSync(path.join(root, 'obj', f)).mtimeMs]));
const compiled = (r: { units?: Array<{ source: string; compiled: boolean }> }) => (r.units ?? []).filter((u) => u.compiled).map((u) => path.basename(u.source)).sort();

describe.each(['tcc', 'gcc'])('a three-file plugin built per unit with %s', (cc) => {
  const root = project(`three-${cc}`);
  let n = 0;
  const build = async (extra: Partial<CompileRequest> = {}) =>
    compile({ compiler: await findCompiler(cc), sources: ['a.c', 'b.c', 'c.c'].map((f) => path.join(root, f)), output: path.join(root, `out-${++n}.so`), includeDirs: [root], profile: 'fast', extraFlags: [], cwd: root, ...extra });

  it('compiles each unit to its own object and links them into one image', async () => {
    const r = await build();
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.ok).toBe(true);
    expect(compiled(r)).toEqual(['a.c', 'b.c', 'c.c']);
    expect(Object.keys(mtimes(root)).sort()).toEqual(['a', 'b', 'c']);
    // One image exporting every unit's functions.
    const symbols = execFileSync('nm', ['-D', '--defined-only', path.join(root, `out-${n}.so`)], { encoding: 'utf8' });
    for (const s of ['from_a', 'from_b', 'from_c']) expect(symbols).toContain(s);
    expect(r.dependencies).toContain(path.join(root, 'shared.h'));
  });

  it('a save of one file recompiles only that unit; the others are linked from the cache', async () => {
    const before = mtimes(root);
    expect(compiled(await build())).toEqual([]); // nothing changed: nothing compiled
    writeFileSync(path.join(root, 'b.c'), '#include "shared.h"\nint from_b(void) { return 5 * SHARED; }\n');
    const r = await build();
    expect(r.ok).toBe(true);
    expect(compiled(r)).toEqual(['b.c']);
    const after = mtimes(root);
    expect(after.a).toBe(before.a);
    expect(after.c).toBe(before.c);
    expect(after.b).toBeGreaterThan(before.b);
  });

  it('a header change recompiles the units that include it, and only those', async () => {
    writeFileSync(path.join(root, 'shared.h'), '#define SHARED 7\nint from_b(void);\nint from_c(void);\n');
    const r = await build();
    expect(r.ok).toBe(true);
    expect(compiled(r)).toEqual(['a.c', 'b.c']);
  });

  it('the same sources with other flags (the optimised profile) are other objects, not a stale hit', async () => {
    const r = await build({ profile: 'optimised' });
    expect(r.ok).toBe(true);
    expect(compiled(r)).toEqual(cc === 'gcc' ? ['a.c', 'b.c', 'c.c'] : []); // tcc's flags are the same for both
  });

  it('an error in one unit is reported at its own file and line; the other units still compile', async () => {
    writeFileSync(path.join(root, 'c.c'), 'int from_c(void) {\n  return 3\n    + not_declared;\n}\n');
    writeFileSync(path.join(root, 'a.c'), '#include "shared.h"\nint from_a(void) { return from_b() + from_c() + 2 * SHARED; }\n');
    const r = await build();
    expect(r.ok).toBe(false);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ file: path.join(root, 'c.c'), line: 3 });
    expect(r.units?.find((u) => u.source.endsWith('a.c'))).toMatchObject({ compiled: true, ok: true });
    writeFileSync(path.join(root, 'c.c'), 'int from_c(void) { return 6; }\n');
    const fixed = await build();
    expect(fixed.ok).toBe(true);
    expect(compiled(fixed)).toEqual(['c.c']); // a.c's new object was kept from the failed build
  });

  it('never runs more compilers at once than there are cores', async () => {
    writeFileSync(path.join(root, 'shared.h'), '#define SHARED 9\nint from_b(void);\nint from_c(void);\n');
    writeFileSync(path.join(root, 'c.c'), 'int from_c(void) { return 8; }\n');
    const r = await build();
    expect(r.ok).toBe(true);
    expect(compiled(r)).toEqual(['a.c', 'b.c', 'c.c']);
    expect(r.parallelPeak).toBeGreaterThanOrEqual(1);
    expect(r.parallelPeak).toBeLessThanOrEqual(os.availableParallelism());
  });

  it('a cancel stops every unit in flight and leaves no compiler running', async () => {
    const stuck = path.join(dir, `stuck-${cc}`);
    execFileSync('mkdir', ['-p', stuck]);
    execFileSync('mkfifo', [path.join(stuck, 'pipe.h')]);
    writeFileSync(path.join(stuck, 'x.c'), '#include "pipe.h"\nint x;\n');
    writeFileSync(path.join(stuck, 'y.c'), 'int y;\n');
    const cancel = new AbortController();
    const building = compile({ compiler: await findCompiler(cc), sources: [path.join(stuck, 'x.c'), path.join(stuck, 'y.c')], output: path.join(stuck, 'out.so'), includeDirs: [stuck], profile: 'fast', extraFlags: [], cwd: stuck, signal: cancel.signal });
    await expect.poll(() => runningCompilers().length, { timeout: 10_000 }).toBeGreaterThan(0);
    cancel.abort();
    const r = await building;
    expect(r).toMatchObject({ ok: false, stopped: 'cancelled' });
    expect(runningCompilers()).toEqual([]);
    expect(existsSync(path.join(stuck, 'out.so'))).toBe(false);
  });

  it('a unit stuck past the time limit stops the build as a compile error naming the limit', async () => {
    const stuck = path.join(dir, `stuck-time-${cc}`);
    execFileSync('mkdir', ['-p', stuck]);
    execFileSync('mkfifo', [path.join(stuck, 'pipe.h')]);
    writeFileSync(path.join(stuck, 'x.c'), 'int x;\n');
    writeFileSync(path.join(stuck, 'y.c'), '#include "pipe.h"\nint y;\n');
    const r = await compile({ compiler: await findCompiler(cc), sources: [path.join(stuck, 'x.c'), path.join(stuck, 'y.c')], output: path.join(stuck, 'out.so'), includeDirs: [stuck], profile: 'fast', extraFlags: [], cwd: stuck, limits: { timeLimitSeconds: 1, memoryLimitMb: 2048 } });
    expect(r).toMatchObject({ ok: false, stopped: 'time-limit' });
    expect(r.diagnostics[0]).toMatchObject({ file: path.join(stuck, 'y.c'), severity: 'error' }); // on the stuck unit
    expect(r.diagnostics[0].message).toMatch(/time limit of 1 s/);
    expect(runningCompilers()).toEqual([]);
  });
});

describe('two plugins building at once (tcc)', () => {
  it('share the cores: never more compilers at once than cores, across both builds', async () => {
    const roots = [project('share-1'), project('share-2')];
    const cc = await findCompiler('tcc');
    const many = (root: string) => Array.from({ length: 6 }, (_, i) => {
      const f = path.join(root, `m${i}.c`);
      writeFileSync(f, `#include "shared.h"\nint m${i}(void) { return SHARED + ${i}; }\n`);
      return f;
    });
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, runningCompilers().length)), 1);
    try {
      const results = await Promise.all(roots.map((root) => compile({ compiler: cc, sources: many(root), output: path.join(root, 'm.so'), includeDirs: [root], profile: 'fast', extraFlags: [], cwd: root })));
      for (const r of results) expect(r.ok).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBeGreaterThanOrEqual(1);
    expect(most).toBeLessThanOrEqual(os.availableParallelism());
  });
});

/** A three-file game: a.c's draw paints pixel (0,0) in colour_of() from b.c, at the row row_of() from c.c gives. */
function gameFiles(colour: string): Record<string, string> {
  return {
    'kiln.json': JSON.stringify({ name: 'three', width: 16, height: 16, plugins: [{ name: 'game', sources: ['a.c', 'b.c', 'c.c'] }], build: { compiler: 'tcc' } }),
    'game.h': 'unsigned colour_of(void);\nint row_of(void);\n',
    'a.c': '#include "kiln.h"\n#include "game.h"\nstatic void draw(void *s) { (void)s; fill_rect(0, row_of(), 16, 1, colour_of()); }\nKILN_PLUGIN(.name = "game", .state_size = 4, .state_version = 1, .draw = draw)\n',
    'b.c': `#include "game.h"\nunsigned colour_of(void) { return ${colour}u; }\n`,
    'c.c': '#include "game.h"\nint row_of(void) { return 0; }\n',
  };
}

async function openBackend(project: string): Promise<{ backend: KilnBackend; events: ReloadEvent[] }> {
  const backend = await KilnBackend.open({ projectDir: project, paths: testPaths, launcher: nodeRunnerLauncher(testPaths.runnerScript), trustProject: true, dataDir });
  const events: ReloadEvent[] = [];
  backend.on('reload', (e) => events.push(e));
  await backend.start();
  await backend.idle();
  return { backend, events };
}

describe('a three-file game in the back end (tcc)', () => {
  it('an error in one file is reported at its file and line while the old image keeps running; the cache outlives a back-end restart', async () => {
    const project = writeProject(gameFiles('0x20C040FF'), 'kiln-incr-game-');
    const objDir = path.join(project, '.kiln', 'build', 'obj');
    let opened = await openBackend(project);
    try {
      expect(opened.events.at(-1)).toMatchObject({ plugin: 'game', outcome: 'ok', version: 1, units: { compiled: ['a.c', 'b.c', 'c.c'], reused: 0 } });
      await expect.poll(() => pixelAt(opened.backend, 0, 0), { timeout: 10_000 }).toBe(0x20c040);

      await opened.backend.save('b.c', '#include "game.h"\nunsigned colour_of(void) {\n  return 0x40C020FFu\n}\n');
      await opened.backend.idle();
      const failed = opened.events.at(-1)!;
      expect(failed).toMatchObject({ plugin: 'game', outcome: 'compile-error', version: 1 });
      expect(failed.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ file: 'b.c', line: 4 });
      expect(failed.message).toMatch(/b\.c:4/);
      expect(await pixelAt(opened.backend, 0, 0)).toBe(0x20c040); // v1 still runs

      await opened.backend.save('b.c', '#include "game.h"\nunsigned colour_of(void) { return 0x4060A0FFu; }\n');
      await opened.backend.idle();
      // The log's build record: only the saved file was compiled, the other two objects were reused.
      expect(opened.events.at(-1)).toMatchObject({ outcome: 'ok', version: 2, units: { compiled: ['b.c'], reused: 2 } });
      await expect.poll(() => pixelAt(opened.backend, 0, 0), { timeout: 10_000 }).toBe(0x4060a0);
    } finally {
      await opened.backend.stop();
    }

    const objects = () => Object.fromEntries(readdirSync(objDir).filter((f) => f.endsWith('.o')).map((f) => [f, statSync(path.join(objDir, f)).mtimeMs]));
    const before = objects();
    expect(Object.keys(before)).toHaveLength(3);
    // A new back end on the same folder: its first build links the cached objects, compiling none.
    opened = await openBackend(project);
    try {
      expect(opened.events.at(-1)).toMatchObject({ plugin: 'game', outcome: 'ok', units: { compiled: [], reused: 3 } });
      await expect.poll(() => pixelAt(opened.backend, 0, 0), { timeout: 10_000 }).toBe(0x4060a0);
      expect(objects()).toEqual(before);
    } finally {
      await opened.backend.stop();
      rmSync(project, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the optimised profile in the back end (tcc by default)', () => {
  it('rebuilds with gcc -O2 and says so in the session the toggle reads', async () => {
    const files = gameFiles('0x20C040FF');
    const project = writeProject({ ...files, 'kiln.json': JSON.stringify({ name: 'opt', width: 16, height: 16, plugins: [{ name: 'game', sources: ['a.c', 'b.c', 'c.c'] }] }) }, 'kiln-incr-opt-');
    const { backend, events } = await openBackend(project);
    try {
      expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 1 });
      expect(events.at(-1)!.compiler).toMatch(/^tcc/);
      await expect.poll(() => backend.session().profileBuilds?.optimised.compiler, { timeout: 10_000 }).toBe('gcc');
      expect(backend.session().profileBuilds?.fast.compiler).toBe('tcc');
      await backend.request('build.profile', { profile: 'optimised' });
      await backend.idle();
      const rebuilt = events.at(-1)!;
      expect(rebuilt).toMatchObject({ outcome: 'ok', version: 2 });
      expect(rebuilt.compiler).toMatch(/^gcc/);
      expect(rebuilt.flags).toContain('-O2');
      await expect.poll(() => pixelAt(backend, 0, 0), { timeout: 10_000 }).toBe(0x20c040);
    } finally {
      await backend.stop();
      rmSync(project, { recursive: true, force: true });
    }
  }, 120_000);
});
