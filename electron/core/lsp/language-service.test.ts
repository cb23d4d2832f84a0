/**
 * The clangd bridge against the real clangd (Debian's), on a temp project, and the kiln.h fallback with
 * clangd forced missing. Slow on a loaded machine (clangd parses kiln.h on the first request): generous waits.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LanguageDiagnostics } from '../../shared/contract';
import { testPaths, writeProject } from '../test-support';
import { findClangd } from './clangd';
import { LanguageService } from './language-service';

const GAME = `#include "kiln.h"

typedef struct { int x; } Game;

static int paddle_speed(int level) { return 60 + level * 10; }

static void draw(void *s) {
    Game *g = s;
    draw_text("hi", g->x, 2, 1, 0xFFFFFFFF);
    g->x = paddle_speed(2);
}

KILN_PLUGIN(.name = "game", .state_size = sizeof(Game), .state_version = 1, .draw = draw)
`;

const running: LanguageService[] = [];
const dirs: string[] = [];

function service(env: NodeJS.ProcessEnv = process.env) {
  const dir = writeProject({ 'kiln.json': JSON.stringify({ name: 'lsp', plugins: [{ name: 'game', sources: ['game.c'] }] }), 'game.c': GAME }, 'kiln-lsp-');
  dirs.push(dir);
  const diagnostics: LanguageDiagnostics[] = [];
  const s = new LanguageService({
    root: dir,
    workDir: path.join(dir, '.kiln'),
    kilnIncludeDir: testPaths.includeDir,
    extraFlags: () => [],
    onDiagnostics: (d) => diagnostics.push(d),
    env,
  });
  running.push(s);
  return { s, dir, diagnostics };
}

/** Line and 1-based column of the first `needle` in GAME (plus `offset` characters). */
function at(text: string, needle: string, offset = 0): [number, number] {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  return [line + 1, lines[line].indexOf(needle) + 1 + offset];
}

