/**
 * The crashing line of each plugin as a Monaco marker (its own owner, so compile diagnostics and crash markers never
 * clear each other). A crash's marker stands until the next successful build of that plugin; F8 reaches it like a
 * compile error, and its hover says the signal, the callback and the versions.
 */
import { useEffect, useMemo } from 'react';
import type { ReloadEvent } from '../../../electron/shared/contract';
import { crashCause, crashVersions, crashWhere } from '../app/crashText';
import { useReloadLogStore } from '../stores/reloadLogStore';
import { monaco } from './monaco';

export const CRASH_MARKER_OWNER = 'kiln-crash';

/** Builds that loaded new code: they take a plugin's crash marker away (a runner restart does not). */
const BUILT = new Set(['ok', 'state-migrated', 'state-reset']);

/**
 * The crashes that still stand, one per plugin: its newest crash with a line, unless a build of it loaded since.
 * `events` newest first, as the reload log store keeps them.
 */
export function standingCrashes(events: readonly ReloadEvent[]): ReloadEvent[] {
  const decided = new Set<string>();
  const out: ReloadEvent[] = [];
  for (const e of events) {
    if (decided.has(e.plugin)) continue;
    if (e.crash?.file && e.crash.line) {
      decided.add(e.plugin);
      out.push(e);
    } else if (BUILT.has(e.outcome)) decided.add(e.plugin);
  }
  return out;
}

/** The hover: what happened, where, and which versions. */
export function crashMarkerMessage(e: ReloadEvent): string {
  const c = e.crash!;
  const head = `${e.plugin} ${c.kind === 'watchdog' ? 'hung' : 'crashed'} here: ${crashCause(c)} in ${crashWhere(c)}`;
  return [head, c.fault, crashVersions(c)].filter(Boolean).join('\n');
}

function mark(model: monaco.editor.ITextModel, crashes: readonly ReloadEvent[]): void {
  const path = model.uri.path.replace(/^\//, '');
  const markers = crashes
    .filter((e) => e.crash!.file === path && e.crash!.line! <= model.getLineCount())
    .map((e) => {
      const line = e.crash!.line!;
      return {
        severity: monaco.MarkerSeverity.Error,
        message: crashMarkerMessage(e),
        source: 'crash',
        startLineNumber: line,
        startColumn: model.getLineFirstNonWhitespaceColumn(line) || 1,
        endLineNumber: line,
        endColumn: model.getLineMaxColumn(line),
      };
    });
  monaco.editor.setModelMarkers(model, CRASH_MARKER_OWNER, markers);
}

/** Keeps the crash markers on every open model (and on files opened later). Renders nothing. */
export function CrashMarkers(): null {
  const events = useReloadLogStore((s) => s.events);
  const crashes = useMemo(() => standingCrashes(events), [events]);
  useEffect(() => {
    for (const model of monaco.editor.getModels()) mark(model, crashes);
    const sub = monaco.editor.onDidCreateModel((model) => mark(model, crashes));
    return () => sub.dispose();
  }, [crashes]);
  return null;
}
