/**
 * The Kiln back end for one project, Electron-free: answers the contract's requests, owns the project
 * files and their watcher, supervises the game runner, and feeds the reload loop (reload-loop.ts).
 * Both shells reach it through a ProjectHost.
 */
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  requestSchemas,
  isRequestMethod,
  SOUND_FILE_MAX_BYTES,
  type EventName,
  type EventPayloads,
  type Frame,
  type ReloadTrigger,
  type GameSession,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  type PluginInfo,
} from '../shared/contract';
import type { KilnPaths } from './paths';
import { Project, ProjectError, readRegularFile } from './project';
import { DraftStore } from './drafts';
import { describeProfiles } from './compiler';
import { ProjectWatcher, type ProjectChange } from './project-watcher';
import { TrustStore } from './trust';
import { defaultDataDir } from './user-data';
import { ReloadLog } from './reload-log';
import { ReloadLoop } from './reload-loop';
import { GameLog } from './game-log';
import { nowMs, type RunnerLauncher } from './runner-protocol';
import type { HistoryCommand } from './runner-protocol';
import { RunnerSupervisor, type RunnerConfig } from './runner-supervisor';
import { LanguageService } from './lsp/language-service';
import { assetReloadEvent } from './asset-reload';
import { isImagePath } from '../shared/contract';
import { describeProblem, describeReport, ExportError, exportGame } from './export/export-game';

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
  /** Runner limits over kiln.json's (tests: a short watchdog or load timeout). */
  runner?: Pick<RunnerConfig, 'watchdogMs' | 'loadTimeoutMs' | 'memoryLimitMb' | 'frameSocket' | 'sound'>;
}

export type BackendEvents = { [E in EventName]: [EventPayloads[E]] } & { frame: [Frame] };


export class KilnBackend extends EventEmitter<BackendEvents> {
  readonly supervisor: RunnerSupervisor;
  private readonly loop: ReloadLoop;
  private readonly watcher: ProjectWatcher;
  private readonly writes = new Map<string, Promise<unknown>>();
  /** Numbers the game's lines and folds repeats into a count before they reach the UI. */
  private readonly gameLog = new GameLog((m) => this.emit('game-log', m));
  /** C completion, hover, go to definition and as-you-type diagnostics (clangd, started on the first C buffer). */
  readonly language: LanguageService;
  private started = false;

  private constructor(
    readonly project: Project,
    private readonly paths: KilnPaths,
    launcher: RunnerLauncher,
    private readonly trust: TrustStore,
    private readonly drafts: DraftStore,
    runner: BackendOptions['runner'] = {},
  ) {
    super();
    this.supervisor = new RunnerSupervisor(launcher, {
      width: project.config.width,
      height: project.config.height,
      workDir: project.workDir,
      libkiln: paths.libkiln,
      memoryLimitMb: project.config.runner.memoryLimitMb,
      historyMb: project.config.history.memoryMb,
      projectDir: project.root,
      ...runner,
    });
    this.loop = new ReloadLoop(project, paths, this.supervisor, new ReloadLog(path.join(project.workDir, 'reload-log.jsonl')));
    this.loop.on('reload', (e) => this.emit('reload', e));
    this.loop.on('status', (s) => this.emit('status', s));
    this.loop.on('versions', () => this.emit('session', this.session()));
    this.watcher = new ProjectWatcher(project.root, (change) => void this.onExternalChange(change));
    project.onWrite = (relative, content) => this.watcher.remember(relative, content);
    this.supervisor.on('session', () => this.emit('session', this.session()));
    this.supervisor.on('frame', (f) => this.emit('frame', f));
    this.supervisor.on('runner', (info) => this.emit('runner', info));
    this.supervisor.on('log', (m) => this.gameLog.add(m));
    this.language = new LanguageService({
      root: project.root,
      workDir: project.workDir,
      kilnIncludeDir: paths.includeDir,
      extraFlags: () => (this.loop.enabled ? project.config.build.flags : []),
      onDiagnostics: (d) => this.emit('language-diagnostics', d),
    });
  }

