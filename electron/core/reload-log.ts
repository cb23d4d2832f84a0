/** The reload log: every ReloadEvent, kept in memory and appended to .kiln/reload-log.jsonl. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ReloadEvent } from '../shared/contract';
import { readRegularFile } from './project';

const KEEP_IN_MEMORY = 1000;
/** Past this size the file is rewritten with only the newest KEEP_IN_MEMORY entries. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export class ReloadLog {
  private events: ReloadEvent[] = [];
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
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const event = JSON.parse(line) as ReloadEvent;
        if (typeof event.id === 'number' && typeof event.plugin === 'string') this.events.push(event);
      } catch {
        /* a torn last line from a crash: skip it */
      }
    }
    this.events = this.events.slice(-KEEP_IN_MEMORY);
    this.nextId = (this.events.at(-1)?.id ?? 0) + 1;
  }

  append(event: Omit<ReloadEvent, 'id'>): ReloadEvent {
    const full: ReloadEvent = { id: this.nextId++, ...event };
    this.events.push(full);
    if (this.events.length > KEEP_IN_MEMORY) this.events.shift();
    const line = `${JSON.stringify(full)}\n`;
    this.fileBytes += Buffer.byteLength(line);
    const compact = this.fileBytes > MAX_FILE_BYTES;
    const snapshot = compact ? this.events.map((e) => `${JSON.stringify(e)}\n`).join('') : '';
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
    return [...this.events];
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