async function until<T>(probe: () => T | undefined | null | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hasClangd = findClangd() !== null;

describe.skipIf(!hasClangd)('clangd bridge (real clangd)', () => {
  it('runs clangd with compile_commands.json under .kiln carrying Kiln include folders', async () => {
    const { s, dir } = service();
    expect(s.open('game.c', GAME, 1).server).toBe('clangd');
    await s.hover('game.c', ...at(GAME, 'draw_text'));
    const commands = JSON.parse(readFileSync(path.join(dir, '.kiln', 'compile_commands.json'), 'utf8'));
    expect(commands[0].arguments).toEqual(expect.arrayContaining(['-I', testPaths.includeDir, '-std=gnu11']));
    expect(s.clangdPid).toBeGreaterThan(0);
  }, 120_000);

  it('completion offers fill_rect after fill_, with a snippet of its parameters', async () => {
    const text = GAME.replace('    g->x = paddle_speed(2);', '    fill_');
    const { s } = service();
    s.open('game.c', text, 1);
    const { items, server } = await s.completion('game.c', ...at(text, 'fill_', 5));
    expect(server).toBe('clangd');
    const item = items.find((i) => i.label === 'fill_rect');
    expect(item, JSON.stringify(items.slice(0, 5))).toBeDefined();
    expect(item!.snippet).toBe(true);
    expect(item!.insertText).toMatch(/^fill_rect\(\$\{1:int x\}/);
  }, 120_000);

  it('hover on draw_text shows the comment kiln.h gives it', async () => {
    const { s } = service();
    s.open('game.c', GAME, 1);
    const hover = await s.hover('game.c', ...at(GAME, 'draw_text', 2));
    expect(hover?.markdown).toContain('built-in 8x8 font');
  }, 120_000);

  it('definition of a user function is its line in the project; of fill_rect, kiln.h read-only', async () => {
    const text = GAME.replace('    g->x = paddle_speed(2);', '    g->x = paddle_speed(2);\n    fill_rect(0, 0, 1, 1, 0);');
    const { s } = service();
    s.open('game.c', text, 1);
    const user = await s.definition('game.c', ...at(text, 'paddle_speed(2)', 3));
    expect(user).toEqual([{ where: 'project', path: 'game.c', line: at(text, 'static int paddle_speed')[0], column: 12 }]);
    const header = await s.definition('game.c', ...at(text, 'fill_rect(0', 2));
    expect(header[0]).toMatchObject({ where: 'kiln-include', path: 'kiln.h' });
    const kilnH = (await s.header('kiln.h')).content.split('\n');
    expect(kilnH[header[0].line - 1]).toContain('fill_rect(');
  }, 120_000);

  it('an unsaved error gets a diagnostic for that buffer version; fixing it clears it', async () => {
    const { s, dir, diagnostics } = service();
    s.open('game.c', GAME, 1);
    const broken = GAME.replace('g->x = paddle_speed(2);', 'g->y = paddle_speed(2);'); // Game has no y: an error in C
    s.change('game.c', broken, 2);
    const bad = await until(() => diagnostics.find((d) => d.version === 2 && d.diagnostics.some((x) => x.severity === 'error')));
    const error = bad.diagnostics.find((x) => x.severity === 'error')!;
    expect(error.message).toMatch(/no member named 'y'/i);
    expect(error.line).toBe(at(broken, 'g->y')[0]);
    expect(readFileSync(path.join(dir, 'game.c'), 'utf8')).toBe(GAME); // never saved
    s.change('game.c', GAME, 3);
    await until(() => diagnostics.find((d) => d.version === 3 && !d.diagnostics.some((x) => x.severity === 'error')));
  }, 120_000);

  it('a killed clangd is restarted and gets the open buffers again', async () => {
    const { s, diagnostics } = service();
    s.open('game.c', GAME, 1);
    await s.hover('game.c', ...at(GAME, 'draw_text', 2));
    const first = s.clangdPid!;
    process.kill(first, 'SIGKILL');
    await until(() => s.clangdPid && s.clangdPid !== first && s.clangdPid);
    const broken = GAME.replace('Game *g = s;', 'Game *g = s; undefined_thing();');
    s.change('game.c', broken, 5);
    await until(() => diagnostics.find((d) => d.version === 5 && d.diagnostics.some((x) => /undefined_thing/.test(x.message))));
    expect((await s.hover('game.c', ...at(GAME, 'draw_text', 2)))?.markdown).toContain('8x8 font');
  }, 120_000);

  it('stop leaves no clangd behind', async () => {
    const { s } = service();
    s.open('game.c', GAME, 1);
    await s.hover('game.c', ...at(GAME, 'draw_text', 2));
    const pid = s.clangdPid!;
    await s.stop();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 120_000);
});

describe('without clangd (KILN_CLANGD=/nonexistent): kiln.h data generated at build time', () => {
  const env = { ...process.env, KILN_CLANGD: '/nonexistent/clangd' };

  it('says once how to get the rest', () => {
    const { s } = service(env);
    const first = s.open('game.c', GAME, 1);
    expect(first).toEqual({ server: 'kiln.h', notice: expect.stringContaining('apt install clangd') });
    expect(s.open('other.c', '', 1).notice).toBeUndefined();
  });

  it('completion offers fill_rect after fill_ and hover on draw_text shows its comment', async () => {
    const text = GAME.replace('    g->x = paddle_speed(2);', '    fill_');
    const { s } = service(env);
    s.open('game.c', text, 1);
    const { items, server } = await s.completion('game.c', ...at(text, 'fill_', 5));
    expect(server).toBe('kiln.h');
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['fill_rect', 'fill_circle']));
    expect(items.map((i) => i.label)).not.toContain('draw_text');
    expect((await s.hover('game.c', ...at(text, 'draw_text', 2)))?.markdown).toContain('built-in 8x8 font');
    expect((await s.hover('game.c', ...at(text, 'KILN_PLUGIN', 2)))?.markdown).toContain('#define KILN_PLUGIN');
    const sig = await s.signature('game.c', ...at(text, '"hi", ', 6));
    expect(sig?.signatures[0].label).toBe('void draw_text(const char *s, int x, int y, int scale, kiln_color c)');
    expect(sig?.activeParameter).toBe(1);
  });

  it('the generated data is up to date with kiln.h', () => {
    const fresh = execFileSync(process.execPath, [path.join(testPaths.root, 'scripts', 'kiln-header-data.mjs'), '--print'], { encoding: 'utf8' });
    const committed = readFileSync(path.join(__dirname, 'kiln-header.generated.json'), 'utf8');
    expect(committed, 'kiln.h changed: run node scripts/kiln-header-data.mjs (npm run build does)').toBe(fresh);
  });
});
