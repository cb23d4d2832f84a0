/**
 * The reload log: every ReloadEvent appended to .kiln/reload-log.jsonl. The file is the history: an editor that
 * connects gets the newest RELOAD_HISTORY_LIMIT (what the editor's log shows) read from it then. Nothing of it is
 * kept in memory: 500 events of nested timings and diagnostics took ~2.7 KB of heap each as objects and ~3 KB as
 * their JSON lines, and the back end's RSS grew by that while the log filled (bench §8: +1.5 MB over 1,000 saves).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RELOAD_HISTORY_LIMIT, type ReloadEvent } from '../shared/contract';
import { readRegularFile } from './project';

/** Past this size the file is rewritten with only the newest RELOAD_HISTORY_LIMIT entries. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export class ReloadLog {
  private nextId = 1;
  private writing: Promise<void> = Promise.resolve();
  private fileBytes = 0;
  /** The file ends in a torn line (a crash mid-write): the next entry starts on a line of its own. */
  private torn = false;

  constructor(private readonly file: string) {}

  /** Where the history written by earlier sessions ends: the next id follows the last one there. */
  async load(): Promise<void> {
    const { lines, bytes, torn } = await this.read();
    this.fileBytes = bytes;
    this.torn = torn;
    const last = lines.at(-1);
    if (last) this.nextId = last.event.id + 1;
  }

  append(event: Omit<ReloadEvent, 'id'>): ReloadEvent {
    const full: ReloadEvent = { id: this.nextId++, ...event };
    const line = `${this.torn ? '\n' : ''}${JSON.stringify(full)}\n`;
    this.torn = false;
    this.fileBytes += Buffer.byteLength(line);
    const compact = this.fileBytes > MAX_FILE_BYTES;
    if (compact) this.fileBytes = 0; // the rewrite below sets it
    this.writing = this.writing
      .then(() => fs.mkdir(path.dirname(this.file), { recursive: true }))
      .then(() => fs.appendFile(this.file, line, 'utf8'))
      .then(() => (compact ? this.compact() : undefined))
      .catch((err) => console.error(`kiln: could not write ${this.file}: ${(err as Error).message}`));
    return full;
  }

  /** The newest RELOAD_HISTORY_LIMIT events, oldest first, once every append before this call is on disk. */
  async history(): Promise<ReloadEvent[]> {
    await this.writing;
    return (await this.read()).lines.slice(-RELOAD_HISTORY_LIMIT).map((l) => l.event);
  }

  flush(): Promise<void> {
    return this.writing;
  }

  /** The file's entries in order; a damaged line (a torn last line from a crash) is skipped, not fatal. */
  private async read(): Promise<{ lines: Array<{ text: string; event: ReloadEvent }>; bytes: number; torn: boolean }> {
    let text = '';
    try {
      text = (await readRegularFile(this.file)).toString('utf8'); // never blocks on a FIFO put in its place
    } catch {
      return { lines: [], bytes: 0, torn: false };
    }
    const lines: Array<{ text: string; event: ReloadEvent }> = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const event = JSON.parse(line) as ReloadEvent;
        if (typeof event.id === 'number' && typeof event.plugin === 'string') lines.push({ text: line, event });
      } catch {
        /* torn or damaged: skip it */
      }
    }
    return { lines, bytes: Buffer.byteLength(text), torn: text.length > 0 && !text.endsWith('\n') };
  }

  /** Keep the file bounded: the newest entries, written atomically (a crash mid-way keeps the old file). */
  private async compact(): Promise<void> {
    const { lines } = await this.read();
    const text = lines.slice(-RELOAD_HISTORY_LIMIT).map((l) => `${l.text}\n`).join('');
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, 'utf8');
    await fs.rename(tmp, this.file);
    this.fileBytes += Buffer.byteLength(text);
  }
}
