/**
 * kiln-limit compiles a request for Debian's tcc in its own process through libtcc (native/tools/kiln_limit.c):
 * what it leaves behind must be what `tcc` leaves. Each case runs the same command line twice in the same folder,
 * once as tcc and once through kiln-limit, and compares the image (byte for byte), the messages, the exit code and
 * the dependency file. Real tcc, real libtcc, real files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitRequest } from './compiler';
import { findKilnRoot } from './paths';

const root = findKilnRoot(__dirname);
const limiter = path.join(root, 'native', 'build', 'kiln-limit');
const include = path.join(root, 'plugins', 'include');
const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-tcc-inproc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** libtcc-dev is here (scripts/setup.sh installs it): then kiln-limit must have been built with it. */
const libtccHere = existsSync('/usr/include/libtcc.h');

writeFileSync(path.join(dir, 'shared.h'), '#define SHADE 0x3c4050ffu\nint helper(int x);\n');
writeFileSync(
  path.join(dir, 'game.c'),
  '#include "kiln.h"\n#include "shared.h"\n#include <math.h>\nstatic int frames;\nint tick(void) { frames += helper(2); return (int)sqrtf((float)frames) + (int)(SHADE & 0xff); }\n',
);
writeFileSync(path.join(dir, 'helper.c'), 'int helper(int x) { return x * 3; }\n');
writeFileSync(path.join(dir, 'broken.c'), '#include "shared.h"\nint f(void) { int unused; return undeclared_name + 1; }\n');
writeFileSync(path.join(dir, 'warns.c'), '#include "shared.h"\nint g(void) { return helper(1); }\nint h(void) { char *p = 1; return 0; }\n');

interface Ran {
  code: number | null;
  stderr: string;
  stdout: string;
  image: Buffer | null;
  deps: string | null;
  /** A waiting kiln-limit's --done-fd record ('K' and the exit code) when it compiled the request itself. */
  done: number[] | null;
  /** The waiting kiln-limit refused the request's source bytes (record 'S'). */
  refused: boolean;
  /** What went to stderr itself (`stderr` adds the record's messages to it, as the back end does). */
  printed: string;
}

/** The --done-fd record: 'K', the code, the messages' length (u32 LE), the messages. */
function readRecord(bytes: Buffer | null): { head: number[]; messages: string } | null {
  if (!bytes?.length) return null;
  if (bytes[0] === 0x53) {
    expect(bytes.length).toBe(1); // 'S': a source's bytes refused, and nothing else
    return { head: [0x53], messages: '' };
  }
  const length = bytes.length >= 6 ? bytes.readUInt32LE(2) : -1;
  expect(bytes.length).toBe(6 + length); // one whole record, nothing after it
  return { head: [bytes[0], bytes[1]], messages: bytes.subarray(6).toString('utf8') };
}

/** One command line of tcc: `how` runs it as tcc, through `kiln-limit BYTES tcc …`, or a waiting kiln-limit's request. */
function run(how: 'tcc' | 'limit' | 'wait', tag: string, args: (out: string, dep: string) => string[], saved?: { file: string; content: string }, command = 'tcc'): Ran {
  const out = path.join(dir, `${tag}-${how}.out`);
  const dep = path.join(dir, `${tag}-${how}.d`);
  rmSync(out, { force: true });
  rmSync(dep, { force: true });
  const argv = args(out, dep);
  const r =
    how === 'tcc'
      ? spawnSync('tcc', argv, { cwd: dir, encoding: 'utf8' })
      : how === 'limit'
        ? spawnSync(limiter, [String(1 << 30), 'tcc', ...argv], { cwd: dir, encoding: 'utf8' })
        : spawnSync(limiter, ['--wait', '--warm-tcc', '--done-fd=3'], {
            cwd: os.tmpdir(),
            encoding: 'utf8',
            stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
            input: waitRequest([dir, String(1 << 30), command, ...argv], saved),
          });
  // A message names the output file: the same text whichever way it ran.
  const same = (s: string) => s.replaceAll(`-${how}.out`, '-X.out');
  const record = how === 'wait' ? readRecord(r.output[3] ? Buffer.from(r.output[3] as unknown as string, 'latin1') : null) : null;
  return {
    code: r.status,
    stderr: same(r.stderr + (record?.messages ?? '')),
    printed: same(r.stderr),
    stdout: same(r.stdout),
    image: existsSync(out) ? readFileSync(out) : null,
    deps: existsSync(dep) ? same(readFileSync(dep, 'utf8')) : null,
    done: record?.head ?? null,
    refused: record?.head[0] === 0x53,
  };
}

