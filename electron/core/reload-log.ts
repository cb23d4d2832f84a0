/**
 * The reload log: every ReloadEvent appended to .kiln/reload-log.jsonl; the newest RELOAD_HISTORY_LIMIT (what the
 * editor's log shows) kept in memory as their JSON lines, for an editor that connects. As lines, not objects: 500
 * events of nested timings and diagnostics as objects took ~2.7 KB of heap each, and the heap's pages grew ~3× that
 * in RSS while the log filled (bench §8).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RELOAD_HISTORY_LIMIT, type ReloadEvent } from '../shared/contract';
import { readRegularFile } from './project';

/** Past this size the file is rewritten with only the newest RELOAD_HISTORY_LIMIT entries. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export class ReloadLog {
  /** The newest events, each as its line of the file (without the newline). */
  private lines: string[] = [];
  private nextId = 1;
  private writing: Promise<void> = Promise.resolve();
  private fileBytes = 0;

  constructor(private readonly file: string) {}

  /** Load the history written by earlier sessions; a damaged line is skipped, not fatal. */
  async load(): Promise<void> {
    let text = '';
    try {
      text = (await readRegularFile(this.file)).toString('utf8'); // never blocks on a FIFO put in its place
    } catch {
      return;
    }
    this.fileBytes = Buffer.byteLength(text);
    let lastId = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const event = JSON.parse(line) as ReloadEvent;
        if (typeof event.id !== 'number' || typeof event.plugin !== 'string') continue;
        this.lines.push(line);
        lastId = event.id;
      } catch {
        /* a torn last line from a crash: skip it */
      }
    }
    this.lines = this.lines.slice(-RELOAD_HISTORY_LIMIT);
    this.nextId = lastId + 1;
  }

  append(event: Omit<ReloadEvent, 'id'>): ReloadEvent {
    const full: ReloadEvent = { id: this.nextId++, ...event };
    const json = JSON.stringify(full);
    this.lines.push(json);
    if (this.lines.length > RELOAD_HISTORY_LIMIT) this.lines.shift();
    const line = `${json}\n`;
    this.fileBytes += Buffer.byteLength(line);
    const compact = this.fileBytes > MAX_FILE_BYTES;
    const snapshot = compact ? this.lines.map((l) => `${l}\n`).join('') : '';
    if (compact) this.fileBytes = Buffer.byteLength(snapshot);
    this.writing = this.writing
      .then(() => fs.mkdir(path.dirname(this.file), { recursive: true }))
      .then(() => (compact ? this.rewrite(snapshot) : fs.appendFile(this.file, line, 'utf8')))
      .catch((err) => console.error(`kiln: could not write ${this.file}: ${(err as Error).message}`));
    return full;
  }

  /** Keep the file bounded: the newest entries, written atomically (a crash mid-way keeps the old file). */
  private async rewrite(text: string): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, 'utf8');
    await fs.rename(tmp, this.file);
  }

  history(): ReloadEvent[] {
    return this.lines.map((l) => JSON.parse(l) as ReloadEvent);
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
