/**
 * npm run bench [-- --quick] [-- --only 1,3]: measures Kiln's edit → see loop against DESIGN.md's targets,
 * prints a table and writes bench/results.json. What each section measures: docs/BENCHMARK.md.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkBuilt, findKilnRoot, kilnPaths } from '../electron/core/paths';
import type { Figure } from './figures';
import { BenchGame, fixtures, removeBenchData, tempProject } from './game';
import { saveToFrame, restartPerEdit } from './latency';
import { machineInfo } from './machine';
import { nativeCosts } from './native';
import { framePacing } from './pacing';
import { printTable, writeResults, type Results } from './report';
import { soak } from './soak';
import { crashInProcess, runnerKill } from './crash';
import { rmSync } from 'node:fs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const only = onlyArg ? new Set(onlyArg.split(',').map(Number)) : null;
const want = (section: number) => !only || only.has(section);

/** How much of each section runs; --quick keeps every section but few samples (under a minute). */
const plan = quick
  ? { edits: 10, configs: [['pong', 'tcc'], ['pong', 'gcc'], ['big', 'tcc']] as const, pacingReloads: 20, baselineMs: 2000, loads: 200, calls: 20_000_000, reps: 5, soak: 100, crashes: 5, kills: 2, restartEdits: 4, restartConfigs: 1 }
  : { edits: 50, configs: [['pong', 'tcc'], ['pong', 'gcc'], ['big', 'tcc'], ['big', 'gcc']] as const, pacingReloads: 100, baselineMs: 5000, loads: 1000, calls: 100_000_000, reps: 9, soak: 1000, crashes: 20, kills: 16, restartEdits: 15, restartConfigs: 4 };

const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const root = findKilnRoot(__dirname);
  const paths = kilnPaths(root);
  const missing = checkBuilt(paths);
  if (missing.length) {
    log(`bench: Kiln is not built:\n  ${missing.join('\n  ')}`);
    process.exit(2);
  }
  const fx = fixtures(root);
  const started = performance.now();
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { plan };
  const kilnP50 = new Map<string, number>();
  let runnerLoadMs: number[] = [];

  if (want(1)) {
    log('§1 save → first frame');
    const s1: Record<string, unknown> = {};
    for (const [id, cc] of plan.configs) {
      const r = await saveToFrame(paths, fx[id], cc, plan.edits, log);
      figures.push(...r.figures);
      s1[`${id}.${cc}`] = r.details;
      kilnP50.set(`${id}.${cc}`, r.kilnP50);
      if (id === 'pong' && cc === 'tcc') runnerLoadMs = r.runnerLoadMs;
    }
    details.saveToFrame = s1;
  }
  if (want(2)) {
    log('§2 frame pacing');
    const r = await framePacing(paths, fx.pong, plan.pacingReloads, plan.baselineMs, log);
    figures.push(...r.figures);
    details.pacing = r.details;
  }
  if (want(3) || want(4)) {
    log('§3/§4 swap cost and call overhead (C harness)');
    const r = await nativeCosts(paths, [fx.pong, fx.big], plan.loads, plan.calls, plan.reps, log);
    figures.push(...r.figures.filter((f) => want(f.section)));
    if (runnerLoadMs.length && want(3)) {
      const { sampled, withTarget } = await import('./figures');
      figures.push(withTarget(
        sampled('swap.runnerBlocked.pong.tcc', 3, 'runner game loop inside kiln_load_plugin per reload (reload log loadMs, §1 pong tcc)', 'us', runnerLoadMs.map((v) => v * 1000),
          'the runner calls kiln_load_plugin on its game-loop thread, so the loop waits for the whole load'),
        'game thread blocked ≤ 50 µs', [{ on: 'p95', limit: 50 }]));
    }
    details.libkilnSoak = r.libkilnSoak;
  }
  if (want(5)) {
    log(`§5 soak: ${plan.soak} reloads`);
    const r = await soak(paths, fx.pong, plan.soak, log);
    figures.push(...r.figures);
    details.soak = { ...r.details, libkilnOnly: details.libkilnSoak };
  }
  if (want(6)) {
    log('§6 crash recovery');
    const a = await crashInProcess(paths, fx.pong, plan.crashes, log);
    const b = await runnerKill(paths, fx.pong, plan.kills, log);
    figures.push(...a.figures, ...b.figures);
    details.crash = { inProcess: a.details, runnerKill: b.details };
  }
  if (want(7)) {
    log('§7 restart the game per edit');
    for (const [id, cc] of plan.configs.slice(0, plan.restartConfigs)) {
      const dir = tempProject(fx[id], cc);
      try {
        figures.push(...(await restartPerEdit(paths, fx[id], cc, plan.restartEdits, kilnP50.get(`${id}.${cc}`) ?? NaN, dir)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }

  details.startRetries = BenchGame.startRetries;
  const results: Results = {
    schema: 'kiln-bench/1',
    createdAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    machine: machineInfo(root),
    figures,
    targets: figures.filter((f) => f.target).map((f) => ({ target: f.target!.text, figure: f.id, met: f.target!.met, checks: f.target!.checks })),
    details,
  };
  printTable(results, (s) => process.stdout.write(`${s}\n`));
  const file = path.join(root, 'bench', 'results.json');
  writeResults(file, results);
  log(`\nwrote ${path.relative(process.cwd(), file) || file}${existsSync(file) ? '' : ' (failed?)'}`);
}

main().then(
  () => {
    removeBenchData();
    process.exit(0);
  },
  (err) => {
    removeBenchData();
    log(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
