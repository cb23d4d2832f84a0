/**
 * The Kiln back end, Electron-free: owns the project files, builds on save, supervises the game
 * runner, and keeps the reload log. Both shells (Electron main, web server) wrap one of these.
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  requestSchemas,
  isRequestMethod,
  type Diagnostic,
  type EventName,
  type EventPayloads,
  type Frame,
  type ReloadEvent,
  type ReloadStatus,
  type ReloadTrigger,
  type BuildProfile,
  type GameSession,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  type PluginInfo,
} from '../shared/contract';
import { BuildQueue, type QueuedBuild } from './build-queue';
import { compile, findCompilerFor, CompilerNotFoundError, type Compiler } from './compiler';
import type { KilnPaths } from './paths';
import { isInside, Project, ProjectError, type PluginConfig } from './project';
import { DraftStore } from './drafts';
import { ProjectWatcher, type ProjectChange } from './project-watcher';
import { TrustStore } from './trust';
import { defaultDataDir } from './user-data';
import { ReloadLog } from './reload-log';
import { nowMs, type CrashRollback, type RunnerLauncher } from './runner-protocol';
import { RunnerSupervisor } from './runner-supervisor';

export class RequestError extends Error {}

/** Requests that replace the open project: the ProjectHost above the back end answers them. */
export const hostMethods = ['project.create', 'project.open', 'project.recent'] as const;
export type HostMethod = (typeof hostMethods)[number];
export type BackendMethod = Exclude<RequestMethod, HostMethod>;
export function isHostMethod(method: RequestMethod): method is HostMethod {
  return (hostMethods as readonly string[]).includes(method);
}

export interface BackendOptions {
  projectDir: string;
  paths: KilnPaths;
  launcher: RunnerLauncher;
  /** The user's data folder (trusted folders, unsaved buffers); defaults to defaultDataDir(). */
  dataDir?: string;
  /** The user trusted this project explicitly (e.g. `--trust` on the command line): remember it and build. */
  trustProject?: boolean;
}

export type BackendEvents = { [E in EventName]: [EventPayloads[E]] } & { frame: [Frame] };

const KEEP_BUILDS_PER_PLUGIN = 3;

export class KilnBackend extends EventEmitter<BackendEvents> {
  readonly supervisor: RunnerSupervisor;
  private readonly log: ReloadLog;
  private readonly queue: BuildQueue;
  private readonly versions = new Map<string, number | null>();
  private buildCounter = 0;
  private status: ReloadStatus = { state: 'waiting', message: 'waiting for the first build' };
  private readonly watcher: ProjectWatcher;
  /** Project files each plugin's last build read (from the compiler's -MD output). */
  private readonly dependencies = new Map<string, Set<string>>();
  private profile: BuildProfile;

  private trusted = false;
  private readonly writes = new Map<string, Promise<unknown>>();
  /** plugin -> the highest version number ever loaded. */
  private readonly lastVersion = new Map<string, number>();
  /** plugin -> version just loaded whose first frame has not been drawn yet. */
  private readonly awaitingFirstFrame = new Map<string, number>();
  /** plugin -> the crash that hit a just-loaded version in its first frame. */
  private readonly crashedOnArrival = new Map<string, CrashRollback & { text: string }>();
  private started = false;

  private constructor(
    readonly project: Project,
    private readonly paths: KilnPaths,
    launcher: RunnerLauncher,
    private readonly trust: TrustStore,
    private readonly drafts: DraftStore,
  ) {
    super();
    this.log = new ReloadLog(path.join(project.workDir, 'reload-log.jsonl'));
    this.queue = new BuildQueue((b) => this.buildAndReload(b));
    this.supervisor = new RunnerSupervisor(launcher, {
      width: project.config.width,
      height: project.config.height,
      workDir: project.workDir,
      libkiln: paths.libkiln,
    });
    for (const p of project.config.plugins) this.versions.set(p.name, null);
    this.profile = project.config.build.profile;
    this.watcher = new ProjectWatcher(project.root, (change) => void this.onExternalChange(change));
    project.onWrite = (relative, content) => this.watcher.remember(relative, content);
    this.supervisor.on('session', () => this.emit('session', this.session()));
    this.supervisor.on('frame', (f) => this.emit('frame', f));
    this.supervisor.on('runner', (info) => this.emit('runner', info));
    this.supervisor.on('log', (m) => this.emit('game-log', m));
    this.supervisor.on('crash', (c) => this.onCrash(c.text, c.at, c.rollbacks));
    this.supervisor.on('restarted', (r) => this.onRunnerRestarted(r.reason, r.failed));
  }

