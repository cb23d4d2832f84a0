/** Unsaved editor buffers, kept in the user's data folder so a reload, crash or restart never loses them. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Draft } from '../shared/contract';
import { projectKey, readJson, writeJsonAtomic } from './user-data';

export class DraftStore {
  private readonly dir: string;

  constructor(dataDir: string, projectRoot: string) {
    this.dir = path.join(dataDir, 'drafts', projectKey(projectRoot));
  }

  private fileFor(relative: string): string {
    return path.join(this.dir, `${encodeURIComponent(relative)}.json`);
  }

  async put(relative: string, content: string): Promise<void> {
    const draft: Draft = { path: relative, content, at: Date.now() };
    await writeJsonAtomic(this.fileFor(relative), draft);
  }

  async drop(relative: string): Promise<void> {
    await fs.rm(this.fileFor(relative), { force: true });
  }

  async list(): Promise<Draft[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const drafts = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => readJson<Draft | null>(path.join(this.dir, n), null)));
    return drafts.filter((d): d is Draft => !!d && typeof d.path === 'string' && typeof d.content === 'string').sort((a, b) => a.path.localeCompare(b.path));
  }
}
