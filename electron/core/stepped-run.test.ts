/**
 * The stepped run (what the exports are checked against) never waits forever: a runner that stops answering
 * fails the run with the step it stalled on, the last frame it sent and its log.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKilnRoot, kilnPaths } from './paths';
import { Project } from './project';
import { runStepped } from './stepped-run';

const paths = kilnPaths(findKilnRoot(__dirname));
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-stepped-'));
});

afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** A one-plugin project whose update runs `update` (C) with `s->frames` counted from 1. */
async function project(name: string, update: string): Promise<Project> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'kiln.json'), JSON.stringify({ name, plugins: [{ name, sources: [`${name}.c`] }] }));
  const source = `#include "kiln.h"
#include <signal.h>
typedef struct { int frames; } State;
static void update(void *p, float dt) { State *s = p; (void)dt; s->frames++; ${update} }
static void draw(void *p) { State *s = p; kiln->clear(0x202020FF); kiln->fill_rect(s->frames % 300, 10, 8, 8, 0xFFFFFFFF); }
KILN_PLUGIN(.name = "${name}", .state_size = sizeof(State), .state_version = 1, .update = update, .draw = draw)
`;
  await fs.writeFile(path.join(dir, `${name}.c`), source);
  return Project.open(dir);
}

describe('runStepped', () => {
  it('runs the frames asked for, each one its own', async () => {
    const frames = await runStepped({ project: await project('steady', ''), paths, frames: 5, workDir: path.join(tmp, 'steady-run') });
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3, 4, 5]);
    expect(Buffer.compare(Buffer.from(frames[0].pixels), Buffer.from(frames[4].pixels))).not.toBe(0);
  }, 120_000);

  it('a runner that stops answering fails the run naming the step, the last frame and the log', async () => {
    // frame 3 stops the whole runner process (its watchdog too): nothing answers step 3 again
    const stuck = await project('stuck', 'if (s->frames == 2) log_info("frame 2 ran"); if (s->frames == 3) raise(SIGSTOP);');
    const run = runStepped({ project: stuck, paths, frames: 10, workDir: path.join(tmp, 'stuck-run'), stepMs: 3000 });
    await expect(run).rejects.toThrow(/stepped runner: no answer to step 3 after 3 s; last frame received 2; runner log:\n[^]*frame 2 ran/);
  }, 120_000);
});
