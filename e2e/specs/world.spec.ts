import { readFileSync, rmSync } from 'node:fs';
import { copyProject, test as base, expect } from '../fixtures';
import { EntityInspectorPanel } from '../pages/entity-inspector';

/** plugins/asteroids: three systems (input, physics, render) on one world of 241 entities (the ship and 240 rocks). */
const test = base.extend({
  // eslint-disable-next-line no-empty-pattern
  project: async ({}, use) => {
    const project = copyProject('asteroids');
    await use(project);
    rmSync(project.dir, { recursive: true, force: true });
  },
});

const ENTITIES = '241';
const reloads = (page: import('@playwright/test').Page, plugin: string) =>
  page.locator(`[data-testid="reload-log-entry"][data-plugin="${plugin}"][data-outcome="ok"]`);

test('asteroids runs on the world; saving physics.c reloads physics alone and every entity stays as it was', async ({ kiln, page, project }) => {
  test.slow(); // three first builds and Monaco on a machine shared with other runs
  for (const plugin of ['input', 'physics', 'render']) await expect(reloads(page, plugin)).toHaveCount(1, { timeout: 60_000 });
  const world = new EntityInspectorPanel(page);
  await world.open();
  await expect(world.count).toHaveText(ENTITIES, { timeout: 30_000 });
  // it runs: the rocks drift
  const hash = await kiln.canvasHash();
  await expect.poll(() => kiln.canvasHash(), { timeout: 20_000 }).not.toBe(hash);

  // paused, nothing moves: what the world holds before the save is what it must hold after
  await kiln.pauseOnShownFrame();
  await world.filterBy('Ship');
  await expect(world.rows()).toHaveCount(1);
  await world.select();
  const shipX = await world.valueOf('Position.x');
  const shipAngle = await world.valueOf('Ship.angle');
  await world.filterBy('Velocity');
  await world.select(17);
  const rock = { x: await world.valueOf('Position.x'), dx: await world.valueOf('Velocity.dx'), r: await world.valueOf('Body.radius') };

  await kiln.openFile('physics.c');
  const source = readFileSync(project.file('physics.c'), 'utf8').split('\n');
  const line = source.findIndex((l) => l.startsWith('#define FRICTION')) + 1;
  await kiln.replaceLine(line, '#define FRICTION 0.5f /* velocity lost per second, 0..1 */');
  await kiln.save();
  await expect(reloads(page, 'physics')).toHaveCount(2, { timeout: 60_000 });
  await expect(page.locator('[data-testid="reload-log-entry"][data-plugin="physics"][data-version="2"]')).toHaveAttribute('data-outcome', 'ok');
  // only physics was rebuilt and swapped
  await expect(reloads(page, 'input')).toHaveCount(1);
  await expect(reloads(page, 'render')).toHaveCount(1);

  await expect(world.count).toHaveText(ENTITIES);
  await expect(world.field('Position.x')).toHaveAttribute('data-value', rock.x);
  await expect(world.field('Velocity.dx')).toHaveAttribute('data-value', rock.dx);
  await expect(world.field('Body.radius')).toHaveAttribute('data-value', rock.r);
  await world.filterBy('Ship');
  await world.select();
  await expect(world.field('Position.x')).toHaveAttribute('data-value', shipX);
  await expect(world.field('Ship.angle')).toHaveAttribute('data-value', shipAngle);

  // and play goes on with the new physics and the same world
  await kiln.resume();
  await expect.poll(() => kiln.canvasHash(), { timeout: 20_000 }).not.toBe(hash);
  await expect(world.count).toHaveText(ENTITIES);
});

test('the entity inspector edits a component and the canvas shows it', async ({ kiln, page }) => {
  test.slow();
  for (const plugin of ['input', 'physics', 'render']) await expect(reloads(page, plugin)).toHaveCount(1, { timeout: 60_000 });
  const world = new EntityInspectorPanel(page);
  await world.open();
  await expect(world.count).toHaveText(ENTITIES, { timeout: 30_000 });
  await kiln.pauseOnShownFrame();
  await world.filterBy('Ship');
  await world.select();

  // the ship in magenta: nothing else in the game has that colour
  const magenta = { r: 255, g: 0, b: 255 };
  expect((await kiln.findColor(magenta)).count).toBe(0);
  await world.edit('Look.color', String(0xff00ffff));
  await expect(world.field('Look.color')).toHaveAttribute('data-value', String(0xff00ffff));
  await expect.poll(async () => (await kiln.findColor(magenta)).count).toBeGreaterThan(5);
  const before = await kiln.findColor(magenta);

  // moved to x = 40: its pixels follow
  await world.edit('Position.x', '40');
  await expect(world.field('Position.x')).toHaveAttribute('data-value', '40.0');
  await expect.poll(async () => Math.round((await kiln.findColor(magenta)).x)).toBeLessThan(before.x - 60);
  await expect(page.locator('.game-log')).toContainText(/Position#\d+\.x: [\d.]+ → 40 \(inspector\)/);

  // a refused entry says why and changes nothing
  await world.edit('Position.x', 'abc');
  await expect(world.root.getByTestId('entity-error')).toHaveText('"abc" is not a number');
});
