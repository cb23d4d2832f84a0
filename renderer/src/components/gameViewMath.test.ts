import { describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../app/shortcuts';
import { sharpScale } from './gameScale';
import { EDITOR_ROOM, defaultPanes } from '../stores/settingsStore';
import { sparklinePoints } from './SessionBar';

describe('game view scale', () => {
  it('is the largest whole multiple that fits at 100 %, and never below 1', () => {
    expect(sharpScale(656, 400, 320, 180)).toBe(2);
    expect(sharpScale(1000, 560, 320, 180)).toBe(3);
    expect(sharpScale(959, 560, 320, 180)).toBe(2); // no half steps above 2×
    expect(sharpScale(100, 100, 320, 180)).toBe(1);
  });

  it('takes 1.5× rather than dropping to 1× when 2× does not fit', () => {
    expect(sharpScale(639, 400, 320, 180)).toBe(1.5);
    expect(sharpScale(480, 400, 320, 180)).toBe(1.5);
    expect(sharpScale(479, 400, 320, 180)).toBe(1);
  });

  it('keeps every game pixel a whole number of device pixels under display scaling', () => {
    expect(sharpScale(639, 400, 320, 180, 2)).toBe(1.5); // 3 device pixels each
    expect(sharpScale(520, 400, 320, 180, 1.25)).toBe(1.6); // 2 device pixels each
    expect(sharpScale(700, 400, 320, 180, 1.5)).toBe(2); // 3 device pixels each
  });
});

describe('default layout', () => {
  it('at 1280×720 leaves the editor its room and shows the game at 1.5×', () => {
    const p = defaultPanes(1280, 720);
    const editor = 1280 - p.files - p.side - 8;
    expect(editor).toBeGreaterThanOrEqual(EDITOR_ROOM);
    expect(p.side).toBe(320 * 1.5 + 18);
    expect(p.game).toBeGreaterThanOrEqual(180 * 2); // widening the column later gives 2× without touching the height
  });

  it('at 1920×1080 shows the game at 3× and still leaves the editor its room', () => {
    const p = defaultPanes(1920, 1080);
    expect(1920 - p.files - p.side - 8).toBeGreaterThanOrEqual(EDITOR_ROOM);
    expect(p.side).toBe(320 * 3 + 18);
  });
});

describe('frame-time sparkline', () => {
  it('spans the width and puts the worst frame near the top', () => {
    const pts = sparklinePoints([1, 2, 4], 90, 18).split(' ').map((p) => p.split(',').map(Number));
    expect(pts.map((p) => p[0])).toEqual([0, 45, 90]);
    expect(pts[2][1]).toBeLessThan(pts[0][1]);
    expect(pts[2][1]).toBeGreaterThanOrEqual(0);
    expect(sparklinePoints([])).toBe('');
  });
});

describe('shortcuts', () => {
  const key = (init: Partial<KeyboardEvent>) => ({ ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, key: '', code: '', ...init }) as KeyboardEvent;
  it('tell save from save all, and reload from restart', () => {
    expect(SHORTCUTS.save.matches(key({ ctrlKey: true, code: 'KeyS' }))).toBe(true);
    expect(SHORTCUTS.save.matches(key({ ctrlKey: true, shiftKey: true, code: 'KeyS' }))).toBe(false);
    expect(SHORTCUTS.saveAll.matches(key({ ctrlKey: true, shiftKey: true, code: 'KeyS' }))).toBe(true);
    expect(SHORTCUTS.reload.matches(key({ key: 'F5' }))).toBe(true);
    expect(SHORTCUTS.reload.matches(key({ key: 'F5', ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(SHORTCUTS.restart.matches(key({ key: 'F5', ctrlKey: true, shiftKey: true }))).toBe(true);
  });
});
