/**
 * npm run bench [-- --quick] [-- --only 1,3]: measures Kiln's edit → see loop against DESIGN.md's targets,
 * prints a table and writes bench/results.json. What each section measures: docs/BENCHMARK.md.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkBuilt, findKilnRoot, kilnPaths } from '../electron/core/paths';
import type { Figure } from './figures';
import { BenchGame, fixtures, removeBenchData, tempProject } from './game';
import { saveToFrame, restartPerEdit } from './latency';
import { machineInfo, missingForBench } from './machine';
import { nativeCosts } from './native';
import { historyCosts } from './history';
import { framePacing } from './pacing';
import { printTable, writeResults, type Results } from './report';
import { soak } from './soak';
import { crashInProcess, runnerKill } from './crash';
import { scriptedSession } from './session';
import { incrementalBuilds } from './incremental';
import { browserInputToPaint, browserSaveToPaint, CHROMIUM } from './browser';
import { watcherBaseline } from './watcher';
import { soundLatency } from './sound';
import { assetReloadLatency } from './assets';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { worldCosts } from './world';
import { BACK_END_NODE_FLAGS, childExecArgv, startedAsBackEnd, withBackEndMalloc } from '../electron/core/back-end-launch';

// The sections host back ends in this process (§8 measures its memory): run with the malloc settings and V8 flags
// the web shell's back end starts with (electron/core/back-end-launch.ts), as a process of its own when they are not
// set here.
if (!startedAsBackEnd()) {
  const again = spawnSync(process.execPath, [...BACK_END_NODE_FLAGS, ...childExecArgv(), ...process.argv.slice(1)], { stdio: 'inherit', env: withBackEndMalloc(process.env) });
  process.exit(again.status ?? 1);
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const only = onlyArg ? new Set(onlyArg.split(',').map(Number)) : null;
const want = (section: number) => !only || only.has(section);
/** `--cc tcc` (or tcc,gcc): only these compilers in the sections that loop over compilers (§1, §9). */
const ccArg = args.find((a) => a.startsWith('--cc='))?.slice(5) ?? (args.includes('--cc') ? args[args.indexOf('--cc') + 1] : undefined);
const wantCc = (cc: string) => !ccArg || ccArg.split(',').includes(cc);

/**
 * How much of each section runs; --quick keeps every section but few samples (under a minute).
 * `edits` per §1 case; zig cc cases take `zigEdits` (zig cc is 10× tcc, so 50 edits of big would cost a minute).
 * §8 paces `session` saves over `sessionSeconds`: issue 7 asks for 1,000 saves over 5 minutes; the full run
 * does them in 100 s (one every 100 ms on average, still mostly slower than a tcc build) to stay under 5 minutes.
 */
const plan = quick
  ? { edits: 10, zigEdits: 5, configs: [['pong', 'tcc'], ['pong', 'gcc'], ['pong', 'zig'], ['big', 'tcc']] as const, pacingReloads: 20, baselineMs: 2000, loads: 200, calls: 20_000_000, reps: 5, soak: 100, crashes: 5, kills: 2, restartEdits: 4, restartConfigs: 1, session: 100, sessionSeconds: 8, browserEdits: 10, watchEdits: 20 }
  : { edits: 50, zigEdits: 20, configs: [['pong', 'tcc'], ['pong', 'gcc'], ['pong', 'zig'], ['big', 'tcc'], ['big', 'gcc'], ['big', 'zig']] as const, pacingReloads: 100, baselineMs: 5000, loads: 1000, calls: 100_000_000, reps: 9, soak: 1000, crashes: 20, kills: 16, restartEdits: 10, restartConfigs: 4, session: 1000, sessionSeconds: 100, browserEdits: 25, watchEdits: 100 };

const log = (s: string) => process.stderr.write(`${s}\n`);
const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