  static async open(options: BackendOptions): Promise<KilnBackend> {
    const project = await Project.open(options.projectDir);
    await project.prepareWorkDir(); // no link or pipe in .kiln can redirect or block what Kiln writes there
    await fs.writeFile(path.join(project.workDir, '.gitignore'), '*\n').catch(() => undefined);
    const dataDir = options.dataDir ?? defaultDataDir();
    const trust = new TrustStore(dataDir, [path.join(options.paths.root, 'plugins')]);
    if (options.trustProject) await trust.trust(project.root);
    const backend = new KilnBackend(project, options.paths, options.launcher, trust, new DraftStore(dataDir, project.root), options.runner);
    backend.loop.enabled = await trust.isTrusted(project.root); // builds run only in a trusted project
    await backend.loop.log.load();
    return backend;
  }

  get isTrusted(): boolean {
    return this.loop.enabled;
  }

  /** Watch the project; if it is trusted, start the runner and build every plugin once. */
  async start(): Promise<void> {
    this.describeProfiles();
    await this.watcher.start();
    if (!this.loop.enabled) {
      this.loop.setStatus({ state: 'waiting', message: `${this.project.name} is not trusted yet: building it runs its code — trust the project to build and run it` });
      return;
    }
    await this.startGame();
  }

  private async startGame(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.supervisor.start();
    this.loop.rebuildAll('startup');
  }

  /** Resolves when every queued build has finished (tests, CLI). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  async stop(): Promise<void> {
    this.loop.close(); // compilers die with the back end (their process groups are killed)
    this.gameLog.close();
    await this.language.stop();
    await this.watcher.close();
    await this.supervisor.stop();
    await this.loop.log.flush();
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
    'project.get': () => this.project.info(this.loop.versions, this.loop.enabled),
    'project.trust': async () => {
      await this.trust.trust(this.project.root);
      this.loop.enabled = true;
      await this.startGame();
      return this.project.info(this.loop.versions, true);
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
    'file.read': async ({ path: file }) => {
      const content = await this.project.readFile(file);
      if (this.loop.enabled) this.loop.opened(file);
      return { path: file, content };
    },
    'sound.read': async ({ path: file }) => this.readSound(file),
    'file.save': ({ path: file, content }) => this.save(file, content),
    'reload.history': async () => this.loop.log.history(),
    'status.get': async () => this.loop.status,
    'runner.get': async () => this.supervisor.runnerInfo,
    'game.input': async ({ key, down }) => {
      this.supervisor.input(key, down);
      return { ok: true };
    },
    'game.mouse': async ({ x, y, buttons }) => {
      this.supervisor.mouse(x, y, buttons);
      return { ok: true };
    },
    'game.pad': async ({ pad, connected, buttons, axes }) => {
      this.supervisor.pad(pad, connected, buttons, axes);
      return { ok: true };
    },
    'game.control': async ({ action }) => this.runnerCommand({ type: 'control', action }),
    'loop.control': async ({ action }) => this.runnerCommand({ type: 'loop', action }),
    'history.seek': async ({ frame }) => this.runnerCommand({ type: 'history', action: 'seek', frame }),
    'history.step': async ({ delta }) => this.runnerCommand({ type: 'history', action: 'step', delta }),
    'history.replay': async () => this.runnerCommand({ type: 'history', action: 'replay' }),
    'history.play': async () => this.runnerCommand({ type: 'history', action: 'play' }),
    'state.read': async () => {
      const reply = await this.supervisor.inspect({ action: 'read' });
      if (!reply.state) throw new RequestError(`state.read: ${reply.error ?? 'no answer'}`);
      return reply.state;
    },
    'state.write': async ({ plugin, field, index, value }) => {
      const reply = await this.supervisor.inspect({ action: 'write', plugin, field, index, value });
      return reply.write ?? { ok: false, reason: reply.error ?? 'the game runner gave no answer' };
    },
    'world.read': async ({ with: withComponent, selected }) => {
      const reply = await this.supervisor.inspectWorld({ action: 'read', with: withComponent, selected });
      if (!reply.view) throw new RequestError(`world.read: ${reply.error ?? 'no answer'}`);
      return reply.view;
    },
    'world.write': async ({ entity, component, field, index, value }) => {
      const reply = await this.supervisor.inspectWorld({ action: 'write', entity, component, field, index, value });
      return reply.write ?? { ok: false, reason: reply.error ?? 'the game runner gave no answer' };
    },
    'session.get': async () => this.session(),
    'build.reload': async ({ plugin }) => {
      if (!this.loop.enabled) throw new RequestError('refused: trust the project before building it');
      const names = plugin ? [this.loop.pluginConfig(plugin).name] : this.project.config.plugins.map((p) => p.name);
      for (const name of names) this.loop.enqueue(name, 'manual');
      return { rebuilding: names };
    },
    'build.profile': async ({ profile }) => {
      if (!this.loop.enabled) throw new RequestError('refused: trust the project before building it');
      this.loop.profile = profile;
      const rebuilding = this.loop.rebuildAll('manual');
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
    'language.open': async ({ path: file, text, version }) => {
      this.project.resolve(file); // only project files
      return this.language.open(file, text, version);
    },
    'language.change': async ({ path: file, text, version }) => {
      this.project.resolve(file);
      this.language.change(file, text, version);
      return { ok: true };
    },
    'language.close': async ({ path: file }) => {
      this.language.close(file);
      return { ok: true };
    },
    'language.completion': ({ path: file, line, column }) => this.languageRequest(() => this.language.completion(file, line, column)),
    'language.hover': ({ path: file, line, column }) => this.languageRequest(() => this.language.hover(file, line, column)),
    'language.signature': ({ path: file, line, column }) => this.languageRequest(() => this.language.signature(file, line, column)),
    'language.definition': ({ path: file, line, column }) => this.languageRequest(() => this.language.definition(file, line, column)),
    'language.header': ({ name }) => this.languageRequest(() => this.language.header(name)),
    'project.export': ({ target, dir }) => this.exportProject(target, dir),
  };

  /** Export (issue 14): the log says where the game went and how big it is, or which plugin and symbol stopped it. */
  private async exportProject(target: 'web' | 'native', dir: string | undefined): Promise<RequestResult<'project.export'>> {
    if (!this.loop.enabled) throw new RequestError('refused: trust the project before exporting it (the export compiles its code)');
    if (dir !== undefined && !path.isAbsolute(dir)) throw new RequestError(`export folder ${dir} is not an absolute path`);
    const say = (level: 'info' | 'error', text: string) => this.gameLog.add({ at: Date.now(), level, text });
    say('info', `export: building ${this.project.config.name} for ${target === 'web' ? 'the web' : 'a standalone program'}…`);
    try {
      const report = await exportGame({ project: this.project, paths: this.paths, target, dir });
      say('info', describeReport(this.project.config.name, report));
      return report;
    } catch (err) {
      if (!(err instanceof ExportError)) throw err;
      for (const p of err.problems) say('error', `export failed: ${describeProblem(p)}`);
      throw new RequestError(`export failed: ${err.message}`);
    }
  }

