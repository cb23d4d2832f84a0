/**
 * The export check never waits forever on its page: an exported game that stops answering (a plugin looping
 * forever in the browser) fails the check naming the frame it stalled on.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKilnRoot, kilnPaths } from '../paths';
import { Project } from '../project';
import { exportGame } from './export-game';
import { closeBrowser, framesDifferingFromRunner, openPage } from './frame-check';
import { serveFolder } from './static-server';

const paths = kilnPaths(findKilnRoot(__dirname));
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-frame-check-'));
});

afterAll(async () => {
  await closeBrowser();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('framesDifferingFromRunner', () => {
  it('names the frame an exported game stopped answering on', async () => {
    const dir = path.join(tmp, 'spin');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'spin', width: 64, height: 48, plugins: [{ name: 'spin', sources: ['spin.c'] }] }));
    // frame 3 never ends: the page's only thread loops, as a plugin's endless loop does in a browser
    await fs.writeFile(
      path.join(dir, 'spin.c'),
      `#include "kiln.h"
typedef struct { int frames; } State;
static void update(void *p, float dt) { State *s = p; (void)dt; if (++s->frames == 3) for (volatile int spin = 1; spin;) {} }
static void draw(void *p) { State *s = p; kiln->clear(0x202020FF); kiln->fill_rect(s->frames, 4, 4, 4, 0xFFFFFFFF); }
KILN_PLUGIN(.name = "spin", .state_size = sizeof(State), .state_version = 1, .update = update, .draw = draw)
`,
    );
    const report = await exportGame({ project: await Project.open(dir), paths, target: 'web', dir: path.join(dir, 'web') });
    const site = await serveFolder(report.dir);
    try {
      const page = await openPage(`${site.url}index.html?manual`);
      const blank = Array.from({ length: 5 }, () => new Uint8Array(64 * 48 * 4));
      await expect(framesDifferingFromRunner(page, blank, {}, 5000)).rejects.toThrow(/^page: stepping and hashing frame 3 of 5 did not finish in 5 s/);
    } finally {
      await site.close();
    }
  }, 600_000); // the first web export on a machine fills Zig's cache
});
