/**
 * The reload loop: save -> build -> load -> first frame, one plugin at a time, recorded in the reload
 * log. Owns the version numbers, the build queue, what each build read, and what a crash rolled back to.
 * KilnBackend feeds it changes and forwards what it says; it never talks to the UI itself.
 */
import { EventEmitter } from 'node:events';
import { promises as fs, renameSync } from 'node:fs';
import path from 'node:path';
import type { BuildProfile, CrashRecord, Diagnostic, ReloadEvent, ReloadHops, ReloadStatus, ReloadTrigger } from '../shared/contract';
import { symbolizeCrash } from './crash-site';
import { BuildQueue, type QueuedBuild } from './build-queue';
import { compile, CompilerNotFoundError, findCompilerFor, knownCompilerFor, prepareSplit, type CompileRequest, type Compiler, type SavedSource } from './compiler';
import type { KilnPaths } from './paths';
import { isInside, type PluginConfig, type Project } from './project';
import type { ReloadLog } from './reload-log';
import { nowMs } from './runner-protocol';
import type { RunnerSupervisor, SupervisorCrash } from './runner-supervisor';

const KEEP_BUILDS_PER_PLUGIN = 3;

interface ReloadLoopEvents {
  reload: [ReloadEvent];
  status: [ReloadStatus];
  /** Which version runs changed outside a reload (a crash rolled back). */
  versions: [];
}

/** How long a build or a load runs before the page is told (two display frames: a shorter one is never seen). */
const TRANSIENT_STATUS_MS = 30;

export class ReloadLoop extends EventEmitter<ReloadLoopEvents> {
  /** plugin -> version running now (null: never loaded). */
  readonly versions = new Map<string, number | null>();
  status: ReloadStatus = { state: 'waiting', message: 'waiting for the first build' };
  profile: BuildProfile;
  /** Builds run only when this is true (the project is trusted). */
  enabled = false;
  private readonly queue: BuildQueue;
  private buildCounter = 0;
  /** The file the editor opened last (project-relative), for prepareSplit. */
  private openedFile: string | undefined;
  /** Project files each plugin's last build read (from the compiler's -MD output). */
  private readonly dependencies = new Map<string, Set<string>>();
  /** plugin -> the highest version number ever loaded. */
  private readonly lastVersion = new Map<string, number>();
  /** plugin -> version just loaded whose first frame has not been drawn yet. */
  private readonly awaitingFirstFrame = new Map<string, number>();
  /** plugin -> the crash that hit a just-loaded version (its load, first frame, or the runner dying of it). */
  private readonly crashedOnArrival = new Map<string, SupervisorCrash>();
  /** Records waiting behind a crash that is being symbolized (the log keeps call order). */
  private recordChain: Promise<void> = Promise.resolve();
  private pendingRecords = 0;
  /** plugin@version -> the build output it was loaded from (a crash of that version is symbolized against it). */
  private readonly builtImages = new Map<string, string>();

  constructor(
    private readonly project: Project,
    private readonly paths: KilnPaths,
    private readonly supervisor: RunnerSupervisor,
    readonly log: ReloadLog,
  ) {
    super();
    this.queue = new BuildQueue((b) => this.buildAndReloadOrSay(b));
    this.profile = project.config.build.profile;
    for (const p of project.config.plugins) this.versions.set(p.name, null);
    supervisor.on('crash', (c) => this.onCrash(c));
    supervisor.on('restarted', (r) => this.onRunnerRestarted(r.reason, r.crashed, r.failed));
  }

  /** Resolves when every queued build has finished. */
  idle(): Promise<void> {
    return this.queue.idle().then(() => this.recordChain); // builds done, and their records (a crash's after addr2line) in the log
  }

  /** The back end stops: kill the compilers running now and build nothing more. */
  close(): void {
    this.queue.close();
  }

  /** Queue one plugin's build (a new plugin, reload now). */
  enqueue(plugin: string, trigger: ReloadTrigger): void {
    if (this.enabled) this.queue.enqueue({ plugin, trigger, at: nowMs() });
  }

  /** Queue a rebuild of every plugin. */
  rebuildAll(trigger: ReloadTrigger): string[] {
    if (!this.enabled) return [];
    const names = this.project.config.plugins.map((p) => p.name);
    for (const name of names) this.queue.enqueue({ plugin: name, trigger, at: nowMs() });
    return names;
  }