describe.skipIf(!libtccHere)('tcc compiled inside kiln-limit (libtcc)', () => {
  it('is built into kiln-limit where libtcc-dev is installed', () => {
    expect(readFileSync(limiter).includes('tcc_parse_args')).toBe(true);
  });

  it('builds the same image, byte for byte, as tcc, and its dependency file names the project headers it read', () => {
    const args = (out: string, dep: string) => ['-shared', '-fPIC', '-g', '-Wall', '-MD', '-MF', dep, '-I', include, '-o', out, 'game.c', 'helper.c'];
    const tcc = run('tcc', 'image', args);
    expect(tcc.code).toBe(0);
    for (const how of ['limit', 'wait'] as const) {
      const mine = run(how, 'image', args);
      expect(mine.code).toBe(0);
      if (how === 'wait') expect(mine.done).toEqual([0x4b, 0]); // said before its exit, after its output and -MD file
      expect(mine.stderr).toBe(tcc.stderr);
      expect(mine.image?.equals(tcc.image!)).toBe(true);
      const listed = mine.deps!.slice(mine.deps!.indexOf(':') + 1).split(/\s+\\?\s*/).filter((s) => s && s !== '\\');
      // tcc lists the sources and the headers outside its system folders; this lists every header read (as gcc does).
      const tccListed = tcc.deps!.slice(tcc.deps!.indexOf(':') + 1).split(/\s+\\?\s*/).filter((s) => s && s !== '\\');
      for (const f of tccListed) expect(listed).toContain(f);
      expect(listed).toContain('game.c');
      expect(listed).toContain('shared.h');
      expect(listed).toContain(path.join(include, 'kiln.h'));
      expect(listed.some((f) => f.endsWith('.so') || f.endsWith('.a'))).toBe(false); // libraries are not sources
    }
  });

  it('an object (-c), and an image linked against a library with an rpath, are the same as tcc’s', () => {
    const obj = (out: string) => ['-c', '-fPIC', '-g', '-o', out, 'helper.c'];
    const t = run('tcc', 'obj', obj);
    const m = run('wait', 'obj', obj);
    expect(m.code).toBe(0);
    expect(m.image?.equals(t.image!)).toBe(true);
    const lib = path.join(dir, 'libhelper.so');
    spawnSync('tcc', ['-shared', '-fPIC', '-o', lib, 'helper.c'], { cwd: dir });
    const split = (out: string) => ['-shared', '-fPIC', '-g', '-I', include, '-o', out, 'game.c', lib, `-Wl,-rpath,${dir}`];
    const ts = run('tcc', 'split', split);
    const ms = run('wait', 'split', split);
    expect(ms.code).toBe(0);
    expect(ms.image?.equals(ts.image!)).toBe(true);
  });

  it('a compile error and a warning read as tcc’s, with tcc’s exit code, and a failed build leaves no image', () => {
    const broken = (out: string, dep: string) => ['-shared', '-fPIC', '-Wall', '-MD', '-MF', dep, '-o', out, 'broken.c'];
    const t = run('tcc', 'broken', broken);
    const m = run('wait', 'broken', broken);
    expect(t.code).toBe(1);
    expect(m.code).toBe(1);
    expect(m.done).toEqual([0x4b, 1]);
    expect(m.stderr).toBe(t.stderr);
    expect(m.printed).toBe(''); // every message came in the record, so the back end needs nothing after it
    expect(m.stderr).toMatch(/broken\.c:2: error: 'undeclared_name' undeclared/);
    expect(m.image).toBeNull();
    const warns = (out: string) => ['-shared', '-fPIC', '-Wall', '-o', out, 'warns.c'];
    const tw = run('tcc', 'warns', warns);
    for (const how of ['limit', 'wait'] as const) {
      const mw = run(how, 'warns', warns);
      expect(mw.code).toBe(0);
      expect(mw.stderr).toBe(tw.stderr);
      expect(mw.stderr).toMatch(/warns\.c:3: warning:/);
    }
  });

  it('a missing library and a bad option are refused as tcc refuses them', () => {
    const lib = (out: string) => ['-shared', '-fPIC', '-o', out, 'helper.c', '-lkiln_no_such_library'];
    const t = run('tcc', 'lib', lib);
    const m = run('wait', 'lib', lib);
    expect(m.code).toBe(t.code);
    expect(m.stderr).toBe(t.stderr);
    expect(m.stderr).toMatch(/library 'kiln_no_such_library' not found/);
    const bad = (out: string) => ['-shared', '--no-such-option', '-o', out, 'helper.c'];
    const tb = run('tcc', 'bad', bad);
    for (const how of ['limit', 'wait'] as const) {
      const mb = run(how, 'bad', bad);
      expect(mb.code).toBe(tb.code);
      expect(mb.stderr).toBe(tb.stderr);
    }
  });

  it('a request carrying a source’s bytes compiles those bytes as that file, not what is on disk', () => {
    // What tcc builds from a file holding the bytes…
    const bytes = '#include "shared.h"\nint g(void) { char *p = 1; return helper((int)(SHADE & 7)); }\n';
    writeFileSync(path.join(dir, 'saved.c'), bytes);
    const args = (out: string, dep: string) => ['-shared', '-fPIC', '-g', '-Wall', '-MD', '-MF', dep, '-o', out, 'saved.c'];
    const t = run('tcc', 'saved', args);
    expect(t.code).toBe(0);
    // …is what a request with the bytes builds while the file still holds the old text.
    writeFileSync(path.join(dir, 'saved.c'), 'int old_text(void) { return 1; }\n');
    const m = run('wait', 'saved', args, { file: 'saved.c', content: bytes });
    expect(m.code).toBe(0);
    expect(m.done).toEqual([0x4b, 0]);
    expect(m.image?.equals(t.image!)).toBe(true);
    expect(m.stderr).toBe(t.stderr);
    expect(m.stderr).toMatch(/saved\.c:2: warning:/); // named as the file, at the line of the bytes
    expect(m.deps).toBe(t.deps);
    expect(readFileSync(path.join(dir, 'saved.c'), 'utf8')).toMatch(/old_text/); // the disk is the back end's to write
  });

  it('a request with a source’s bytes that it would leave to a compiler of its own is refused, and nothing runs', () => {
    const bytes = { file: 'helper.c', content: 'int helper(int x) { return x; }\n' };
    for (const [tag, command, args] of [
      ['refused-E', 'tcc', (out: string) => ['-E', '-o', out, 'helper.c']], // tcc's own run, which reads the disk
      ['refused-gcc', 'gcc', (out: string) => ['-shared', '-fPIC', '-o', out, 'helper.c']],
    ] as const) {
      const m = run('wait', tag, args, bytes, command);
      expect(m.refused).toBe(true);
      expect(m.code).toBe(0);
      expect(m.image).toBeNull();
      expect(m.printed).toBe('');
    }
  });

  it('what it does not do itself (-E) is tcc’s own run', () => {
    const pre = (out: string) => ['-E', '-o', out, 'broken.c'];
    const t = run('tcc', 'pre', pre);
    const m = run('wait', 'pre', pre);
    expect(m.code).toBe(0);
    expect(m.image?.toString()).toBe(t.image?.toString());
    expect(m.done ?? []).toEqual([]); // fd 3 closed at the exec: tcc never sees it, the exit tells
  });
});
