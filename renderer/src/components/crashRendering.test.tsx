/**
 * Crashes are rendered from ReloadEvent.crash's fields. Every event here carries a message that
 * contradicts its record, so a renderer that read the sentence instead of the fields would fail.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { crashCallbacks, crashStates, faultKinds, reloadOutcomes, type CrashRecord, type ReloadEvent } from '../../../electron/shared/contract';
import { crashCause, crashLine, crashState, crashVersions, crashWhere } from '../app/crashText';
import { logAsText } from '../app/logText';
import { isLoadedOutcome, logItems, standingProblem } from '../stores/reloadLogStore';
import { ProblemOverlay, problemTitle, runningText } from './GameOverlay';
import { ReloadLog } from './ReloadLog';
import { ReloadLogEntry } from './ReloadLogEntry';

const LIE = 'pong: draw crashed with SIGFPE in version 9; rolled back to version 8';

function crashEvent(crash: Partial<CrashRecord>, outcome: ReloadEvent['outcome'] = 'crash-rolled-back'): ReloadEvent {
  const record: CrashRecord = { callback: 'update', kind: 'signal', signal: 'SIGSEGV', crashedVersion: 3, runningVersion: 2, state: 'frame-start', ...crash };
  return { id: 7, plugin: 'pong', version: record.runningVersion, trigger: 'crash', outcome, at: 1000, timings: {}, diagnostics: [], message: LIE, crash: record };
}

/** The overlay's text with tags dropped, and its root element's attributes. */
function overlay(event: ReloadEvent): { text: string; html: string } {
  const html = renderToStaticMarkup(<ProblemOverlay problem={event} onDismiss={() => {}} />);
  return { html, text: html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').replace(/&gt;/g, '>') };
}

describe('the crash overlay, from the record', () => {
  it('a fault: callback, signal, address, both versions and the state the game went on with', () => {
    const { text, html } = overlay(crashEvent({ address: '0x0' }));
    expect(text).toContain('pong crashed and was rolled back');
    expect(text).toContain('running v2');
    expect(text).toContain('update()');
    expect(text).toContain('SIGSEGV');
    expect(text).toContain('0x0');
    expect(text).toContain('v3 crashed → back on v2');
    expect(text).toContain('as at the start of the crashed frame');
    expect(text).not.toContain('SIGFPE'); // the message is not read
    expect(text).not.toContain('version 9');
    expect(html).toContain('data-kind="signal"');
    expect(html).toContain('data-rolled-back="true"');
  });

  it('a watchdog stop is a rollback: "stopped by the watchdog after N ms"', () => {
    const e = crashEvent({ kind: 'watchdog', signal: null, watchdogMs: 2000, callback: 'update', state: 'before-version' });
    const { text, html } = overlay(e);
    expect(text).toContain('pong hung and was rolled back');
    expect(text).toContain('stopped by the watchdog after 2000 ms');
    expect(text).toContain('v3 crashed → back on v2');
    expect(text).toContain('as before v3');
    expect(text).not.toContain('address');
    expect(html).toContain('data-rolled-back="true"');
    expect(html).toContain('data-kind="watchdog"');
  });

  it('a runner that died: by a signal, or by an exit code', () => {
    const killed = crashEvent({ kind: 'runner-died', callback: 'runner', signal: 'SIGKILL', state: 'before-version' });
    expect(overlay(killed).text).toContain('the game runner died (SIGKILL)');
    expect(overlay(killed).text).toContain('pong killed the game runner and was rolled back');
    const exited = crashEvent({ kind: 'runner-died', callback: 'runner', signal: null, exitCode: 3, state: 'last-commit' });
    expect(overlay(exited).text).toContain('the game runner died (exit code 3)');
    expect(overlay(exited).text).toContain('the last completed frame');
    expect(crashWhere(exited.crash!)).toBe('the game runner');
  });

  it('a hang, and a constructor that never returned', () => {
    expect(crashCause(crashEvent({ kind: 'runner-hung', callback: 'runner', signal: null }).crash!)).toMatch(/^hung/);
    const ctor = crashEvent({ kind: 'load-timeout', callback: 'constructor', signal: null, state: 'kept' });
    expect(overlay(ctor).text).toContain('constructor never returned');
    expect(overlay(ctor).text).toContain('pong never finished loading');
  });

  it('nothing to roll back to: paused', () => {
    const e = crashEvent({ crashedVersion: 1, runningVersion: null });
    expect(runningText(e)).toBe('paused');
    expect(problemTitle(e)).toBe('pong crashed and is paused');
    expect(crashVersions(e.crash!)).toBe('v1 crashed → paused, no earlier version');
    expect(overlay(e).html).toContain('data-rolled-back="false"');
  });

  it('says something for every callback, fault kind and state the contract lists', () => {
    for (const callback of crashCallbacks)
      for (const kind of faultKinds)
        for (const state of crashStates) {
          const line = crashLine(crashEvent({ callback, kind, state }).crash!);
          expect(line).not.toMatch(/undefined|null/);
        }
    expect(crashState(crashEvent({ state: 'reset' }).crash!)).toBe('reset to fresh state');
  });

  it('an event without a record (an old log file) shows its message as it is, never parsed', () => {
    const old: ReloadEvent = { ...crashEvent({}), crash: undefined, version: 2 };
    const { text, html } = overlay(old);
    expect(text).toContain(LIE);
    expect(html).not.toContain('crash-facts');
    expect(text).toContain('running v2');
  });
});

describe('the reload log entry and its text, from the record', () => {
  it('shows the crash line with the record as attributes', () => {
    const e = crashEvent({ kind: 'watchdog', signal: null, watchdogMs: 2000, state: 'before-version' });
    const html = renderToStaticMarkup(<ReloadLogEntry event={e} />);
    expect(html).toContain('data-testid="crash-record"');
    expect(html).toContain('data-kind="watchdog"');
    expect(html).toContain('data-running-version="2"');
    expect(html).toContain('update() · stopped by the watchdog after 2000 ms · v3 crashed → back on v2 · state: as before v3');
    const text = logAsText(logItems([e], [], { plugin: '', outcome: 'all', gameLog: true }));
    expect(text).toContain('  update() · stopped by the watchdog after 2000 ms');
  });

  it('puts the fault address in the line when there is one', () => {
    expect(crashLine(crashEvent({ address: '0x10' }).crash!)).toContain('SIGSEGV at 0x10');
  });
});

describe('internal errors (Kiln itself failed)', () => {
  const internal: ReloadEvent = { id: 9, plugin: 'pong', version: 1, trigger: 'save', outcome: 'internal-error', at: 5, timings: {}, diagnostics: [], message: 'TypeError: x is undefined' };

  it('are failures: over the game, red in the log, under the "failed" filter', () => {
    expect(isLoadedOutcome('internal-error')).toBe(false);
    expect(standingProblem([internal])).toBe(internal);
    const { text } = overlay(internal);
    expect(text).toContain('Kiln failed while reloading pong');
    expect(text).toContain('TypeError: x is undefined');
    const html = renderToStaticMarkup(<ReloadLogEntry event={internal} />);
    expect(html).toMatch(/class="reload-entry bad"/);
    expect(logItems([internal], [], { plugin: '', outcome: 'failed', gameLog: false })).toHaveLength(1);
  });

  it('and the log filter offers every outcome the contract defines', () => {
    const html = renderToStaticMarkup(<ReloadLog />);
    for (const o of reloadOutcomes) expect(html).toContain(`<option value="${o}">`);
  });
});
