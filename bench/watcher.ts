/**
 * §10 The seed's design as a baseline, in the same run: a watcher that sleeps 50 ms after the change, then copies,
 * dlopens, dlsyms and swaps (bench/native/watch_bench.c, written from the Brick document's recipe), beside
 * libkiln's hr_* engine on the same images (two tcc builds of one function): change detected → new code running,
 * and the cost of one reload called directly.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compilerFlags, findCompiler } from '../electron/core/compiler';
import type { KilnPaths } from '../electron/core/paths';
import { sampled, type Figure } from './figures';

interface WatchOutput {
  seedLatencyUs: number[];
  seedSwapUs: number[];
  hrLatencyUs: number[];
  hrSwapUs: number[];
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

export async function watcherBaseline(paths: KilnPaths, edits: number, log: (s: string) => void): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-watch-'));
  const src = path.join(paths.root, 'bench', 'native');
  const libDir = path.dirname(paths.libkiln);
  try {
    run('gcc', ['-O2', '-Wall', '-pthread', '-I', path.join(paths.root, 'native', 'include'), path.join(src, 'watch_bench.c'), '-o', path.join(dir, 'watch_bench'), '-L', libDir, '-lkiln', '-ldl', `-Wl,-rpath,${libDir}`]);
    const cc = await findCompiler('tcc');
    const [exe, ...pre] = cc.command;
    const images = [1, 2].map((v) => {
      const file = path.join(dir, `version${v}.so`);
      run(exe, [...pre, ...compilerFlags(cc, 'fast'), `-DVERSION=${v}`, '-o', file, path.join(src, 'version.c')]);
      return file;
    });
    const out = JSON.parse(run(path.join(dir, 'watch_bench'), [path.join(dir, 'work'), String(edits), ...images])) as WatchOutput;
    const ms = (us: number[]) => us.filter((v) => v >= 0).map((v) => v / 1000);
    const missed = (us: number[]) => us.filter((v) => v < 0).length;
    const figures = [
      sampled('seed.detectToCode', 10, 'seed design (inotify, 50 ms sleep, copy+dlopen+dlsym+swap): file replaced → new code runs', 'ms', ms(out.seedLatencyUs),
        missed(out.seedLatencyUs) ? `${missed(out.seedLatencyUs)} edits never showed` : undefined),
      sampled('hr.detectToCode', 10, '  libkiln hr_* engine (inotify, image check, no sleep): file replaced → new code runs', 'ms', ms(out.hrLatencyUs),
        missed(out.hrLatencyUs) ? `${missed(out.hrLatencyUs)} edits never showed` : undefined),
      sampled('seed.swap', 10, '  seed design: one reload called directly (copy + dlopen + dlsym + swap)', 'us', out.seedSwapUs),
      sampled('hr.swap', 10, '  libkiln hr_reload called directly (copy + image check + dlopen + dlsym + swap)', 'us', out.hrSwapUs),
    ];
    log(`  file replaced → new code p50: seed ${figures[0].stats?.p50} ms, hr_* ${figures[1].stats?.p50} ms; reload: seed ${figures[2].stats?.p50} µs, hr_reload ${figures[3].stats?.p50} µs`);
    return { figures, details: { edits } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
