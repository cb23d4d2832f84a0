import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, compilerFlags, describeProfiles, findCompiler, findCompilerFor, waitingLimitersUp, type CompileRequest } from './compiler';
import { definedSymbols } from './elf-symbols';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-cc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compiler discovery', () => {
  it('prefers tcc when nothing is configured', async () => {
    const c = await findCompiler(undefined, { PATH: process.env.PATH });
    expect(c.family).toBe('tcc');
    expect(c.source).toBe('found on PATH');
  });

  it('honours kiln.json, then $KILN_CC', async () => {
    expect((await findCompiler('gcc', { PATH: process.env.PATH, KILN_CC: 'tcc' })).family).toBe('gcc');
    expect((await findCompiler(undefined, { PATH: process.env.PATH, KILN_CC: 'gcc' })).source).toBe('$KILN_CC');
  });

  it('says what to do when the configured compiler is missing', async () => {
    await expect(findCompiler('no-such-cc-kiln')).rejects.toThrow(/no-such-cc-kiln.*install it/);
  });
});

describe.each(['tcc', 'gcc'])('compiling with %s', (cc) => {
  it('builds a shared library', async () => {
    const src = path.join(dir, `ok-${cc}.c`);
    writeFileSync(src, 'int answer(void) { return 42; }\n');
    const out = path.join(dir, `ok-${cc}.so`);
    const r = await compile({ compiler: await findCompiler(cc), sources: [src], output: out, includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir });
    expect(r.ok).toBe(true);
    expect(existsSync(out)).toBe(true);
  });

  it('reports an error at its line', async () => {
    const src = path.join(dir, `bad-${cc}.c`);
    writeFileSync(src, 'int a(void) { return 1; }\nint b = );\nint c;\n');
    const r = await compile({ compiler: await findCompiler(cc), sources: [src], output: path.join(dir, 'bad.so'), includeDirs: [], profile: 'fast', extraFlags: [], cwd: dir });
    expect(r.ok).toBe(false);
    const err = r.diagnostics.find((d) => d.severity === 'error');
    expect(err).toMatchObject({ file: src, line: 2 });
  });
});

describe('a save’s bytes (SavedSource)', () => {
  const src = path.join(dir, 'saved.c');
  const out = path.join(dir, 'saved.so');
  const exported = () => [...(definedSymbols(readFileSync(out), 'dynsym') ?? [])].filter((n) => n.endsWith('_name'));
  async function request(extraFlags: string[] = []): Promise<CompileRequest> {
    return { compiler: await findCompiler('tcc'), sources: [src], output: out, includeDirs: [], profile: 'fast', extraFlags, cwd: dir };
  }
  /** A build leaves kiln-limit processes waiting for the next compile (the bytes go to one of those). */
  async function waitingUp(): Promise<void> {
    writeFileSync(src, 'int old_name(void) { return 1; }\n');
    expect((await compile(await request())).ok).toBe(true);
    await expect.poll(waitingLimitersUp, { timeout: 10_000 }).toBe(true);
  }

  it('a tcc compile takes them in its request: it builds them while the file still holds the old text', async () => {
    await waitingUp();
    const never = new Promise<void>(() => undefined); // the save's write has not ended
    const r = await compile({ ...(await request()), saved: { file: src, content: 'int new_name(void) { return 2; }\n', written: never } });
    expect(r.ok).toBe(true);
    expect(exported()).toEqual(['new_name']);
    expect(readFileSync(src, 'utf8')).toMatch(/old_name/);
  });

  it('a compile kiln-limit leaves to tcc itself (-bench) waits for the write, then reads the file', async () => {
    await waitingUp();
    let wrote = 0;
    const written = new Promise<void>((resolve) =>
      setTimeout(() => {
        writeFileSync(src, 'int new_name(void) { return 2; }\n');
        wrote = performance.now();
        resolve();
      }, 200),
    );
    const r = await compile({ ...(await request(['-bench'])), saved: { file: src, content: 'int new_name(void) { return 2; }\n', written } });
    expect(r.ok).toBe(true);
    expect(wrote).toBeGreaterThan(0);
    expect(exported()).toEqual(['new_name']);
  });
});

describe('the optimised profile', () => {
  it('builds with gcc -O2 when tcc is the default compiler (tcc does not optimise)', async () => {
    expect((await findCompilerFor(['x.c'], undefined, 'fast')).family).toBe('tcc');
    const optimising = await findCompilerFor(['x.c'], undefined, 'optimised');
    expect(optimising.family).toBe('gcc');
    expect(compilerFlags(optimising, 'optimised')).toContain('-O2');
    const src = path.join(dir, 'opt.c');
    writeFileSync(src, 'int square(int x) { return x * x; }\n');
    const r = await compile({ compiler: optimising, sources: [src], output: path.join(dir, 'opt.so'), includeDirs: [], profile: 'optimised', extraFlags: [], cwd: dir });
    expect(r).toMatchObject({ ok: true });
    expect(r.flags).toContain('-O2');
  });

  it('says which compiler and flags each profile uses, for the toggle', async () => {
    const p = await describeProfiles(undefined);
    expect(p.fast).toMatchObject({ profile: 'fast', compiler: 'tcc' });
    expect(p.optimised).toMatchObject({ profile: 'optimised', compiler: 'gcc' });
    expect(p.optimised.flags).toContain('-O2');
    expect(p.optimised.note).toBeUndefined();
  });
});