  /** A language answer, with "not open" and "no such header" as the UI's refusals rather than internal errors. */
  private async languageRequest<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new RequestError((err as Error).message);
    }
  }

  /** The running game for the UI: the runner's counters plus what the back end knows (versions, profile). */
  session(): GameSession {
    return { ...this.supervisor.session, versions: Object.fromEntries(this.loop.versions), profile: this.loop.profile, profileBuilds: this.profileBuilds };
  }

  /** Which compiler each profile uses here, for the toggle's tooltip: found in the background, announced once known. */
  private profileBuilds?: GameSession['profileBuilds'];
  private describeProfiles(): void {
    void describeProfiles(this.project.config.build.compiler).then((p) => {
      this.profileBuilds = p;
      this.emit('session', this.session());
    });
  }

  private async runnerCommand(
    command: { type: 'control'; action: 'pause' | 'resume' | 'step' | 'restart' } | { type: 'loop'; action: 'record' | 'play' | 'stop' } | ({ type: 'history' } & HistoryCommand),
  ): Promise<GameSession> {
    const reply = await this.supervisor.command(command);
    if (reply.error) throw new RequestError(`${command.type === 'loop' ? 'loop ' : ''}${command.action}: ${reply.error}`);
    return this.session();
  }

  private async announceProject(): Promise<void> {
    for (const p of this.project.config.plugins) if (!this.loop.versions.has(p.name)) this.loop.versions.set(p.name, null);
    this.emit('project', await this.project.info(this.loop.versions, this.loop.enabled));
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
    this.loop.versions.set(name, null);
    await this.announceProject();
    this.loop.enqueue(name, 'manual');
    return { name, sources: [source], version: null };
  }

  /** A sound file's bytes for the editor's player: confined to the project like every file request. */
  private async readSound(relative: string): Promise<RequestResult<'sound.read'>> {
    const abs = this.project.resolve(relative);
    const st = await fs.stat(abs).catch(() => null);
    if (!st) throw new RequestError(`sound file ${relative} not found in the project folder`);
    if (st.size > SOUND_FILE_MAX_BYTES) throw new RequestError(`sound file ${relative} is over 64 MiB: shorten it or use OGG`);
    const bytes = await readRegularFile(abs);
    return { path: relative, base64: bytes.toString('base64'), bytes: bytes.length, mtimeMs: st.mtimeMs };
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
    if (isImagePath(change.path)) {
      if (change.kind === 'added') await this.announceProject();
      await this.reloadImage(change.path); // art is not text: no file-changed, no rebuild
      return;
    }
    this.emit('file-changed', { path: change.path, content: change.content });
    if (change.kind === 'added') await this.announceProject();
    this.loop.rebuildFor(change.path, 'external-change', nowMs());
  }

  /** An image changed on disk: the game draws the new pixels from its next frame; the reload log says so. */
  private async reloadImage(relative: string): Promise<void> {
    const seenAt = nowMs();
    const asset = await this.supervisor.reloadAsset(relative);
    if (!asset) return; // not an image the game uses
    const event = this.loop.log.append(assetReloadEvent(asset, seenAt));
    this.emit('reload', event);
  }

  /** kiln.json changed: take the new settings if they are valid, otherwise keep the old ones and say why. */
  private async configChanged(trigger: ReloadTrigger): Promise<void> {
    try {
      await this.project.reloadConfig();
    } catch (err) {
      const message = `kiln.json was not applied: ${(err as Error).message}; the previous settings stay in force`;
      this.loop.setStatus({ state: 'error', message });
      this.gameLog.add({ at: Date.now(), level: 'error', text: message });
      await this.announceProject(); // its configProblem marks the line in the editor
      return;
    }
    this.loop.profile = this.project.config.build.profile;
    this.supervisor.resize(this.project.config.width, this.project.config.height); // the running game, at once
    this.describeProfiles();
    await this.announceProject();
    this.loop.rebuildAll(trigger);
  }

  async save(relative: string, content: string): Promise<RequestResult<'file.save'>> {
    const at = nowMs();
    if (relative === 'kiln.json') {
      // Saves of it are written in the order they arrived, so an older save never lands last.
      const previous = this.writes.get(relative) ?? Promise.resolve();
      const write = previous.catch(() => undefined).then(() => this.project.writeFile(relative, content));
      this.writes.set(relative, write);
      try {
        await write;
      } finally {
        if (this.writes.get(relative) === write) this.writes.delete(relative);
      }
      await this.configChanged('save');
      return { path: relative, bytes: Buffer.byteLength(content), rebuilding: this.project.config.plugins.map((p) => p.name) };
    }
    // The build starts first, with the saved bytes: its compile is on its way (a tcc one reads the bytes from its
    // request) while this turn writes the file, synchronously, so saves of a file land in the order they came. A
    // build that reads the disk waits for the write; none loads before it has ended, and a failed write drops them
    // (compiler.ts, SavedSource).
    let settle!: { ok: () => void; failed: (err: unknown) => void };
    const written = new Promise<void>((ok, failed) => (settle = { ok, failed }));
    written.catch(() => undefined); // the builds take it; the save's answer says what went wrong
    const rebuilding = this.loop.rebuildFor(relative, 'save', at, { file: this.project.resolve(relative), content, written });
    try {
      this.project.writeFileNow(relative, content);
    } catch (err) {
      settle.failed(err);
      throw err;
    }
    settle.ok();
    return { path: relative, bytes: Buffer.byteLength(content), rebuilding };
  }


}

