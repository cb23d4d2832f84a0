/**
 * §11 Games with many files (issue 16): save of one file → first new frame as the game grows, on games that
 * scripts/gen-big-fixture.ts writes (1, 10 and 50 files of ~1,000 lines: ~1k, 10k and 50k lines of C), tcc.
 * KilnBackend.save of unit_00.c with a new HUD_COLOR → the first frame showing it at a reader of the frame
 * relay's stream in a process of its own (as §2: the way the editor's page gets frames, not the back end's
 * 'frame' events). Beside each edit, the bare commands a per-unit build runs for it (tcc -c of the
 * edited file, then the link of every object), and a few runs of the one-call build of the whole plugin
 * (what every save cost before per-unit builds). When Kiln built the save as a split build (the reload log's
 * `units.split`), also its bare commands: a copy of the other files' library and the one tcc call compiling
 * the edited file against it; Kiln's overhead is then taken over those.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compilerFlags, findCompiler } from '../electron/core/compiler';
import type { KilnPaths } from '../electron/core/paths';
import { genBigFixture } from '../scripts/gen-big-fixture';
import { sampled, withTarget, type Figure } from './figures';
import { BenchGame, timeSpawn, type Fixture } from './game';
import { formatSteps, stepsP50, stepsToConsumer, type ReloadSteps } from './hops';
import { summarise } from './stats';

const SIZES = [
  { id: 'lines1k', files: 1 },
  { id: 'lines10k', files: 10 },
  { id: 'lines50k', files: 50 },
] as const;

export async function incrementalBuilds(paths: KilnPaths, edits: number, log: (s: string) => void): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const tcc = await findCompiler('tcc');
  const flags = compilerFlags(tcc, 'fast');
  const objectFlags = ['-c', ...flags.filter((f) => f !== '-shared')];
  for (const size of SIZES) {
    const source = mkdtempSync(path.join(os.tmpdir(), `kiln-bench-${size.id}-`));
    const scratch = mkdtempSync(path.join(os.tmpdir(), `kiln-bench-${size.id}-bare-`));
    const gen = genBigFixture(source, size.files, 1000);
    // BenchGame names temp folders by the id only; the generated game stands in for "big".
    const fixture: Fixture = {
      id: 'big', dir: source, source: gen.source, plugin: gen.plugin, colourDefine: 'HUD_COLOR', red: 0x3c,
      probes: (w, h) => [[0, 0], [w - 1, h - 1]], width: 320, height: 180,
    };
    const kiln: number[] = [];
    const bareUnit: number[] = [];
    const bareLink: number[] = [];
    const bareSplit: number[] = [];
    let splitEdits = 0;
    const overhead: number[] = [];
    const compileMs: number[] = [];
    const steps: Array<ReloadSteps & { frameToConsumer: number }> = [];
    const whole: number[] = [];
    let failures = 0;
    let game: BenchGame | null = null;
    try {
      // Frames reach the consumer the way they reach the editor's page (the relay, read in a process of its
      // own), not through the back end's event loop, which builds them: as in the product.
      game = await BenchGame.open(fixture, 'tcc', paths, [], { viaRelay: true });
      const g = game;
      const inc = ['-I', paths.includeDir, '-I', g.dir];
      const objDir = path.join(g.workDir, 'build', 'obj');
      for (let i = 0; i < 3; i++) await g.edit(); // warm-up: page cache, the cached objects of every unit
      for (let i = 0; i < edits; i++) {
        const r = await g.edit();
        if (!r) {
          failures++;
          continue;
        }
        // The bare commands of this save: the edited unit to an object, then the link of all objects.
        const obj = path.join(scratch, 'unit_00.o');
        const unit = await timeSpawn(tcc.command[0], [...objectFlags, '-MD', '-MF', `${obj}.d`, ...inc, '-o', obj, path.join(g.dir, gen.source)], g.dir);
        const objects = gen.files.map((f) => {
          if (f === gen.source) return obj;
          const hit = readdirSync(objDir).find((o) => o.startsWith(`${path.basename(f, '.c')}-`) && o.endsWith('.o'));
          return path.join(objDir, hit!);
        });
        const link = gen.files.length > 1 ? await timeSpawn(tcc.command[0], [...flags, '-o', path.join(scratch, 'bare.so'), ...objects], g.dir) : 0;
        kiln.push(r.ms);
        bareUnit.push(unit);
        bareLink.push(link);
        // A split build: the copy of the others' library and the one call, timed like Kiln's.
        const others = r.reload?.units?.split ? readdirSync(objDir).find((o) => o.startsWith('split-unit_00-') && o.endsWith('.so')) : undefined;
        if (others) {
          splitEdits++;
          const t0 = performance.now();
          copyFileSync(path.join(objDir, others), path.join(scratch, 'others.so'));
          const copy = performance.now() - t0;
          const one = await timeSpawn(tcc.command[0], [...flags, '-MD', '-MF', `${obj}.d`, ...inc, '-o', path.join(scratch, 'split.so'), path.join(g.dir, gen.source), path.join(scratch, 'others.so'), `-Wl,-rpath,${scratch}`], g.dir);
          bareSplit.push(copy + one);
          overhead.push(r.ms - copy - one);
        } else {
          overhead.push(r.ms - unit - link);
        }
        if (r.reload?.timings.compileMs !== undefined) compileMs.push(r.reload.timings.compileMs);
        const s = stepsToConsumer(r.reload?.timings.hops, r.ms);
        if (s) steps.push(s);
      }
      // Before per-unit builds: every save was one call compiling every file.
      const all = gen.files.map((f) => path.join(g.dir, f));
      for (let i = 0; i < Math.min(5, Math.max(2, Math.ceil(edits / 5))); i++) {
        whole.push(await timeSpawn(tcc.command[0], [...flags, '-MD', '-MF', path.join(scratch, 'whole.d'), ...inc, '-o', path.join(scratch, 'whole.so'), ...all], g.dir));
      }
    } finally {
      await game?.dispose();
      rmSync(source, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
    const label = `${size.files} file${size.files > 1 ? 's' : ''}, ${gen.lines.toLocaleString('en')} lines, tcc`;
    let latency = sampled(`incremental.${size.id}.tcc`, 11, `save of one file → first new frame: ${label}`, 'ms', kiln);
    figures.push(
      latency,
      sampled(`incremental.${size.id}.bareUnit.tcc`, 11, `  bare tcc -c of the edited file, ${label}`, 'ms', bareUnit),
      ...(size.files > 1 ? [sampled(`incremental.${size.id}.bareLink.tcc`, 11, `  bare link of all ${size.files} objects, ${label}`, 'ms', bareLink)] : []),
      ...(bareSplit.length ? [sampled(`incremental.${size.id}.bareSplit.tcc`, 11, `  bare split build (copy + one tcc call), ${label}`, 'ms', bareSplit)] : []),
      sampled(`incremental.${size.id}.overhead.tcc`, 11, `  Kiln − bare commands of the build it made (paired), ${label}`, 'ms', overhead),
      sampled(`incremental.${size.id}.whole.tcc`, 11, `  before: one tcc call building every file, ${label}`, 'ms', whole),
    );
    if (size.files === 50) {
      latency = withTarget(sampled('incremental.big50.tcc', 11, `save of one of 50 files → first new frame (${gen.lines.toLocaleString('en')} lines), tcc`, 'ms', kiln), 'save of one file of a 50-file, ~50k-line game → first new frame, tcc: p50 ≤ 40 ms', [{ on: 'p50', limit: 40 }]);
      figures.push(latency);
    }
    details[size.id] = { files: size.files, lines: gen.lines, edits: kiln.length, splitEdits, failures, compileMsP50: summarise(compileMs).p50, steps: stepsP50(steps) };
    log(`  ${label}: p50 ${summarise(kiln).p50} ms (bare unit ${summarise(bareUnit).p50} ms + link ${summarise(bareLink).p50} ms; ${splitEdits} of ${kiln.length} saves split, bare split ${summarise(bareSplit).p50} ms; one call for all files ${summarise(whole).p50} ms)`);
    log(`    steps p50 (ms): ${formatSteps(stepsP50(steps))}`);
  }
  return { figures, details };
}