  /** Queue a rebuild of every plugin a changed file belongs to; returns their names. */
  /**
   * Builds every plugin reading `relative`. With `saved` (a save whose write may still be under way), a build that can
   * compile the saved bytes sends its compile before this returns; the others wait for the write (compiler.ts).
   */
  rebuildFor(relative: string, trigger: ReloadTrigger, at: number, saved?: SavedSource): string[] {
    if (!this.enabled) return [];
    const affected = this.pluginsReading(relative);
    for (const name of affected) this.queue.enqueue({ plugin: name, trigger, at, saved });
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

  /**
   * The status; 'building' and 'loading' are told only once they have lasted TRANSIENT_STATUS_MS (status.get answers
   * at once). A tcc save builds and loads in ~5-10 ms: its two statuses came and went within one display frame, yet
   * each cost the save's path 0.2-0.3 ms in the back end (every page's WebSocket) and a render of the page on the
   * cores the compiler and the game use (bench §9; docs/BENCHMARK.md).
   */
  setStatus(status: ReloadStatus): void {
    this.status = status;
    if (this.pendingStatus) clearTimeout(this.pendingStatus);
    this.pendingStatus = null;
    if (status.state === 'building' || status.state === 'loading') {
      this.pendingStatus = setTimeout(() => {
        this.pendingStatus = null;
        this.emit('status', status);
      }, TRANSIENT_STATUS_MS);
      this.pendingStatus.unref?.();
      return;
    }
    this.emit('status', status);
  }
  private pendingStatus: NodeJS.Timeout | null = null;

  /**
   * Appends to the log in call order. A crash with a stack is symbolized first (addr2line runs as a child process,
   * so the event loop keeps carrying frames); the records after it wait their turn so the log never reorders.
   */
  private record(event: Omit<ReloadEvent, 'id'>): void {
    const needsLines = !!event.crash?.stack && event.crash.line === undefined;
    if (!needsLines && this.pendingRecords === 0) {
      this.append(event);
      return;
    }
    this.pendingRecords++;
    const ready = needsLines ? this.symbolize(event.plugin, event.crash as CrashRecord).then((crash) => ({ ...event, crash })) : Promise.resolve(event);
    this.recordChain = this.recordChain
      .then(() => ready.catch(() => event)) // symbolizing is best effort: the raw stack stays in the record
      .then((e) => this.append(e))
      .finally(() => this.pendingRecords--);
  }

  private append(event: Omit<ReloadEvent, 'id'>): void {
    const full = this.log.append(event);
    this.emit('reload', full);
  }

  /** The crash's plugin frames as source lines, read from the build output of the version that crashed. */
  private symbolize(plugin: string, crash: CrashRecord): Promise<CrashRecord> {
    const image = this.builtImages.get(`${plugin}@${crash.crashedVersion}`);
    return symbolizeCrash(crash, image, (abs) => (isInside(this.project.root, abs) ? this.project.relative(abs) : null));
  }

  pluginConfig(name: string): PluginConfig {
    const plugin = this.project.config.plugins.find((p) => p.name === name);
    if (!plugin) throw new Error(`no plugin named ${name}`);
    return plugin;
  }

  /** A bug in Kiln during a build or reload is an entry of its own and an error status, never a badge stuck on "building". */
  private async buildAndReloadOrSay(build: QueuedBuild): Promise<void> {
    try {
      await this.buildAndReload(build);
    } catch (err) {
      this.awaitingFirstFrame.delete(build.plugin);
      const version = this.versions.get(build.plugin) ?? null;
      const message = `internal error while building ${build.plugin}: ${(err as Error).message} — a bug in Kiln; the previous version keeps running, save again to retry`;
      console.error(`kiln: ${message}\n${(err as Error).stack ?? ''}`);
      this.record({ plugin: build.plugin, version, trigger: build.trigger, outcome: 'internal-error', at: Math.round(build.at), timings: {}, diagnostics: [], message });
      this.setStatus({ state: 'error', plugin: build.plugin, version, message });
    }
  }

  private async buildAndReload(build: QueuedBuild): Promise<void> {
    const buildStartAt = nowMs();
    const plugin = this.pluginConfig(build.plugin);
    const base = { plugin: plugin.name, trigger: build.trigger, at: Math.round(build.at), savesFolded: build.savesFolded || undefined };
    const current = () => this.versions.get(plugin.name) ?? null;
    this.setStatus({ state: 'building', plugin: plugin.name, version: current(), message: `building ${plugin.name}` });

    // Known already (every build after the first): no await, so a save's compile goes out before the save's write.
    let compiler = knownCompilerFor(plugin.sources, this.project.config.build.compiler, this.profile);
    if (!compiler) try {
      compiler = await findCompilerFor(plugin.sources, this.project.config.build.compiler, this.profile);
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
    // A split build's copy of the other units, named for this build and this back end: no library loaded in the runner has that name.
    const othersCopy = path.join(buildDir, `${plugin.name}-b${buildNo}-others-${process.pid}${ext}`);
    /** What a build that loads nothing leaves behind goes. */
    const discard = () => Promise.all([fs.rm(tmpOutput, { force: true }), fs.rm(othersCopy, { force: true })]);
    const compilerSpawnAt = nowMs();
    const result = await compile({ ...this.compileRequest(plugin, compiler, tmpOutput), signal: build.signal, split: { othersCopy }, saved: build.saved });
    const compilerExitAt = nowMs();
    if (build.saved && result.stopped !== 'cancelled') {
      // Built from the save's bytes, maybe while they were being written: nothing loads unless the save is on disk.
      const failed = await build.saved.written.then(
        () => null,
        (err: Error) => err,
      );
      if (failed) {
        await discard();
        const message = `${failed.message}; the previous version keeps running`;
        this.setStatus({ state: 'error', plugin: plugin.name, version: current(), message });
        return;
      }
    }
    if (result.stopped === 'cancelled') {
      // A newer save replaced this build (or the back end stops): it follows at once and counts this one's saves.
      build.cancelled();
      await discard();
      return;
    }
    const compilerLabel = `${compiler.command.join(' ')} (${compiler.version})`;
    const units = result.units && {
      compiled: result.units.filter((u) => u.compiled).map((u) => this.project.relative(u.source)),
      reused: result.units.filter((u) => !u.compiled && u.ok).length,
      linkMs: round(result.linkMs ?? 0),
      ...(result.split ? { split: true } : {}),
    };
    const inProject = result.dependencies.filter((d) => isInside(this.project.root, d)).map((d) => this.project.relative(d));
    if (inProject.length) this.dependencies.set(plugin.name, new Set(inProject));
    const diagnostics = result.diagnostics.map((d) => this.mapDiagnostic(d));
    const compileMs = round(result.ms);
    if (!result.ok) {
      await discard();
      const first = diagnostics.find((d) => d.severity === 'error');
      const message = first ? `${first.file}:${first.line}:${first.column}: ${first.message}` : 'compile failed';
      this.record({ ...base, version: current(), outcome: 'compile-error', compiler: compilerLabel, flags: result.flags, units, timings: { compileMs }, diagnostics, message: `compile error — ${message}; the previous version keeps running` });
      this.setStatus({ state: 'error', plugin: plugin.name, version: current(), message: `compile error: ${message}` });
      return;
    }
    renameSync(tmpOutput, output); // the runner only ever sees a complete image (sync: one syscall, no thread-pool round trip)
    const imageReadyAt = nowMs();

    this.setStatus({ state: 'loading', plugin: plugin.name, version: current(), message: `loading ${plugin.name}` });
    this.supervisor.ensureRunning();
    // Version numbers are never reused: one that crashed on arrival still names that build.
    const version = Math.max(current() ?? 0, this.lastVersion.get(plugin.name) ?? 0) + 1;
    // Set before the load is sent: the new code's first frame (and a crash in it) can arrive with the reply.
    this.awaitingFirstFrame.set(plugin.name, version);
    this.builtImages.set(`${plugin.name}@${version}`, output); // what a crash of this version is symbolized against
    const loadSentAt = nowMs();
    const loaded = await this.supervisor.load(plugin.name, output, version);
    const loadMs = round(loaded.loadMs);
    if (!loaded.ok) {
      this.awaitingFirstFrame.delete(plugin.name);
      const arrival = this.crashedOnArrival.get(plugin.name);
      this.crashedOnArrival.delete(plugin.name);
      const crash = loaded.crash ?? arrival?.crash;
      if (crash) {
        // Its constructors or entry crashed, or it killed the runner while loading: a crash of this version.
        this.lastVersion.set(plugin.name, version);
        const running = crash.runningVersion;
        this.versions.set(plugin.name, running);
        const message = loaded.crash ? loaded.error : arrival!.text;
        this.record({ ...base, version: running, outcome: 'crash-rolled-back', compiler: compilerLabel, flags: result.flags, timings: { compileMs, loadMs }, diagnostics, message, crash });
        this.setStatus({ state: 'error', plugin: plugin.name, version: running, message });
        this.emit('versions');
        return;
      }
      const message = `load error — ${loaded.error}; the previous version keeps running`;
      this.record({ ...base, version: current(), outcome: 'load-error', compiler: compilerLabel, flags: result.flags, timings: { compileMs, loadMs }, diagnostics, message });
      this.setStatus({ state: 'error', plugin: plugin.name, version: current(), message });
      return;
    }
    const previous = current();
    this.lastVersion.set(plugin.name, version);
    this.versions.set(plugin.name, version);
    const firstFrame = await loaded.firstFrame;
    this.awaitingFirstFrame.delete(plugin.name);
    const crash = this.crashedOnArrival.get(plugin.name);
    this.crashedOnArrival.delete(plugin.name);
    if (crash) {
      // The new code crashed in its very first frame: one log entry says so, and names what runs now.
      const running = crash.crash.runningVersion;
      this.versions.set(plugin.name, running ?? previous);
      const message = running ? crash.text : `${crash.text} (v${version} is paused until a build that runs)`;
      this.record({ ...base, version: running, outcome: 'crash-rolled-back', compiler: compilerLabel, flags: result.flags, timings: { compileMs, loadMs }, diagnostics, message, crash: crash.crash });
      this.setStatus({ state: 'error', plugin: plugin.name, version: running, message });
      this.emit('versions');
      return;
    }
    const since = (t: number | undefined) => (t === undefined ? undefined : round(t - build.at));
    const hops: ReloadHops = {
      buildStartMs: since(buildStartAt)!,
      compilerSpawnMs: since(compilerSpawnAt)!,
      compilerExitMs: since(compilerExitAt)!,
      imageReadyMs: since(imageReadyAt)!,
      loadSentMs: since(loadSentAt)!,
      runnerLoadStartMs: since(loaded.clock.startedAt),
      runnerLoadDoneMs: since(loaded.clock.doneAt),
      loadReplyMs: since(loaded.clock.replyAt),
      firstFrameMs: since(firstFrame?.at),
      frameSentMs: since(firstFrame?.sentAt),
    };
    const timings = { compileMs, loadMs, firstFrameMs: hops.firstFrameMs, totalMs: round(nowMs() - build.at), hops };
    const outcome = loaded.stateAction === 'reset' ? 'state-reset' : loaded.stateAction === 'migrated' ? 'state-migrated' : 'ok';
    const stateWords = { new: 'fresh state', kept: 'state kept', restored: 'state restored from disk', reset: 'state layout changed: state reset', migrated: 'state layout changed: state migrated' }[loaded.stateAction];
    const world = loaded.world?.length ? { world: loaded.world } : {};
    const migrated = loaded.world?.map((m) => `${m.component} migrated for ${m.entities} entities`).join(', ');
    this.record({ ...base, version, outcome, compiler: compilerLabel, flags: result.flags, units, timings, diagnostics, ...world, message: `${plugin.name} v${version} running (${stateWords}${migrated ? `; world: ${migrated}` : ''})` });
    this.setStatus({ state: 'ok', plugin: plugin.name, version, message: `${plugin.name} v${version} running` });
    void this.pruneBuilds(plugin.name, output);
    if (this.openedFile) void this.prepareSplit(this.openedFile).catch(() => undefined);
  }

  /** What every build of `plugin` compiles, and how (its sources, folders, profile, flags and limits). */
  private compileRequest(plugin: PluginConfig, compiler: Compiler, output: string): CompileRequest {
    return {
      compiler,
      sources: plugin.sources.map((s) => this.project.resolve(s)),
      output,
      includeDirs: [this.paths.includeDir, this.project.root],
      profile: this.profile,
      extraFlags: this.project.config.build.flags,
      cwd: this.project.root,
      limits: { timeLimitSeconds: this.project.config.build.timeLimitSeconds, memoryLimitMb: this.project.config.build.memoryLimitMb },
    };
  }

  /** The editor opened `file` (project-relative): its first save can be a split build too (prepareSplit). */
  opened(file: string): void {
    this.openedFile = file;
    void this.prepareSplit(file).catch((err: Error) => console.warn(`kiln: preparing a split build of ${file}: ${err.message}`));
  }

  /**
   * When `file` is one of several C files of a plugin whose other objects are built, the library of those is linked
   * in the background, so the first save of `file` is a split build too. After each build, for the file the editor
   * opened last (its objects may not have been built when it was opened).
   */
  private async prepareSplit(file: string): Promise<void> {
    const abs = this.project.resolve(file);
    for (const plugin of this.project.config.plugins) {
      if (plugin.sources.length < 2 || !plugin.sources.some((s) => this.project.resolve(s) === abs)) continue;
      const compiler = await findCompilerFor(plugin.sources, this.project.config.build.compiler, this.profile).catch(() => null);
      if (compiler) prepareSplit(this.compileRequest(plugin, compiler, path.join(this.project.workDir, 'build', `${plugin.name}.so`)), abs);
    }
  }

  private mapDiagnostic(d: Diagnostic): Diagnostic {
    const abs = path.resolve(this.project.root, d.file);
    const inside = !path.relative(this.project.root, abs).startsWith('..');
    return { ...d, file: inside ? this.project.relative(abs) : abs };
  }

  /**
   * A plugin crashed: libkiln rolled it back (or paused it) inside the runner, or the runner died or hung
   * of it and the supervisor rolled it back. Record what runs now (the versions the UI shows live here).
   */
  private onCrash(c: SupervisorCrash): void {
    if (this.awaitingFirstFrame.get(c.plugin) === c.crash.crashedVersion) {
      this.crashedOnArrival.set(c.plugin, c); // its reload records it, as one entry
      return;
    }
    const running = c.crash.runningVersion;
    if (c.crash.callback !== 'destructor' && c.crash.kind !== 'thread') this.versions.set(c.plugin, running);
    const version = this.versions.get(c.plugin) ?? null;
    const message = running !== null || c.crash.callback === 'destructor' ? c.text : `${c.text} (nothing earlier to roll back to: paused until a build that runs)`;
    this.record({ plugin: c.plugin, version, trigger: 'crash', outcome: 'crash-rolled-back', at: c.at, timings: {}, diagnostics: [], message, crash: c.crash });
    this.setStatus({ state: 'error', plugin: c.plugin, version, message });
    this.emit('versions');
  }

  private onRunnerRestarted(reason: string, crashed: string[], failed: Array<{ plugin: string; error: string }>): void {
    for (const plugin of this.project.config.plugins) {
      if (crashed.includes(plugin.name)) continue; // its crash entry says what runs now
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
        message: failure ? `game runner restarted (${reason}) but ${plugin.name} failed to load: ${failure.error}` : `game runner restarted (${reason}); ${plugin.name} v${version} running with its saved state (the last committed frame)`,
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
    const removed = new Set<string>();
    for (const e of mine.slice(KEEP_BUILDS_PER_PLUGIN)) {
      const file = path.join(dir, e.name);
      if (file === keep) continue;
      await fs.rm(file, { force: true });
      removed.add(file);
    }
    // A crash of a version whose image is gone cannot be symbolized against it: the map stays as small as the folder.
    for (const [version, image] of this.builtImages) if (removed.has(image)) this.builtImages.delete(version);
    // A split build's copy of the others goes with its image (a restarted runner loads the image, and it, again).
    const kept = new Set(mine.slice(0, KEEP_BUILDS_PER_PLUGIN).map((e) => e.n));
    for (const name of entries) {
      const m = new RegExp(`^${plugin}-b(\\d+)-others-(\\d+)\\.so$`).exec(name);
      if (m && (!kept.has(Number(m[1])) || Number(m[2]) !== process.pid)) await fs.rm(path.join(dir, name), { force: true });
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