  static async open(options: BackendOptions): Promise<KilnBackend> {
    const project = await Project.open(options.projectDir);
    await fs.mkdir(path.join(project.workDir, 'build'), { recursive: true });
    await fs.writeFile(path.join(project.workDir, '.gitignore'), '*\n').catch(() => undefined);
    const dataDir = options.dataDir ?? defaultDataDir();
    const trust = new TrustStore(dataDir, [path.join(options.paths.root, 'plugins')]);
    if (options.trustProject) await trust.trust(project.root);
    const backend = new KilnBackend(project, options.paths, options.launcher, trust, new DraftStore(dataDir, project.root));
    backend.trusted = await trust.isTrusted(project.root);
    await backend.log.load();
    return backend;
  }

  get isTrusted(): boolean {
    return this.trusted;
  }

  /** Watch the project; if it is trusted, start the runner and build every plugin once. */
  async start(): Promise<void> {
    await this.watcher.start();
    if (!this.trusted) {
      this.setStatus({ state: 'waiting', message: `${this.project.name} is not trusted yet: building it runs its code — trust the project to build and run it` });
      return;
    }
    await this.startGame();
  }

  private async startGame(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.supervisor.start();
    this.rebuildAll('startup');
  }

  /** Resolves when every queued build has finished (tests, CLI). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    await this.watcher.close();
    await this.supervisor.stop();
    await this.log.flush();
  }

  // ------------------------------------------------------------------ requests

  /**
   * What both transports call for a request: never throws, always answers. A refused request gets the
   * reason; an unexpected failure is reported as internal and logged, and the back end keeps serving.
   */
  async dispatch(method: unknown, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
    try {
      return { ok: true, result: await this.request(method, params) };
    } catch (err) {
      if (err instanceof RequestError) return { ok: false, error: err.message };
      console.error(`kiln: ${String(method)} failed: ${(err as Error).stack ?? err}`);
      return { ok: false, error: `internal error: ${(err as Error).message}` };
    }
  }

