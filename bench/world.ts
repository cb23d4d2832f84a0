/**
 * §13 the world (issue 15): a system updating 10,000 entities per frame, and a component migration over 10,000
 * entities, measured by a small C program against libkiln (bench/native/world_bench.c, world_system.c).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KilnPaths } from '../electron/core/paths';
import { sampled, withTarget, type Figure } from './figures';

interface WorldOutput { entities: number; frameUs: number[]; queryUs: number[]; migrateUs: number[] }

export async function worldCosts(paths: KilnPaths, frames: number, migrations: number, log: (s: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-world-'));
  const src = path.join(paths.root, 'bench', 'native');
  const libDir = path.dirname(paths.libkiln);
  const gcc = (args: string[]) => execFileSync('gcc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    gcc(['-O2', '-Wall', '-I', path.join(paths.root, 'native', 'include'), path.join(src, 'world_bench.c'), '-o', path.join(dir, 'world_bench'), '-L', libDir, '-lkiln', `-Wl,-rpath,${libDir}`]);
    for (const v of ['v1', 'v2']) {
      gcc(['-O2', '-shared', '-fPIC', ...(v === 'v2' ? ['-DV2'] : []), '-I', paths.includeDir, path.join(src, 'world_system.c'), '-o', path.join(dir, `${v}.so`)]);
    }
    const out = JSON.parse(execFileSync(path.join(dir, 'world_bench'), [path.join(dir, 'work'), path.join(dir, 'v1.so'), path.join(dir, 'v2.so'), String(frames), String(migrations)], { encoding: 'utf8', maxBuffer: 16 << 20 })) as WorldOutput;
    const n = `${out.entities / 1000}k`;
    const ms = (us: number[]) => us.map((u) => u / 1000);
    const figures: Figure[] = [
      withTarget(sampled(`ecs.iterate.${n}`, 13, `kiln_frame with one system: a query of Pos + Vel updating both, ${out.entities} entities with 3 components (the world's rollback copy and commit included)`, 'ms', ms(out.frameUs)),
        '≤ 1 ms per frame for 10,000 entities (p50; p95 is the loaded machine\'s preemption)', [{ on: 'p50', limit: 1 }]),
      sampled(`ecs.query.${n}`, 13, '  the query loop alone, timed inside the system', 'ms', ms(out.queryUs)),
      withTarget(sampled(`ecs.migrate.${n}`, 13, `migrating Vel (gains a field, the owner's default) for ${out.entities} entities in one pass, at load`, 'ms', ms(out.migrateUs)),
        '≤ 5 ms for 10,000 entities', [{ on: 'p50', limit: 5 }]),
    ];
    log(`  frame p50 ${figures[0].stats!.p50} ms, query p50 ${figures[1].stats!.p50} ms, migrate p50 ${figures[2].stats!.p50} ms`);
    return { figures, details: { entities: out.entities, frames, migrations } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
