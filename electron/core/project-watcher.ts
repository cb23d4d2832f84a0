/**
 * Notices files changed outside the editor (another editor, git checkout, a script). Kiln's own
 * writes are recognised by content and ignored, so a save is never built twice.
 */
import chokidar, { type FSWatcher } from 'chokidar';
import { createHash } from 'node:crypto';
import { lstatSync, promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { isInside, readRegularFile } from './project';

const OWN_WRITE_WINDOW_MS = 2000;

export type ProjectChange = { kind: 'changed' | 'added'; path: string; content: string } | { kind: 'removed'; path: string };

export class ProjectWatcher {
  private watcher: FSWatcher | null = null;
  /**
   * relative path -> contents Kiln wrote (hash, when). Several, because saves overlap the watcher's
   * reads; older ones expire, so an outside tool restoring an old version is still noticed. A save's own write
   * keeps its text and is hashed only when the watcher next looks (its echo, after the build has started): the
   * SHA-1 of a source was 0.15 ms on the save's path (docs/BENCHMARK.md, session 34).
   */
  private readonly known = new Map<string, Array<Written>>();

  constructor(
    private readonly root: string,
    private readonly onChange: (change: ProjectChange) => void,
  ) {}

  /** Tell the watcher what Kiln itself just wrote, so the echo is not taken for an outside change. */
  remember(relative: string, content: string): void {
    this.note(relative, { text: content, at: Date.now() });
  }

  private note(relative: string, written: Written): void {
    const now = Date.now();
    const list = (this.known.get(relative) ?? []).filter((k) => now - k.at < OWN_WRITE_WINDOW_MS);
    list.push(written);
    this.known.set(relative, list);
  }

  private isOwn(relative: string, h: string): boolean {
    const list = this.known.get(relative) ?? [];
    const now = Date.now();
    return list.some((k, i) => hashOf(k) === h && (i === list.length - 1 || now - k.at < OWN_WRITE_WINDOW_MS));
  }

  async start(): Promise<void> {
    const ignored = (p: string) => {
      const rel = path.relative(this.root, p);
      if (rel.split(path.sep).some((part) => part === '.kiln' || part === '.git' || part === 'node_modules') || /\.kiln-\d+-\d+\.tmp$/.test(p)) return true;
      return this.leadsOutside(p);
    };
    this.watcher = chokidar.watch(this.root, {
      ignored,
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: 30, pollInterval: 10 },
      depth: 6,
    });
    this.watcher.on('change', (abs) => void this.changed(abs));
    this.watcher.on('add', (abs) => {
      void this.changed(abs, true);
    });
    this.watcher.on('unlink', (abs) => {
      const rel = this.relative(abs);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return;
      this.known.delete(rel);
      this.onChange({ kind: 'removed', path: rel });
    });
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
  }

  private realRootCache: string | null = null;
  /** The project folder as realpath names it (the root itself may be reached through a link). */
  private realRoot(): string {
    if (this.realRootCache === null) {
      try {
        this.realRootCache = realpathSync(this.root);
      } catch {
        return this.root;
      }
    }
    return this.realRootCache;
  }

  private relative(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }

  /**
   * A symlink whose target is outside the project: not watched, so chokidar never descends into an
   * outside folder (the same confinement as Project.resolve; changed() checks again before reading).
   */
  private leadsOutside(p: string): boolean {
    try {
      if (!lstatSync(p).isSymbolicLink()) return false;
      return !isInside(this.realRoot(), realpathSync(p));
    } catch {
      return false; // gone: nothing to read
    }
  }

  private async changed(abs: string, added = false): Promise<void> {
    const rel = this.relative(abs);
    let content: string;
    try {
      // Only regular files inside the project: never an outside file reached through a link, and never a
      // FIFO, socket or device (opening those can block every file read of the back end).
      if (!isInside(this.realRoot(), await fs.realpath(abs))) return;
      content = (await readRegularFile(abs)).toString('utf8');
    } catch {
      return; // gone again already, or not a regular file
    }
    const h = hash(content);
    if (this.isOwn(rel, h)) return; // one of our own writes
    this.note(rel, { hash: h, at: Date.now() });
    this.onChange({ kind: added ? 'added' : 'changed', path: rel, content });
  }
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** One version of a file Kiln knows of: its hash, or until it is first compared, the text Kiln saved. */
interface Written {
  at: number;
  hash?: string;
  text?: string;
}

/** The version's hash, computed on first use; its text goes then (the map keeps 40 characters per version). */
function hashOf(k: Written): string {
  if (k.hash === undefined) {
    k.hash = hash(k.text ?? '');
    k.text = undefined;
  }
  return k.hash;
}
