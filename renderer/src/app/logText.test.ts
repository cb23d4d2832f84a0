import { describe, expect, it } from 'vitest';
import type { ReloadEvent } from '../../../electron/shared/contract';
import { timingsText } from './logText';

const entry = (units: ReloadEvent['units']): ReloadEvent => ({ id: 1, plugin: 'game', version: 3, trigger: 'save', outcome: 'ok', at: 0, timings: { compileMs: 21.4, loadMs: 3 }, diagnostics: [], message: 'game v3 running', units });

describe('the reload log line of a build', () => {
  it('says how many files of a several-file plugin were compiled, and when the one was linked alone', () => {
    expect(timingsText(entry({ compiled: ['unit_00.c'], reused: 49, linkMs: 9, split: true }))).toMatch(/^compile 21(\.4)? ms \(1 of 50 files, linked alone against the others\) · load/);
    expect(timingsText(entry({ compiled: ['a.c', 'b.c'], reused: 1, linkMs: 9 }))).toMatch(/\(2 of 3 files\) · load/);
    expect(timingsText(entry(undefined))).not.toMatch(/files/);
  });
});