  /** The single entry for every request from the UI: validated against the contract, then handled. */
  async request(method: unknown, params: unknown): Promise<unknown> {
    if (!isRequestMethod(method)) throw new RequestError(`unknown request ${JSON.stringify(method)}`);
    const parsed = requestSchemas[method].safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RequestError(`bad ${method} request: ${issue.path.join('.') || 'params'}: ${issue.message}`);
    }
    try {
      if (isHostMethod(method)) throw new RequestError(`${method} opens another project: it is handled by the shell's ProjectHost`);
      const handler = this.handlers[method] as (params: unknown) => Promise<unknown>;
      return await handler(parsed.data);
    } catch (err) {
      if (err instanceof ProjectError) throw new RequestError(err.message);
      throw err;
    }
  }

  /** One handler per request of the contract; the mapped type makes a missing one a compile error. */
  private readonly handlers: { [M in BackendMethod]: (params: RequestParams<M>) => Promise<RequestResult<M>> } = {
    'project.get': () => this.project.info(this.versions, this.trusted),
    'project.trust': async () => {
      await this.trust.trust(this.project.root);
      this.trusted = true;
      await this.startGame();
      return this.project.info(this.versions, true);
    },
    'draft.put': async ({ path: file, content }) => {
      this.project.resolve(file); // only drafts of project files
      await this.drafts.put(file, content);
      return { ok: true };
    },
    'draft.drop': async ({ path: file }) => {
      await this.drafts.drop(file);
      return { ok: true };
    },
    'draft.list': () => this.drafts.list(),
    'file.read': async ({ path: file }) => ({ path: file, content: await this.project.readFile(file) }),
    'file.save': ({ path: file, content }) => this.save(file, content),
    'reload.history': async () => this.log.history(),
    'status.get': async () => this.status,
    'runner.get': async () => this.supervisor.runnerInfo,
    'game.input': async ({ key, down }) => {
      this.supervisor.input(key, down);
      return { ok: true };
    },
    'game.mouse': async ({ x, y, buttons }) => {
      this.supervisor.mouse(x, y, buttons);
      return { ok: true };
    },
    'game.control': async ({ action }) => this.runnerCommand({ type: 'control', action }),
    'loop.control': async ({ action }) => this.runnerCommand({ type: 'loop', action }),
    'session.get': async () => this.session(),
    'build.reload': async ({ plugin }) => {
      if (!this.trusted) throw new RequestError('refused: trust the project before building it');
      const names = plugin ? [this.pluginConfig(plugin).name] : this.project.config.plugins.map((p) => p.name);
      for (const name of names) this.queue.enqueue({ plugin: name, trigger: 'manual', at: nowMs() });
      return { rebuilding: names };
    },
    'build.profile': async ({ profile }) => {
      if (!this.trusted) throw new RequestError('refused: trust the project before building it');
      this.profile = profile;
      const rebuilding = this.rebuildAll('manual');
      this.emit('session', this.session());
      return { profile, rebuilding };
    },
    'file.create': async ({ path: file, content }) => {
      await this.project.createFile(file, content);
      await this.announceProject();
      return { path: file };
    },
    'file.rename': async ({ from, to }) => {
      const content = await this.project.readFile(from);
      this.watcher.remember(to, content);
      await this.project.renameFile(from, to);
      await this.announceProject();
      return { from, to };
    },
    'file.delete': async ({ path: file }) => {
      await this.project.deleteFile(file);
      await this.announceProject();
      return { path: file };
    },
    'plugin.create': async ({ name }) => this.createPlugin(name),
  };

  /** The running game for the UI: the runner's counters plus what the back end knows (versions, profile). */
  session(): GameSession {
    return { ...this.supervisor.session, versions: Object.fromEntries(this.versions), profile: this.profile };
  }

  private async runnerCommand(
    command: { type: 'control'; action: 'pause' | 'resume' | 'step' | 'restart' } | { type: 'loop'; action: 'record' | 'play' | 'stop' },
  ): Promise<GameSession> {
    const reply = await this.supervisor.command(command);
    if (reply.error) throw new RequestError(`${command.type === 'loop' ? 'loop ' : ''}${command.action}: ${reply.error}`);
    return this.session();
  }

  private rebuildAll(trigger: ReloadTrigger): string[] {
    if (!this.trusted) return [];
    const names = this.project.config.plugins.map((p) => p.name);
    for (const name of names) this.queue.enqueue({ plugin: name, trigger, at: nowMs() });
    return names;
  }

  private async announceProject(): Promise<void> {
    for (const p of this.project.config.plugins) if (!this.versions.has(p.name)) this.versions.set(p.name, null);
    this.emit('project', await this.project.info(this.versions, this.trusted));
  }

  /** A new plugin from plugins/templates/plugin.c: the source appears, kiln.json lists it, it builds and runs. */
  private async createPlugin(name: string): Promise<PluginInfo> {
    if (this.project.config.plugins.some((p) => p.name === name)) throw new RequestError(`refused: a plugin named ${name} already exists`);
    const source = `${name}.c`;
    const template = await fs.readFile(path.join(this.paths.root, 'plugins', 'templates', 'plugin.c'), 'utf8');
    const content = template.split('{{name}}').join(name);
    await this.project.createFile(source, content);
    await this.project.editConfig((json) => {
      json.plugins.push({ name, sources: [source] });
    });
    this.versions.set(name, null);
    await this.announceProject();
    if (this.trusted) this.queue.enqueue({ plugin: name, trigger: 'manual', at: nowMs() });
    return { name, sources: [source], version: null };
  }

  private async onExternalChange(change: ProjectChange): Promise<void> {
    if (change.path === 'kiln.json') {
      if (change.kind === 'removed') return;
      await this.configChanged('external-change');
      return;
    }
    if (change.kind === 'removed') {
      this.emit('file-removed', { path: change.path });
      await this.announceProject();
      return;
    }
    this.emit('file-changed', { path: change.path, content: change.content });
    if (change.kind === 'added') await this.announceProject();
    this.rebuildFor(change.path, 'external-change', nowMs());
  }

  /** kiln.json changed: take the new settings if they are valid, otherwise keep the old ones and say why. */
  private async configChanged(trigger: ReloadTrigger): Promise<void> {
    try {
      await this.project.reloadConfig();
    } catch (err) {
      const message = `kiln.json was not applied: ${(err as Error).message}; the previous settings stay in force`;
      this.setStatus({ state: 'error', message });
      this.emit('game-log', { at: Date.now(), level: 'error', text: message });
      return;
    }
    this.profile = this.project.config.build.profile;
    await this.announceProject();
    this.rebuildAll(trigger);
  }

  async save(relative: string, content: string): Promise<RequestResult<'file.save'>> {
    const at = nowMs();
    // Saves of one file are written in the order they arrived, so an older save never lands last.
    const previous = this.writes.get(relative) ?? Promise.resolve();
    const write = previous.catch(() => undefined).then(() => this.project.writeFile(relative, content));
    this.writes.set(relative, write);
    try {
      await write;
    } finally {
      if (this.writes.get(relative) === write) this.writes.delete(relative);
    }
    if (relative === 'kiln.json') {
      await this.configChanged('save');
      return { path: relative, bytes: Buffer.byteLength(content), rebuilding: this.project.config.plugins.map((p) => p.name) };
    }
    const rebuilding = this.rebuildFor(relative, 'save', at);
    return { path: relative, bytes: Buffer.byteLength(content), rebuilding };
  }

  /** Queue a rebuild of every plugin a changed file belongs to; returns their names. */
  rebuildFor(relative: string, trigger: ReloadTrigger, at: number): string[] {
    if (!this.trusted) return [];
    const affected = this.pluginsReading(relative);
    for (const name of affected) this.queue.enqueue({ plugin: name, trigger, at });
    return affected;
  }

  /**
   * Plugins that must rebuild when `relative` changes: its owner, and every plugin whose last build
   * read it (a shared header). A plugin never built yet might read anything, so a header rebuilds it too.
   */
  pluginsReading(relative: string): string[] {
    return this.project.config.plugins
      .filter((p) => {
        if (p.sources.some((src) => path.posix.normalize(src) === relative)) return true;
        const deps = this.dependencies.get(p.name);
        return deps ? deps.has(relative) : relative.endsWith('.h');
      })
      .map((p) => p.name);
  }


  // ------------------------------------------------------------------ the reload loop

  private setStatus(status: ReloadStatus): void {
    this.status = status;
    this.emit('status', status);
  }

  private record(event: Omit<ReloadEvent, 'id'>): ReloadEvent {
    const full = this.log.append(event);
    this.emit('reload', full);
    return full;
  }

  private pluginConfig(name: string): PluginConfig {
    const plugin = this.project.config.plugins.find((p) => p.name === name);
    if (!plugin) throw new Error(`no plugin named ${name}`);
    return plugin;
  }

  private async buildAndReload(build: QueuedBuild): Promise<void> {
    const plugin = this.pluginConfig(build.plugin);
    const base = { plugin: plugin.name, trigger: build.trigger, at: Math.round(build.at), savesFolded: build.savesFolded || undefined };
    const current = () => this.versions.get(plugin.name) ?? null;
    this.setStatus({ state: 'building', plugin: plugin.name, version: current(), message: `building ${plugin.name}` });

    let compiler: Compiler;
    try {
      compiler = await findCompilerFor(plugin.sources, this.project.config.build.compiler);
    } catch (err) {
      const message = err instanceof CompilerNotFoundError ? err.message : String(err);
      this.record({ ...base, version: current(), outcome: 'compile-error', timings: {}, diagnostics: [], message });
      this.setStatus({ state: 'error', plugin: plugin.name, version: current(), message });
      return;
    }

    const buildNo = ++this.buildCounter;
    const buildDir = path.join(this.project.workDir, 'build');
    const ext = process.platform === 'win32' ? '.dll' : '.so';
    const output = path.join(buildDir, `${plugin.name}-b${buildNo}${ext}`);
    const tmpOutput = path.join(buildDir, `${plugin.name}-b${buildNo}.tmp${ext}`);
    const sources = plugin.sources.map((s) => this.project.resolve(s));
    const result = await compile({
      compiler,
      sources,
      output: tmpOutput,
      includeDirs: [this.paths.includeDir, this.project.root],
      profile: this.profile,
      extraFlags: this.project.config.build.flags,
      cwd: this.project.root,
    });
    const compilerLabel = `${compiler.command.join(' ')} (${compiler.version})`;
    const inProject = result.dependencies.filter((d) => isInside(this.project.root, d)).map((d) => this.project.relative(d));
    if (inProject.length) this.dependencies.set(plugin.name, new Set(inProject));
    const diagnostics = result.diagnostics.map((d) => this.mapDiagnostic(d));
    const compileMs = round(result.ms);
    if (!result.ok) {
      await fs.rm(tmpOutput, { force: true });
      const first = diagnostics.find((d) => d.severity === 'error');
      const message = first ? `${first.file}:${first.line}:${first.column}: ${first.message}` : 'compile failed';
      this.record({ ...base, version: current(), outcome: 'compile-error', compiler: compilerLabel, flags: result.flags, timings: { compileMs }, diagnostics, message: `compile error — ${message}; the previous version keeps running` });
      this.setStatus({ state: 'error', plugin: plugin.name, version: current(), message: `compile error: ${message}` });
      return;
    }
    await fs.rename(tmpOutput, output); // the runner only ever sees a complete image

    this.setStatus({ state: 'loading', plugin: plugin.name, version: current(), message: `loading ${plugin.name}` });
    this.supervisor.ensureRunning();
    // Version numbers are never reused: one that crashed on arrival still names that build.
    const version = Math.max(current() ?? 0, this.lastVersion.get(plugin.name) ?? 0) + 1;
    // Set before the load is sent: the new code's first frame (and a crash in it) can arrive with the reply.
    this.awaitingFirstFrame.set(plugin.name, version);
    const loaded = await this.supervisor.load(plugin.name, output, version);
    const loadMs = round(loaded.loadMs);
    if (!loaded.ok) {
      this.awaitingFirstFrame.delete(plugin.name);
      const message = `load error — ${loaded.error}; the previous version keeps running`;
      this.record({ ...base, version: current(), outcome: 'load-error', compiler: compilerLabel, flags: result.flags, timings: { compileMs, loadMs }, diagnostics, message });
      this.setStatus({ state: 'error', plugin: plugin.name, version: current(), message });
      return;
    }
    const previous = current();
    this.lastVersion.set(plugin.name, version);
    this.versions.set(plugin.name, version);
    const firstFrameAt = await loaded.firstFrameAt;
    this.awaitingFirstFrame.delete(plugin.name);
    const crash = this.crashedOnArrival.get(plugin.name);
    this.crashedOnArrival.delete(plugin.name);
    if (crash) {
      // The new code crashed in its very first frame: one log entry says so, and names what runs now.
      const running = crash.running > 0 ? crash.running : null;
      this.versions.set(plugin.name, running ?? previous);
      const message = running ? `${crash.text}` : `${crash.text} (v${version} is paused until a build that runs)`;
      this.record({ ...base, version: running, outcome: 'crash-rolled-back', compiler: compilerLabel, flags: result.flags, timings: { compileMs, loadMs }, diagnostics, message });
      this.setStatus({ state: 'error', plugin: plugin.name, version: running, message });
      return;
    }
    const timings = {
      compileMs,
      loadMs,
      firstFrameMs: firstFrameAt !== null ? round(firstFrameAt - build.at) : undefined,
      totalMs: round(nowMs() - build.at),
    };
    const outcome = loaded.stateAction === 'reset' ? 'state-reset' : loaded.stateAction === 'migrated' ? 'state-migrated' : 'ok';
    const stateWords = { new: 'fresh state', kept: 'state kept', restored: 'state restored from disk', reset: 'state layout changed: state reset', migrated: 'state layout changed: state migrated' }[loaded.stateAction];
    this.record({ ...base, version, outcome, compiler: compilerLabel, flags: result.flags, timings, diagnostics, message: `${plugin.name} v${version} running (${stateWords})` });
    this.setStatus({ state: 'ok', plugin: plugin.name, version, message: `${plugin.name} v${version} running` });
    void this.pruneBuilds(plugin.name, output);
  }

  private mapDiagnostic(d: Diagnostic): Diagnostic {
    const abs = path.resolve(this.project.root, d.file);
    const inside = !path.relative(this.project.root, abs).startsWith('..');
    return { ...d, file: inside ? this.project.relative(abs) : abs };
  }

  /** A plugin crashed while the game ran: libkiln rolled it back (or paused it). Record what runs now. */
  private onCrash(text: string, at: number, rollbacks: CrashRollback[]): void {
    for (const r of rollbacks) {
      if (this.awaitingFirstFrame.get(r.plugin) === r.crashed) {
        this.crashedOnArrival.set(r.plugin, { ...r, text }); // its reload records it, as one entry
        continue;
      }
      const running = r.running > 0 ? r.running : null;
      if (running !== null) this.versions.set(r.plugin, running);
      const message = running !== null ? text : `${text} (nothing earlier to roll back to: paused until a build that runs)`;
      this.record({ plugin: r.plugin, version: running, trigger: 'crash', outcome: 'crash-rolled-back', at, timings: {}, diagnostics: [], message });
      this.setStatus({ state: 'error', plugin: r.plugin, version: running, message });
    }
    if (rollbacks.length) this.emit('session', this.session());
  }

  private onRunnerRestarted(reason: string, failed: Array<{ plugin: string; error: string }>): void {
    for (const plugin of this.project.config.plugins) {
      const failure = failed.find((f) => f.plugin === plugin.name);
      const version = this.versions.get(plugin.name) ?? null;
      if (version === null) continue;
      this.record({
        plugin: plugin.name,
        version,
        trigger: 'runner-restart',
        outcome: 'runner-restarted',
        at: Date.now(),
        timings: {},
        diagnostics: [],
        message: failure ? `game runner restarted (${reason}) but ${plugin.name} failed to load: ${failure.error}` : `game runner restarted (${reason}); ${plugin.name} v${version} running with its saved state`,
      });
    }
  }

  /** Keep the last few builds of a plugin (the runner copies images, so older ones are only history). */
  private async pruneBuilds(plugin: string, keep: string): Promise<void> {
    const dir = path.dirname(keep);
    const entries = await fs.readdir(dir).catch(() => [] as string[]);
    const mine = entries
      .map((name) => ({ name, n: Number(new RegExp(`^${plugin}-b(\\d+)\\.(so|dll)$`).exec(name)?.[1]) }))
      .filter((e) => Number.isFinite(e.n))
      .sort((a, b) => b.n - a.n);
    for (const e of mine.slice(KEEP_BUILDS_PER_PLUGIN)) {
      const file = path.join(dir, e.name);
      if (file !== keep) await fs.rm(file, { force: true });
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
