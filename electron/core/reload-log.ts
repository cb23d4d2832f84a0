/** The reload log: every ReloadEvent, kept in memory and appended to .kiln/reload-log.jsonl. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ReloadEvent } from '../shared/contract';

const KEEP_IN_MEMORY = 1000;

export class ReloadLog {
  private events: ReloadEvent[] = [];
  private nextId = 1;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  /** Load the history written by earlier sessions; a damaged line is skipped, not fatal. */
  async load(): Promise<void> {
    let text = '';
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return;
    }
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
    this.writing = this.writing
      .then(() => fs.mkdir(path.dirname(this.file), { recursive: true }))
      .then(() => fs.appendFile(this.file, line, 'utf8'))
      .catch((err) => console.error(`kiln: could not append to ${this.file}: ${(err as Error).message}`));
    return full;
  }

  history(): ReloadEvent[] {
    return [...this.events];
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
