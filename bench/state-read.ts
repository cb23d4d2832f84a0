/**
 * The state inspector's cost on pong: one kiln_state_read + decode in the runner (Node + koffi, in this process,
 * between frames as the runner does it), and one state.read request through a real back end and runner process.
 * Run: npx tsx bench/state-read.ts  (after npm run build). Prints a table and writes bench/state-read.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLibKiln } from '../electron/runner/libkiln';
import { closeTestBackends, copyExample, openTestBackend, testPaths } from '../electron/core/test-support';
import { summarise } from './stats';

const READS_IN_PROCESS = 20_000;
const REQUESTS = 300;

function inProcess(): number[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-state-'));
  try {
    const image = path.join(dir, 'pong.so');
    execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-I', testPaths.includeDir, path.join(testPaths.root, 'plugins', 'pong', 'pong.c'), '-o', image]);
    const lib = loadLibKiln(testPaths.libkiln);
    const rt = lib.create(320, 180, path.join(dir, 'work'));
    if (lib.load(rt, { name: 'pong', path: image, version: 1 }).code !== 0) throw new Error('pong did not load');
    const inspector = lib.stateInspector;
    if (!inspector) throw new Error('this libkiln has no kiln_state_read: npm run build:native');
    const us: number[] = [];
    for (let i = 0; i < READS_IN_PROCESS; i++) {
      if (i % 100 === 0) lib.frame(rt, 1 / 60); // the state changes as in play
      const t0 = process.hrtime.bigint();
      inspector.read(rt);
      us.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    lib.destroy(rt);
    return us;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function roundTrips(): Promise<number[]> {
  const { backend } = await openTestBackend(copyExample('pong', 'kiln-bench-'));
  const ms: number[] = [];
  try {
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      await backend.request('state.read', {});
      ms.push(performance.now() - t0);
    }
  } finally {
    await closeTestBackends();
  }
  return ms;
}

async function main(): Promise<void> {
  const us = inProcess();
  const ms = await roundTrips();
  const figures = {
    runnerReadUs: summarise(us),
    requestMs: summarise(ms),
    load: os.loadavg()[0],
  };
  console.log('state inspector on pong (44 bytes, 11 fields)');
  console.log(`  runner: kiln_state_read + decode   p50 ${figures.runnerReadUs.p50} µs   p95 ${figures.runnerReadUs.p95} µs`);
  console.log(`  state.read back end ⇄ runner     p50 ${figures.requestMs.p50} ms   p95 ${figures.requestMs.p95} ms`);
  console.log(`  (1-minute load average ${figures.load.toFixed(1)} on ${os.cpus().length} cores)`);
  writeFileSync(path.join(testPaths.root, 'bench', 'state-read.json'), `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

void main();
