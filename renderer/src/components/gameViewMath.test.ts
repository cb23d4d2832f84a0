import { describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../app/shortcuts';
import { wholeScale } from './GameView';
import { sparklinePoints } from './SessionBar';

describe('game view scale', () => {
  it('is the largest whole multiple that fits, and never below 1', () => {
    expect(wholeScale(656, 400, 320, 180)).toBe(2);
    expect(wholeScale(639, 400, 320, 180)).toBe(1);
    expect(wholeScale(1000, 560, 320, 180)).toBe(3);
    expect(wholeScale(100, 100, 320, 180)).toBe(1);
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
