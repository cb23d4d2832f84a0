/**
 * §3 swap cost and §4 call overhead, measured by two small C programs compiled here at bench time
 * (bench/native/*.c) so that nothing but libkiln and the plugin image is on the clock.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compilerFlags, findCompiler } from '../electron/core/compiler';
import type { KilnPaths } from '../electron/core/paths';
import { sampled, single, withTarget, type Figure } from './figures';
import type { CompilerName, Fixture } from './game';

interface SwapOutput {
  images: Array<{ path: string; us: Array<[number, number, number, number, number]> }>;
  soakBefore: Snapshot;
  soakAfter: Snapshot;
  soakLoads: number;
  noopFrameNs: number;
}
export interface Snapshot {
  rssKb: number;
  fds: number;
  mappedImages: number;
  tempFiles: number;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function nativeCosts(paths: KilnPaths, fx: Fixture[], loads: number, calls: number, reps: number, log: (s: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-native-'));
  const src = path.join(paths.root, 'bench', 'native');
  const libDir = path.dirname(paths.libkiln);
  try {
    run('gcc', ['-O2', '-Wall', '-I', path.join(paths.root, 'native', 'include'), path.join(src, 'swap_bench.c'), '-o', path.join(dir, 'swap_bench'), '-L', libDir, '-lkiln', `-Wl,-rpath,${libDir}`]);
    run('gcc', ['-O2', '-Wall', path.join(src, 'call_bench.c'), '-o', path.join(dir, 'call_bench'), '-ldl']);
    run('gcc', ['-O2', '-shared', '-fPIC', path.join(src, 'callee.c'), '-o', path.join(dir, 'callee.so')]);
    run('gcc', ['-O2', '-shared', '-fPIC', '-I', paths.includeDir, path.join(src, 'noop_plugin.c'), '-o', path.join(dir, 'noop.so')]);

    // The images Kiln itself would build: same compiler, same flags.
    const images: Array<{ key: string; file: string }> = [];
    for (const f of fx) {
      for (const cc of ['tcc', 'gcc'] as CompilerName[]) {
        const compiler = await findCompiler(cc);
        const file = path.join(dir, `${f.id}-${cc}.so`);
        const [exe, ...pre] = compiler.command;
        run(exe, [...pre, ...compilerFlags(compiler, 'fast'), '-I', paths.includeDir, '-o', file, path.join(f.dir, f.source)]);
        images.push({ key: `${f.id}.${cc}`, file });
      }
    }
    const out = JSON.parse(run(path.join(dir, 'swap_bench'), [path.join(dir, 'work'), String(loads), path.join(dir, 'noop.so'), ...images.map((i) => i.file)])) as SwapOutput;
    const figures: Figure[] = [];
    out.images.forEach((img, k) => {
      const key = images[k].key;
      const col = (c: number) => img.us.map((row) => row[c]);
      figures.push(
        withTarget(sampled(`swap.total.${key}`, 3, `kiln_load_plugin copy+dlopen+dlsym+entry+swap: ${key}`, 'us', col(3)),
          'copy + dlopen + swap: p99 ≤ 1 ms', [{ on: 'p99', limit: 1000 }]),
        sampled(`swap.copy.${key}`, 3, `  copy to temp path: ${key}`, 'us', col(0)),
        sampled(`swap.open.${key}`, 3, `  dlopen + dlsym + entry: ${key}`, 'us', col(1)),
        withTarget(sampled(`swap.blocked.${key}`, 3, `  state + swap under the frame lock (kiln_last_load_time phase 2: the longest a frame can wait): ${key}`, 'us', col(2)),
          'game thread blocked ≤ 50 µs (libkiln: the locked state + swap)', [{ on: 'p95', limit: 50 }]),
        sampled(`swap.call.${key}`, 3, `  whole kiln_load_plugin call as its caller waits (+ closing the retired image): ${key}`, 'us', col(4)),
      );
    });
    figures.push(single('frame.noop', 4, 'kiln_frame with one no-op plugin (2 guarded calls + frame bookkeeping)', 'ns', out.noopFrameNs, 200000));

    const calls_ = JSON.parse(run(path.join(dir, 'call_bench'), [path.join(dir, 'callee.so'), String(calls), String(reps)])) as { directNs: number[]; swappedNs: number[] };
    figures.push(
      sampled('call.direct', 4, `direct call, gcc -O2 (ns per call, ${reps} runs × ${calls.toExponential(0)} calls)`, 'ns', calls_.directNs),
      withTarget(sampled('call.swapped', 4, `call through the swapped pointer (atomic load of the table + indirect call into a dlopened image)`, 'ns', calls_.swappedNs),
        'call through a swapped pointer ≤ 3 ns', [{ on: 'p95', limit: 3 }]),
    );
    log(`  ${loads} loads per image; call direct ${figures.at(-2)!.stats!.p50} ns, swapped ${figures.at(-1)!.stats!.p50} ns`);
    return { figures, libkilnSoak: { before: out.soakBefore, after: out.soakAfter, loads: out.soakLoads } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
