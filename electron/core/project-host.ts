/**
 * The open project, and the switch to another: both shells talk to a ProjectHost, which holds one
 * KilnBackend at a time, forwards its events, and answers the requests that replace it (a new project
 * from a template, opening another folder, the recent list).
 */
import { EventEmitter } from 'node:events';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { eventNames, isRequestMethod, requestSchemas, type ProjectInfo, type RecentProject, type RequestParams } from '../shared/contract';
import { isHostMethod, KilnBackend, RequestError, type BackendEvents, type BackendOptions, type HostMethod } from './backend';
import { TrustStore } from './trust';
import { readJson, writeJsonAtomic } from './user-data';

export interface ProjectHostOptions extends Omit<BackendOptions, 'projectDir' | 'dataDir'> {
  dataDir: string;
}

const MAX_RECENT = 12;

export class ProjectHost extends EventEmitter<BackendEvents> {
  private current: KilnBackend | null = null;
  private switching: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ProjectHostOptions) {
    super();
  }

  get backend(): KilnBackend {
    if (!this.current) throw new Error('no project is open');
    return this.current;
  }

  /** Where new projects go: the user's data folder, never Kiln's own files. */
  get projectsDir(): string {
    return path.join(this.options.dataDir, 'projects');
  }

  /** Open `dir` (and start it); the previous project, if any, is stopped once the new one is up. */
  async open(dir: string, trustProject = this.options.trustProject): Promise<ProjectInfo> {
    const next = await KilnBackend.open({ ...this.options, projectDir: dir, dataDir: this.options.dataDir, trustProject });
    const previous = this.current;
    this.current = next;
    // Only the open project speaks: a stopping one's late events are dropped.
    const forward = next as unknown as EventEmitter;
    for (const event of [...eventNames, 'frame']) {
      forward.on(event, (payload: unknown) => {
        if (this.current === next) (this as unknown as EventEmitter).emit(event, payload);
      });
    }
    await previous?.stop();
    await next.start();
    const info = (await next.request('project.get', {})) as ProjectInfo;
    await this.remember(info);
    if (previous) this.emit('project-switched', info);
    return info;
  }

  async stop(): Promise<void> {
    await this.current?.stop();
    this.current = null;
  }

  /** Every request from either transport: never throws, always answers (see KilnBackend.dispatch). */
  async dispatch(method: unknown, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
    if (!isRequestMethod(method) || !isHostMethod(method)) return this.backend.dispatch(method, params);
    const parsed = requestSchemas[method].safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, error: `bad ${method} request: ${issue.path.join('.') || 'params'}: ${issue.message}` };
    }
    // One switch at a time: a second request waits for the first to finish.
    const result = this.switching.then(() => this.handle(method, parsed.data as never));
    this.switching = result.catch(() => undefined);
    try {
      return { ok: true, result: await result };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }

  private async handle(method: HostMethod, params: never): Promise<unknown> {
    switch (method) {
      case 'project.create': {
        const { name, template } = params as RequestParams<'project.create'>;
        return this.create(name, template);
      }
      case 'project.open': {
        const { dir } = params as RequestParams<'project.open'>;
        if (!path.isAbsolute(dir)) throw new RequestError(`refused: ${dir} is not an absolute path — give the project folder's full path`);
        if (!existsSync(path.join(dir, 'kiln.json'))) throw new RequestError(`${dir} holds no kiln.json — a Kiln project is a folder with one`);
        return this.open(dir, false);
      }
      case 'project.recent':
        return this.recent();
    }
  }

  /** A new project folder from plugins/templates/<template> (or the pong example), trusted and opened. */
  private async create(name: string, template: 'empty' | 'pong'): Promise<ProjectInfo> {
    const folder = name.trim().replace(/\s+/g, '-').toLowerCase();
    const dir = path.join(this.projectsDir, folder);
    if (existsSync(dir)) throw new RequestError(`refused: ${dir} already exists — choose another name, or open it`);
    const root = this.options.paths.root;
    const source = template === 'pong' ? path.join(root, 'plugins', 'pong') : path.join(root, 'plugins', 'templates', 'empty');
    await fs.mkdir(this.projectsDir, { recursive: true });
    await fs.cp(source, dir, { recursive: true, filter: (s) => !s.includes(`${path.sep}.kiln`) });
    for (const file of await fs.readdir(dir)) {
      const abs = path.join(dir, file);
      if (!/\.(c|h|json)$/.test(file)) continue;
      const text = await fs.readFile(abs, 'utf8');
      const named = file === 'kiln.json' ? text.replace(/"name": "[^"]*"/, `"name": ${JSON.stringify(name)}`) : text.split('{{name}}').join(name);
      await fs.writeFile(abs, named);
    }
    // Kiln wrote every file of it from its own templates: nothing to ask the user to trust.
    await new TrustStore(this.options.dataDir).trust(await fs.realpath(dir));
    return this.open(dir);
  }

  private get recentFile(): string {
    return path.join(this.options.dataDir, 'recent-projects.json');
  }

  async recent(): Promise<RecentProject[]> {
    const list = await readJson<RecentProject[]>(this.recentFile, []);
    return Array.isArray(list) ? list.filter((p) => p && typeof p.root === 'string' && existsSync(p.root)) : [];
  }

  private async remember(info: ProjectInfo): Promise<void> {
    const list = (await this.recent()).filter((p) => p.root !== info.root);
    list.unshift({ name: info.name, root: info.root, openedAt: Date.now() });
    await writeJsonAtomic(this.recentFile, list.slice(0, MAX_RECENT)).catch(() => undefined);
  }
}

