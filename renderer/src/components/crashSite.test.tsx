/** The crashing line in the log entry and the overlay: rendered from the record's file / line / function / fault fields. */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { CrashRecord, ReloadEvent } from '../../../electron/shared/contract';
import { crashSite, crashSiteLine } from '../app/crashText';
import { ProblemOverlay } from './GameOverlay';
import { ReloadLogEntry } from './ReloadLogEntry';

function crashEvent(crash: Partial<CrashRecord>): ReloadEvent {
  const record: CrashRecord = { callback: 'update', kind: 'signal', signal: 'SIGSEGV', address: '0x0', crashedVersion: 2, runningVersion: 1, state: 'frame-start', ...crash };
  return { id: 3, plugin: 'pong', version: 1, trigger: 'crash', outcome: 'crash-rolled-back', at: 1000, timings: {}, diagnostics: [], message: 'pong crashed', crash: record };
}

const site = { file: 'pong.c', line: 42, function: 'update', access: 'write' as const, fault: 'writing address 0x0: a NULL pointer' };

describe('where it crashed, in words', () => {
  it('names file:line and the function, then the fault', () => {
    expect(crashSite(crashEvent(site).crash!)).toBe('pong.c:42 in update()');
    expect(crashSiteLine(crashEvent(site).crash!)).toBe('pong.c:42 in update() — writing address 0x0: a NULL pointer');
    expect(crashSiteLine(crashEvent({}).crash!)).toBeNull(); // a runner death has no line
  });

  it('the log entry and the overlay link to the line', () => {
    for (const html of [renderToStaticMarkup(<ReloadLogEntry event={crashEvent(site)} />), renderToStaticMarkup(<ProblemOverlay problem={crashEvent(site)} onDismiss={() => {}} />)]) {
      expect(html).toContain('data-testid="crash-site"');
      expect(html).toContain('data-file="pong.c"');
      expect(html).toContain('data-line="42"');
      expect(html).toMatch(/<button[^>]*data-testid="crash-site"/);
    }
    expect(renderToStaticMarkup(<ReloadLogEntry event={crashEvent({})} />)).not.toContain('crash-site');
  });

  it('a line outside the project is named, not linked', () => {
    const html = renderToStaticMarkup(<ReloadLogEntry event={crashEvent({ ...site, file: '/usr/include/x.h' })} />);
    expect(html).toMatch(/<span[^>]*data-testid="crash-site"/);
  });
});
