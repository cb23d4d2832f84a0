import type { Diagnostic, ReloadEvent } from '../../../electron/shared/contract';
import type { LogItem } from '../stores/reloadLogStore';
import { clockTime, millis } from '../components/time';
import { crashLine } from './crashText';

/** `pong.c:42:5 error: expected ';' before '}'` — the form compilers and editors agree on. */
export function diagnosticLine(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}`;
}

export function timingsText(e: ReloadEvent): string {
  const t = e.timings;
  const parts: string[] = [];
  if (t.compileMs != null) parts.push(`compile ${millis(t.compileMs)}${unitsText(e)}`);
  if (t.loadMs != null) parts.push(`load ${millis(t.loadMs)}`);
  if (t.firstFrameMs != null) parts.push(`first frame ${millis(t.firstFrameMs)}`);
  if (t.totalMs != null) parts.push(`total ${millis(t.totalMs)}`);
  return parts.join(' · ');
}

/** " (1 of 50 files, linked alone against the others)": what a plugin of several files compiled. */
function unitsText(e: ReloadEvent): string {
  const u = e.units;
  if (!u) return '';
  const total = u.compiled.length + u.reused;
  return ` (${u.compiled.length} of ${total} files${u.split ? ', linked alone against the others' : ''})`;
}

/** The log as plain text, one entry per paragraph, for pasting into a bug report or a chat. */
export function logAsText(items: LogItem[]): string {
  return items
    .map((item) => {
      if (item.kind === 'game') return `${clockTime(item.at)} game ${item.message.level}: ${item.message.text}`;
      const e = item.event;
      const head = [clockTime(e.at), e.plugin, e.version != null ? `v${e.version}` : 'no version', e.trigger, e.outcome];
      if (e.compiler) head.push(e.compiler);
      const lines = [head.join(' ')];
      const timings = timingsText(e);
      if (timings) lines.push(`  ${timings}`);
      if (e.crash) lines.push(`  ${crashLine(e.crash)}`);
      if (e.message) lines.push(`  ${e.message}`);
      for (const d of e.diagnostics) lines.push(`  ${diagnosticLine(d)}`);
      return lines.join('\n');
    })
    .join('\n');
}