async function main(): Promise<void> {
  const root = findKilnRoot(__dirname);
  const paths = kilnPaths(root);
  const missing = checkBuilt(paths);
  if (missing.length) {
    log(`bench: Kiln is not built:\n  ${missing.join('\n  ')}`);
    process.exit(2);
  }
  const machine = machineInfo(root);
  const lacking = missingForBench(machine.compilers, CHROMIUM);
  if (lacking.length) {
    log(`bench: this machine lacks what the benchmark measures with:\n  ${lacking.join('\n  ')}`);
    process.exit(2);
  }
  const fx = fixtures(root);
  const loadAtStart = loadAverage();
  log(`load average at start: ${loadAtStart.join(' ')} (${os.cpus().length} cores); MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'}, node flags ${process.execArgv.filter((a) => a.startsWith('--max-')).join(' ') || 'none'}`);
  const started = performance.now();
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { plan };
  const kilnP50 = new Map<string, number>();
  const sectionSeconds: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    sectionSeconds[name] = Math.round((now - mark) / 100) / 10;
    mark = now;
  };

  if (want(1)) {
    log('§1 save → first frame');
    const s1: Record<string, unknown> = {};
    for (const [id, cc] of plan.configs.filter(([, c]) => wantCc(c))) {
      const r = await saveToFrame(paths, fx[id], cc, cc === 'zig' ? plan.zigEdits : plan.edits, log);
      figures.push(...r.figures);
      s1[`${id}.${cc}`] = r.details;
      kilnP50.set(`${id}.${cc}`, r.kilnP50);
    }
    details.saveToFrame = s1;
    lap('1');
  }
  if (want(2) || want(3)) {
    log('§2 frame pacing (and §3: the runner\'s game thread around reloads)');
    const r = await framePacing(paths, fx.pong, plan.pacingReloads, plan.baselineMs, log);
    figures.push(...r.figures.filter((f) => want(f.section)));
    details.pacing = r.details;
    lap('2');
  }
  if (want(3) || want(4)) {
    log('§3/§4 swap cost and call overhead (C harness)');
    const r = await nativeCosts(paths, [fx.pong, fx.big], plan.loads, plan.calls, plan.reps, log);
    figures.push(...r.figures.filter((f) => want(f.section)));
    details.libkilnSoak = r.libkilnSoak;
    lap('3+4');
  }
  if (want(5)) {
    log(`§5 soak: ${plan.soak} reloads`);
    const r = await soak(paths, fx.pong, plan.soak, log);
    figures.push(...r.figures);
    details.soak = { ...r.details, libkilnOnly: details.libkilnSoak };
    lap('5');
  }
  if (want(6)) {
    log('§6 crash recovery');
    const a = await crashInProcess(paths, fx.pong, plan.crashes, log);
    const b = await runnerKill(paths, fx.pong, plan.kills, log);
    figures.push(...a.figures, ...b.figures);
    details.crash = { inProcess: a.details, runnerKill: b.details };
    lap('6');
  }
  if (want(7)) {
    log('§7 restart the game per edit');
    for (const [id, cc] of plan.configs.filter(([, c]) => c !== 'zig').slice(0, plan.restartConfigs)) {
      const dir = tempProject(fx[id], cc);
      try {
        figures.push(...(await restartPerEdit(paths, fx[id], cc, plan.restartEdits, kilnP50.get(`${id}.${cc}`) ?? NaN, dir)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    lap('7');
  }
  if (want(8)) {
    log(`§8 scripted session: ${plan.session} saves over ~${plan.sessionSeconds} s, two plugins`);
    const r = await scriptedSession(paths, plan.session, plan.sessionSeconds, log);
    figures.push(...r.figures);
    details.session = r.details;
    lap('8');
  }

  if (want(9)) {
    log('§9 what the user sees: Ctrl+S in the editor → painted canvas, in Chromium');
    const s9: Record<string, unknown> = {};
    for (const cc of (['tcc', 'gcc'] as const).filter(wantCc)) {
      const r = await browserSaveToPaint(paths, fx.pong, cc, plan.browserEdits, log);
      figures.push(...r.figures);
      s9[`pong.${cc}`] = r.details;
    }
    details.browser = s9;
    lap('9');
  }

  if (want(10)) {
    log('§10 the seed\'s design (50 ms sleep, copy, dlopen, dlsym, swap) beside libkiln\'s hr_* engine');
    const r = await watcherBaseline(paths, plan.watchEdits, log);
    figures.push(...r.figures);
    details.watcher = r.details;
    lap('10');
  }

  if (want(11)) {
    log('§11 games with many files: save of one file → first new frame over 1k, 10k and 50k lines (tcc, per-unit builds)');
    const r = await incrementalBuilds(paths, quick ? 5 : 20, log);
    figures.push(...r.figures);
    details.incremental = r.details;
    lap('11');
  }

  if (want(12)) {
    log('§12 the timeline\'s history: cost per frame, bytes per frame, seconds in 64 MiB, scrub time (pong, big)');
    const r = await historyCosts(paths, [fx.pong, fx.big], quick ? 1200 : 3600, quick ? 20 : 100, log);
    figures.push(...r.figures);
    details.history = r.details;
    lap('12');
  }

  if (want(13)) {
    log('§13 the world: 10,000 entities updated per frame, a component migrated over 10,000 entities');
    const r = await worldCosts(paths, quick ? 300 : 2000, quick ? 10 : 40, log);
    figures.push(...r.figures);
    details.world = r.details;
    lap('13');
  }

  if (want(14)) {
    log('§14 sound: the frame that asked for a sound → the sound starting in the page (Web Audio, Chromium)');
    const r = await soundLatency(root, quick ? 10 : 40, log);
    figures.push(...r.figures);
    details.sound = r.details;
    lap('14');
  }

  if (want(15)) {
    log('§15 art reload: an image replaced on disk → the painted canvas shows it (Chromium)');
    const r = await assetReloadLatency(quick ? 10 : 40, log);
    figures.push(...r.figures);
    details.assets = r.details;
    lap('15');
  }

  if (want(16)) {
    log('§16 a game key in the editor → the painted canvas showing the game\'s answer (Chromium)');
    const r = await browserInputToPaint(paths, fx.pong, quick ? 10 : 40, log);
    figures.push(...r.figures);
    details.input = r.details;
    lap('16');
  }

  details.startRetries = BenchGame.startRetries;
  details.sectionSeconds = sectionSeconds;
  details.loadAverage = { atStart: loadAtStart, atEnd: loadAverage() };
  const results: Results = {
    schema: 'kiln-bench/1',
    createdAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    machine,
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
