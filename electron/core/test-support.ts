/**
 * What the back-end tests and the benchmark share: temp projects, a real back end on them (trusted,
 * started, its first builds done), and reading pixels of the frames it streams. Node only, no mocks.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame, ReloadEvent } from '../shared/contract';
import { KilnBackend, type BackendOptions } from './backend';
import { nodeRunnerLauncher } from './node-runner-launcher';
import { findKilnRoot, kilnPaths } from './paths';

export const testPaths = kilnPaths(findKilnRoot(__dirname));

/** A temp copy of one of Kiln's example projects (plugins/<name>), without its .kiln folder. */
export function copyExample(name = 'pong', prefix = 'kiln-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}${name}-`));
  cpSync(path.join(testPaths.root, 'plugins', name), dir, { recursive: true, filter: (s) => !s.includes(`${path.sep}.kiln`) });
  return dir;
}

/** A temp project made of these files (kiln.json included). */
export function writeProject(files: Record<string, string>, prefix = 'kiln-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export interface TestBackend {
  backend: KilnBackend;
  dir: string;
  /** Every ReloadEvent since the back end opened. */
  events: ReloadEvent[];
}

const open: TestBackend[] = [];

/** A real back end on `dir`: trusted, started, first builds done. Closed by closeTestBackends(). */
export async function openTestBackend(dir: string, dataDir?: string, runner?: BackendOptions['runner']): Promise<TestBackend> {
  const backend = await KilnBackend.open({ projectDir: dir, paths: testPaths, launcher: nodeRunnerLauncher(testPaths.runnerScript), trustProject: true, dataDir, runner });
  const events: ReloadEvent[] = [];
  backend.on('reload', (e) => events.push(e));
  const handle = { backend, dir, events };
  open.push(handle);
  await backend.start();
  await backend.idle();
  return handle;
}

/** Stop every back end opened by openTestBackend and remove its project. */
export async function closeTestBackends(): Promise<void> {
  for (const { backend, dir } of open.splice(0)) {
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function nextFrame(backend: KilnBackend): Promise<Frame> {
  return new Promise((resolve) => backend.once('frame', resolve));
}

/** 0xRRGGBB of pixel (x, y) in the next frame. */
export async function pixelAt(backend: KilnBackend, x: number, y: number): Promise<number> {
  const f = await nextFrame(backend);
  const i = (y * f.width + x) * 4;
  return (f.pixels[i] << 16) | (f.pixels[i + 1] << 8) | f.pixels[i + 2];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `plugin` v`version` has passed probation (about a second of frames): a runner death no longer blames it. */
export async function waitProven(backend: KilnBackend, plugin: string, version: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (backend.supervisor.goodVersion(plugin) !== version) {
    if (Date.now() > deadline) throw new Error(`${plugin} v${version} was not proven within ${timeoutMs} ms (good: v${backend.supervisor.goodVersion(plugin)})`);
    await sleep(50);
  }
}

export type SessionKind = 'good' | 'compile-error' | 'crash';

/** A plugin that paints row `row` with `color`; a `crash` version writes through NULL in update. */
export function sessionSource(name: string, row: number, color: number, kind: SessionKind): string {
  const hex = `0x${color.toString(16).padStart(6, '0')}FF`;
  const update = kind === 'crash' ? 'static void update(void *s, float dt) { (void)s; (void)dt; *(volatile int *)0 = 1; }' : 'static void update(void *s, float dt) { (void)s; (void)dt; }';
  const broken = kind === 'compile-error' ? 'int broken = );' : '';
  return `#include "kiln.h"
${broken}
${update}
static void draw(void *s) { (void)s; fill_rect(0, ${row}, 4, 1, ${hex}); }
KILN_PLUGIN(.name = "${name}", .state_size = 4, .state_version = 1, .update = update, .draw = draw)
`;
}

/** Linux: live (non-zombie) processes whose process group is `pgid`, from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return members;
}

/** Linux: live processes whose parent is `pid`, those whose command line includes `command` if given. */
export function childrenOf(pid: number, command?: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && (command === undefined || readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(command))) out.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

/** Linux: the process group of `pid`. */
export function pgidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** Linux: live processes (other than this one) working in folder `cwd` — a project's compilers build there. */
export function processesIn(cwd: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .filter((e) => {
      try {
        return readlinkSync(`/proc/${e}/cwd`) === cwd && !/\) Z /.test(readFileSync(`/proc/${e}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}
