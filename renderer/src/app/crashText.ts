/**
 * Words for a crash, made from its record's fields (ReloadEvent.crash) and nothing else: the event's
 * message is for humans and is never read back here.
 */
import type { CrashCallback, CrashRecord, CrashState, FaultKind } from '../../../electron/shared/contract';

/** Where the failing code was: a callback by its C name, or the loader / the runner process. */
const WHERE: Record<CrashCallback, string> = {
  init: 'init()',
  update: 'update()',
  draw: 'draw()',
  on_reload: 'on_reload()',
  migrate: 'migrate()',
  shutdown: 'shutdown()',
  entry: 'kiln_plugin_entry()',
  constructor: 'constructor (while loading)',
  destructor: 'destructor (while unloading)',
  runner: 'the game runner',
};

/** The verb of the overlay's title: "pong <verb> and was rolled back". */
const VERB: Record<FaultKind, string> = {
  signal: 'crashed',
  watchdog: 'hung',
  thread: 'left a thread running',
  'runner-died': 'killed the game runner',
  'runner-hung': 'hung the game runner',
  'load-timeout': 'never finished loading',
};

export function crashWhere(c: CrashRecord): string {
  return WHERE[c.callback];
}

/** What happened: the signal, the watchdog's stop, the runner's death or hang. */
export function crashCause(c: CrashRecord): string {
  switch (c.kind) {
    case 'signal':
      return c.signal ?? 'a fault signal';
    case 'watchdog':
      return c.watchdogMs != null ? `stopped by the watchdog after ${c.watchdogMs} ms` : 'stopped by the watchdog';
    case 'runner-died': {
      const how = c.signal ?? (c.exitCode != null ? `exit code ${c.exitCode}` : null);
      return how ? `the game runner died (${how})` : 'the game runner died';
    }
    case 'runner-hung':
      return c.watchdogMs != null ? `hung: the game runner made no progress for ${c.watchdogMs} ms` : 'hung: the game runner made no progress';
    case 'load-timeout':
      return c.callback === 'constructor' ? 'constructor never returned' : `${WHERE[c.callback]} never returned`;
    case 'thread':
      return 'a thread it started kept running';
  }
}

/** True when a version earlier than the one that failed runs now: the failure was rolled back. */
export function rolledBack(c: CrashRecord): boolean {
  return c.runningVersion != null && c.runningVersion !== c.crashedVersion;
}

/** "v3 crashed → back on v2", "v1 crashed → paused, no earlier version"; a destructor's old version names the new one that runs. */
export function crashVersions(c: CrashRecord): string {
  const head = `v${c.crashedVersion} crashed`;
  if (c.runningVersion == null) return `${head} → paused, no earlier version`;
  if (c.runningVersion === c.crashedVersion) return `${head} → still on v${c.runningVersion}`;
  if (c.runningVersion > c.crashedVersion) return `${head} → v${c.runningVersion} runs`;
  return `${head} → back on v${c.runningVersion}`;
}

const STATE: Record<CrashState, (c: CrashRecord) => string> = {
  'frame-start': () => 'as at the start of the crashed frame',
  'before-version': (c) => `as before v${c.crashedVersion}`,
  'last-commit': () => 'the last completed frame',
  reset: () => 'reset to fresh state',
  kept: () => 'kept as it was',
};

/** Which state the game went on with. */
export function crashState(c: CrashRecord): string {
  return STATE[c.state](c);
}

/** The overlay's title: which plugin, what it did, and whether it was rolled back or paused. */
export function crashTitle(plugin: string, c: CrashRecord): string {
  const what = `${plugin} ${VERB[c.kind]}`;
  if (c.runningVersion == null) return `${what} and is paused`;
  return rolledBack(c) ? `${what} and was rolled back` : what;
}

/** One line for the log and for "copy as text": where · cause [at address] · versions · state. */
export function crashLine(c: CrashRecord): string {
  const cause = c.address ? `${crashCause(c)} at ${c.address}` : crashCause(c);
  return [crashWhere(c), cause, crashVersions(c), `state: ${crashState(c)}`].join(' · ');
}

/** Where it crashed in the plugin's own code, "pong.c:42 in update()", or null when the record has no line. */
export function crashSite(c: CrashRecord): string | null {
  if (!c.file || !c.line) return null;
  return c.function ? `${c.file}:${c.line} in ${c.function}()` : `${c.file}:${c.line}`;
}

/** The site and the fault in words: "pong.c:42 in update() — writing address 0x0: a NULL pointer". */
export function crashSiteLine(c: CrashRecord): string | null {
  const site = crashSite(c);
  if (!site) return null;
  return c.fault ? `${site} — ${c.fault}` : site;
}
