/**
 * The one contract between the renderer (UI) and the back end.
 *
 * Every request, its result, every event, and the binary frame format live here.
 * The web bridge (WebSocket), the Electron preload (IPC) and the back end are all
 * typed against this file; nothing else names a channel string.
 *
 * This file runs in every world (browser, Node, Electron preload): it imports
 * nothing but zod.
 */
import { z } from 'zod';
import { soundWaves, type SoundWave } from './sound-command';

// ---------------------------------------------------------------- domain types

/** What the status badge shows, in words. */
export const reloadStates = ['waiting', 'building', 'loading', 'ok', 'error'] as const;
export type ReloadState = (typeof reloadStates)[number];

/** What started an entry of the log: `crash` is a plugin that crashed while the game ran; `asset` an image file the game draws changed on disk (the entry's `plugin` is then the file's project path, its `asset` the record). */
export const reloadTriggers = ['startup', 'save', 'manual', 'external-change', 'runner-restart', 'crash', 'asset'] as const;
export type ReloadTrigger = (typeof reloadTriggers)[number];

export const reloadOutcomes = [
  'ok',
  'compile-error',
  'load-error',
  'crash-rolled-back',
  'state-migrated',
  'state-reset',
  'runner-restarted',
  /** Kiln itself failed during a build or reload (a bug in Kiln, not in the game): the message says what. */
  'internal-error',
] as const;
export type ReloadOutcome = (typeof reloadOutcomes)[number];

/** The outcomes after which the new code runs; every other outcome leaves the previous version (or none) running. */
export const loadedOutcomes = ['ok', 'state-migrated', 'state-reset', 'runner-restarted'] as const satisfies readonly ReloadOutcome[];

/** Which code was running when a crash happened (libkiln's kiln_callback), or `runner` for a runner process that died or hung. */
export const crashCallbacks = ['init', 'update', 'draw', 'on_reload', 'migrate', 'shutdown', 'entry', 'constructor', 'destructor', 'runner'] as const;
export type CrashCallback = (typeof crashCallbacks)[number];

/**
 * How it failed: `signal` a fault caught in the runner (signal, address), `watchdog` a callback stopped after
 * watchdogMs, `thread` a thread the plugin left running, `runner-died` the runner process died (exit code or
 * signal) while the version was on probation, `runner-hung` the runner stopped making progress, `load-timeout`
 * the image's constructors or dlopen never returned.
 */
export const faultKinds = ['signal', 'watchdog', 'thread', 'runner-died', 'runner-hung', 'load-timeout'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** The state the game went on with after a crash. */
export const crashStates = ['frame-start', 'before-version', 'last-commit', 'reset', 'kept'] as const;
export type CrashState = (typeof crashStates)[number];

/** A crash as a record (libkiln's kiln_crash, or the supervisor's verdict on a runner death): the UI renders these fields. */
export interface CrashRecord {
  callback: CrashCallback;
  kind: FaultKind;
  /** 'SIGSEGV', 'SIGABRT', ... or null (watchdog, exit code). */
  signal: string | null;
  /** Fault address as hex ('0x0'), when the fault had one. */
  address?: string;
  /** The runner's exit code, for runner-died by exit(). */
  exitCode?: number;
  watchdogMs?: number;
  crashedVersion: number;
  /** The version that runs now; null: the plugin is paused (nothing earlier to roll back to). */
  runningVersion: number | null;
  /** frame-start: as at the start of the crashed frame; before-version: as before the crashed version was swapped in; last-commit: the last completed frame. */
  state: CrashState;
  /**
   * Where it crashed (guard faults and watchdog stops; a runner that died or hung has no pc): the plugin's own
   * line — the faulting instruction, or for a fault inside libc or the host the last plugin frame on the stack.
   * `file` is project-relative (posix separators), `line` 1-based.
   */
  file?: string;
  line?: number;
  function?: string;
  /** Innermost first: [0] is the faulting instruction, then return addresses. */
  stack?: CrashFrame[];
  /** What the faulting instruction did, for SIGSEGV / SIGBUS. */
  access?: CrashAccess;
  /** The fault in words: "writing address 0x0: a NULL pointer", "stack overflow", ... */
  fault?: string;
}

export const crashAccesses = ['read', 'write', 'execute'] as const;
export type CrashAccess = (typeof crashAccesses)[number];

/** One stack entry of a crash: where it lies in a loaded image and, once symbolized, its source line. */
export interface CrashFrame {
  /** The image file: the plugin's build output for its own frames, else the library's path as loaded. */
  image: string;
  /** Offset in the image, hex ('0x4b8'): what addr2line takes. */
  offset: string;
  /** In the crashed plugin's own code. */
  plugin?: boolean;
  /**
   * In the plugin's other units of a split build (a save that recompiled one C file links only that file, against
   * a copy of the rest): `image` is that copy, symbolized as it is.
   */
  splitBase?: boolean;
  file?: string;
  line?: number;
  function?: string;
}

export type Severity = 'error' | 'warning' | 'note';

/** A compiler message mapped to a project file (path relative to the project root, posix separators). */
export interface Diagnostic {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  endLine?: number;
  endColumn?: number;
  severity: Severity;
  message: string;
}

/** Milliseconds of each phase of one reload. */
export interface ReloadTimings {
  compileMs?: number;
  loadMs?: number; // copy + dlopen + swap, inside the runner
  firstFrameMs?: number; // save received -> first frame drawn by the new code
  totalMs?: number;
  /** Where the time went (issue 16): each step's end, in ms after the save reached the back end. */
  hops?: ReloadHops;
}

/**
 * A reload's steps on one time line: ms after `ReloadEvent.at`, read from the epoch clocks
 * (performance.timeOrigin + now) of the back end and the runner, which agree to well under a millisecond.
 */
export interface ReloadHops {
  /** The build queue started the build. */
  buildStartMs: number;
  /** The compiler was found and its process asked for. */
  compilerSpawnMs: number;
  /** The compiler exited and its output and -MD file were read. */
  compilerExitMs: number;
  /** The image was renamed into .kiln/build/. */
  imageReadyMs: number;
  /** The load message left the back end. */
  loadSentMs: number;
  /** The runner read the load message. */
  runnerLoadStartMs?: number;
  /** kiln_load_plugin returned in the runner. */
  runnerLoadDoneMs?: number;
  /** The runner drew the first frame of the new code (= firstFrameMs). */
  firstFrameMs?: number;
  /** That frame left the runner (written to the frame relay or the IPC channel). */
  frameSentMs?: number;
  /** The back end read the runner's 'loaded' reply. */
  loadReplyMs?: number;
}

/** How many reload events the editor's log shows, and so how many the back end keeps in memory to send it. */
export const RELOAD_HISTORY_LIMIT = 500;

/** One entry of the reload log. */
export interface ReloadEvent {
  id: number;
  plugin: string;
  /** Version now running for this plugin (unchanged on failure); null if none ever loaded. */
  version: number | null;
  trigger: ReloadTrigger;
  outcome: ReloadOutcome;
  compiler?: string;
  flags?: string[];
  /** Epoch milliseconds when the save (or other trigger) reached the back end. */
  at: number;
  timings: ReloadTimings;
  diagnostics: Diagnostic[];
  /** One line for humans: what happened and what to do. */
  message: string;
  savesFolded?: number;
  /** Set on crash-rolled-back entries: the crash's facts as fields. */
  crash?: CrashRecord;
  /** A plugin of several C files (built per unit): which files this build compiled, and how many it reused. */
  units?: BuildUnits;
  /** Set when the load migrated components of the world (issue 15): one record per component. */
  world?: WorldMigration[];
  /** Set on trigger 'asset' entries: the image reloaded in the running game (same handle, no code reload). */
  asset?: AssetReload;
}

// ---------------------------------------------------------------- art (issue 13)

/** An image the running game uses, read again after it changed on disk (libkiln's kiln_image_info). */
export interface AssetReload {
  /** Project-relative, posix separators. */
  path: string;
  /** The handle image_load gave the game: unchanged by the reload. */
  image: number;
  width: number;
  height: number;
  /** Reloads of this file so far. */
  generation: number;
  /** The file is missing or broken: the game draws a checkered placeholder; `error` says why. */
  placeholder: boolean;
  error?: string;
  /** Reading + decoding the file in the runner. */
  decodeMs: number;
}

/** File endings Kiln decodes as images (stb_image in libkiln): a change to one of these reloads it in the game. */
export const imageExtensions = ['.png', '.jpg', '.jpeg', '.bmp', '.tga', '.gif'] as const;
export function isImagePath(path: string): boolean {
  const lower = path.toLowerCase();
  return imageExtensions.some((ext) => lower.endsWith(ext));
}

/** Gamepads the game sees (kiln.h KILN_PAD_COUNT); buttons are the W3C "standard" mapping's 17 (bit i = button i). */
export const PAD_COUNT = 4;
export const PAD_BUTTONS = 17;

/** The per-unit part of a build: project-relative files compiled now, the count of cached objects linked as they were. */
export interface BuildUnits {
  compiled: string[];
  reused: number;
  linkMs: number;
  /** The link took the one unit compiled now, against a copy of the other units' cached link (a split build). */
  split?: boolean;
}

export interface ReloadStatus {
  state: ReloadState;
  plugin?: string;
  version?: number | null;
  message: string;
}

export type FileKind = 'source' | 'header' | 'config';

export interface ProjectFile {
  path: string; // relative to the project root, posix separators
  kind: FileKind;
}

export interface PluginInfo {
  name: string;
  sources: string[];
  version: number | null;
}

export interface ProjectInfo {
  name: string;
  root: string;
  /**
   * Building a project runs its code (and its kiln.json flags): nothing is compiled or run until the
   * user trusts a project Kiln did not create. The answer is remembered per folder.
   */
  trusted: boolean;
  width: number;
  height: number;
  files: ProjectFile[];
  plugins: PluginInfo[];
  /** Why the kiln.json on disk was not applied (the previous settings stay in force); absent when it applied. */
  configProblem?: ConfigProblem;
}

/** A kiln.json that was refused: the reason, and where in the file when it is a syntax or schema error. */
export interface ConfigProblem {
  message: string;
  /** On file 'kiln.json', 1-based line and column: the editor marks it. */
  diagnostic?: Diagnostic;
}

export interface RunnerInfo {
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  pid?: number;
  restarts: number;
  message: string;
}

export const buildProfiles = ['fast', 'optimised'] as const;
export type BuildProfile = (typeof buildProfiles)[number];
export type LoopState = 'off' | 'recording' | 'replaying';

/**
 * The timeline under the game: the past frames the runner's history keeps (libkiln's frame numbers, the same
 * as CrashRecord.frame). Scrubbed: paused on a kept frame older than the newest; "Replay to now" runs the
 * recorded input from the shown frame up to `inputLast` with the code loaded now.
 */
export interface TimelineSession {
  /** false: history is off (kiln.json "history": { "memoryMb": 0 }) or this libkiln has none. */
  enabled: boolean;
  /** Kept frames, first..last (both 0 and frames 0 when none yet). */
  first: number;
  last: number;
  frames: number;
  /** The frame the game shows now. */
  cursor: number;
  /** The newest frame with recorded input (beyond `last` after a seek back and a partial replay). */
  inputLast: number;
  scrubbed: boolean;
  /** Game seconds the kept frames span. */
  seconds: number;
  bytes: number;
  budgetBytes: number;
  /** Frames at which a crash was rolled back, within first..last. */
  crashes: number[];
}

export const emptyTimeline: TimelineSession = { enabled: false, first: 0, last: 0, frames: 0, cursor: 0, inputLast: 0, scrubbed: false, seconds: 0, bytes: 0, budgetBytes: 0, crashes: [] };

/** The running game as the controls and the FPS meter see it. Sent as the `session` event on change and ~4 times a second. */
export interface GameSession {
  paused: boolean;
  /** Runner frame counter. */
  frame: number;
  /** Frames per second over the last second. */
  fps: number;
  /** Recent frame times in ms (oldest first, up to 60), for a sparkline. */
  frameTimes: number[];
  /** Per frame of frameTimes, libkiln's split of the call (absent when the runner's libkiln has none): ms waited
   *  for the frame lock (a reload's swap, a state read held it) and the game thread's CPU ms in it (-1: unknown,
   *  Windows). The call's time minus both is time the thread was preempted. */
  frameLockWaits?: number[];
  frameCpuTimes?: number[];
  /** Version now running per plugin (null: never loaded). */
  versions: Record<string, number | null>;
  loop: LoopState;
  /** Seconds of input in the recorded loop (0 when none). */
  loopSeconds: number;
  timeline: TimelineSession;
  profile: BuildProfile;
  /** Which compiler and flags each build profile uses on this machine (the profile toggle's tooltip); absent until known. */
  profileBuilds?: Record<BuildProfile, ProfileBuild>;
}

/** What one build profile compiles C with here: the compiler found for it, its flags, and what it cannot do. */
export interface ProfileBuild {
  profile: BuildProfile;
  /** The compiler's command, e.g. "tcc" or "gcc"; absent when none was found. */
  compiler?: string;
  version?: string;
  flags: string[];
  /** Said to the user beside the compiler: why the profile cannot optimise (no gcc/clang), or why none was found. */
  note?: string;
}

export interface RecentProject {
  name: string;
  root: string;
  /** Epoch ms. */
  openedAt: number;
}

/** An editor buffer with changes not yet saved, kept by the back end in the user's data folder. */
export interface Draft {
  path: string;
  content: string;
  /** Epoch ms of the last change. */
  at: number;
}

/** A message a plugin logged with log_info()/log_warn() or the runtime reported. */
export interface GameLogMessage {
  at: number;
  level: 'info' | 'warn' | 'error';
  text: string;
  /** The plugin that logged it, or that libkiln's message is about; absent for the runner's own. */
  plugin?: string;
  /** How it was said: log_info()/log_printf()/the runtime ('log', the default), or a line printed to stdout/stderr. */
  source?: GameLogSource;
  /** Set by the back end's game log: the entry's number; a repeat of a recent line re-sends its entry with a higher `count`. */
  id?: number;
  /** How many times this line came in a row (1 when absent). */
  count?: number;
}

export type GameLogSource = 'log' | 'stdout' | 'stderr';

/** Types of a KILN_FIELD table; index + 1 is kiln.h's enum kiln_field_type. */
export const stateFieldTypes = ['i32', 'u32', 'f32', 'f64', 'i64', 'u8', 'bool'] as const;
export type StateFieldType = (typeof stateFieldTypes)[number];

/** Elements of one field sent per read (an array past this is cut; `count` says how many it has). */
export const STATE_VALUES_MAX = 1024;
/** Bytes of a table-less state block sent as hex per read. */
export const STATE_HEX_MAX = 4096;

/** One field of a plugin's KILN_FIELD table with its live value(s). */
export interface StateField {
  name: string;
  type: StateFieldType;
  offset: number;
  count: number;
  /** The first min(count, STATE_VALUES_MAX) elements: booleans for bool fields, numbers otherwise (an i64 past 2^53 is rounded). */
  values: number[] | boolean[];
}

/** A plugin's state block as the inspector shows it. */
export interface PluginState {
  plugin: string;
  /** The version running (0: none). */
  version: number;
  paused: boolean;
  /** Bytes of the block and its state_version. */
  size: number;
  stateVersion: number;
  /** null: the plugin has no KILN_FIELD table; `hex` holds its bytes instead. */
  fields: StateField[] | null;
  /** The first STATE_HEX_MAX bytes as hex, for a plugin without a field table. */
  hex?: string;
}

/** Every plugin's state, read between two frames. */
export interface GameState {
  /** Runner frame counter when it was read. */
  frame: number;
  plugins: PluginState[];
}

/** A state.write's answer: written (old and new value as stored), or refused with the reason (nothing changed). */
export type StateWriteResult =
  | { ok: true; plugin: string; field: string; index: number; old: number | boolean; value: number | boolean }
  | { ok: false; reason: string };

// ---------------------------------------------------------------- the world (issue 15): entities shared by system plugins

/** A component migrated for every entity when its owner loaded with another layout (kiln_world_migration). */
export interface WorldMigration {
  component: string;
  /** The plugin whose load migrated it, and that version. */
  plugin: string;
  version: number;
  /** Components converted in the one pass. */
  entities: number;
  /** Fields kept, added (set to the owner's defaults), removed and converted (type or count changed). */
  kept: number;
  added: number;
  removed: number;
  converted: number;
  oldSize: number;
  newSize: number;
  ms: number;
  /** "kept dx, dy; added spin (the owner's defaults); removed tag; converted hp (i32[1] -> f32[1])" */
  detail: string;
}

/** Entities listed per world.read (the rest are counted in `matching`). */
export const WORLD_LIST_MAX = 200;

/** A component of the world: registered by name by a system's KILN_SYSTEM, with its KILN_FIELD table. */
export interface WorldComponent {
  id: number;
  name: string;
  /** The plugin that declared (and last migrated) it. */
  owner: string;
  size: number;
  /** Entities that have it. */
  count: number;
  fields: Array<Omit<StateField, 'values'>>;
}

/** An entity: its id (index + generation, as libkiln's 64-bit kiln_entity in decimal) and its components' ids. */
export interface WorldEntity {
  id: string;
  index: number;
  generation: number;
  components: number[];
}

/** The world as the entity inspector shows it, read between two frames. */
export interface WorldView {
  /** Entities alive. */
  entities: number;
  components: WorldComponent[];
  /** The filter: a component id, or -1 for every entity. */
  with: number;
  /** Entities the filter matches (list holds the first WORLD_LIST_MAX). */
  matching: number;
  list: WorldEntity[];
  /** The selected entity's components with their values; null when none is selected or it is gone. */
  selected: (WorldEntity & { values: Array<{ component: number; fields: StateField[] }> }) | null;
}

// ---------------------------------------------------------------- C language features (clangd, or kiln.h's own data)

/** Where language answers come from: clangd, or (clangd missing or failing) data generated from kiln.h at build time. */
export type LanguageServer = 'clangd' | 'kiln.h';

export interface LanguageStatus {
  server: LanguageServer;
  /** Set when the user should know something once: how to get full C features, or why clangd stopped. */
  notice?: string;
}

/** A place in a file: `project` paths are relative to the project root; `kiln-include` paths name a file of Kiln's plugins/include (opened read-only). */
export interface SourceLocation {
  where: 'project' | 'kiln-include';
  path: string;
  line: number; // 1-based
  column: number; // 1-based
}

export type CompletionKind = 'function' | 'variable' | 'field' | 'constant' | 'type' | 'macro' | 'keyword' | 'snippet' | 'text';

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  /** The signature or type, shown beside the label. */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Text to insert; a Monaco/LSP snippet (${1:x}) when `snippet` is true. */
  insertText: string;
  snippet: boolean;
  /** Sort key from the server (best first). */
  sortText?: string;
  /** The text the completion filters on and replaces: 1-based columns on the request's line. */
  replaceFrom?: number;
  replaceTo?: number;
}

export interface SignatureEntry {
  label: string;
  documentation?: string;
  /** Each parameter as [start, end) offsets into label. */
  parameters: [number, number][];
}

export interface SignatureInfo {
  signatures: SignatureEntry[];
  activeSignature: number;
  activeParameter: number;
}

export interface HoverInfo {
  /** Markdown. */
  markdown: string;
}

/** Diagnostics of an unsaved buffer, as the language server sees it; the reload log's come from builds only. */
export interface LanguageDiagnostics {
  path: string;
  /** The buffer version they belong to (language.open/change). */
  version: number;
  diagnostics: Diagnostic[];
}

// ---------------------------------------------------------------- requests

const pluginName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'plugin names use letters, digits, _ and -, starting with a letter');

const relPath = z
  .string()
  .min(1, 'path is empty')
  .max(1024, 'path is too long')
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

/** A world entity id: libkiln's 64-bit kiln_entity (generation << 32 | index) in decimal. */
const entityId = z.string().regex(/^[1-9][0-9]{0,19}$/, 'an entity id (a decimal number)');

/** Parameter schemas: the back end validates every request against these before acting. */
export const requestSchemas = {
  'project.get': z.object({}).strict(),
  'file.read': z.object({ path: relPath }).strict(),
  'file.save': z.object({ path: relPath, content: z.string().max(4 * 1024 * 1024, 'file is over 4 MiB') }).strict(),
  'reload.history': z.object({}).strict(),
  'status.get': z.object({}).strict(),
  'runner.get': z.object({}).strict(),
  'game.input': z.object({ key: z.number().int().min(0).max(511), down: z.boolean() }).strict(),
  /** Mouse in framebuffer pixels; buttons is a bit set (1 left, 2 right, 4 middle). */
  'game.mouse': z.object({ x: z.number().int().min(-10000).max(10000), y: z.number().int().min(-10000).max(10000), buttons: z.number().int().min(0).max(7) }).strict(),
  /** Gamepad `pad` as navigator.getGamepads() shows it: buttons as bits (W3C standard mapping), axes LX, LY, RX, RY. */
  'game.pad': z
    .object({
      pad: z.number().int().min(0).max(PAD_COUNT - 1),
      connected: z.boolean(),
      buttons: z.number().int().min(0).max(2 ** PAD_BUTTONS - 1),
      axes: z.array(z.number().min(-1).max(1)).length(4),
    })
    .strict(),
  /** pause / resume / one frame / restart with fresh state. */
  'game.control': z.object({ action: z.enum(['pause', 'resume', 'step', 'restart']) }).strict(),
  'session.get': z.object({}).strict(),
  /** Reload now: rebuild one plugin, or all when none is named (trigger: manual). */
  'build.reload': z.object({ plugin: pluginName.optional() }).strict(),
  /** Switch between the fast (tcc / -O0) and the optimised (-O2) build profile; rebuilds everything. */
  'build.profile': z.object({ profile: z.enum(buildProfiles) }).strict(),
  'file.create': z.object({ path: relPath, content: z.string().max(4 * 1024 * 1024, 'file is over 4 MiB').default('') }).strict(),
  'file.rename': z.object({ from: relPath, to: relPath }).strict(),
  'file.delete': z.object({ path: relPath }).strict(),
  /** New plugin from the template: writes <name>.c, adds it to kiln.json, builds and runs it. */
  'plugin.create': z.object({ name: pluginName }).strict(),
  /** A new game project from a template, in the user's projects folder; it is trusted, opened and run. */
  'project.create': z
    .object({
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$/, 'project names use letters, digits, spaces, _ and -'),
      template: z.enum(['empty', 'pong']),
    })
    .strict(),
  /** Open another project folder (an absolute path holding kiln.json). */
  'project.open': z.object({ dir: z.string().min(1).max(4096).refine((d) => !d.includes('\0'), 'path contains a NUL byte') }).strict(),
  /** Projects opened before, newest first. */
  'project.recent': z.object({}).strict(),
  /** Trust this project: build and run it (remembered for this folder). */
  'project.trust': z.object({ trust: z.literal(true) }).strict(),
  /** Unsaved buffers, kept outside the project so a reload or restart never loses them. */
  'draft.put': z.object({ path: relPath, content: z.string().max(4 * 1024 * 1024, 'file is over 4 MiB') }).strict(),
  'draft.drop': z.object({ path: relPath }).strict(),
  'draft.list': z.object({}).strict(),
  /** Loop recording: record input from now with a state snapshot, play it in a loop, or stop (back to live). */
  'loop.control': z.object({ action: z.enum(['record', 'play', 'stop']) }).strict(),
  /** Timeline: pause and show a kept frame (its state restored, drawn with the code loaded now). */
  'history.seek': z.object({ frame: z.number().int().min(0) }).strict(),
  /** Timeline: pause and go `delta` frames back (< 0) or forward (> 0; past the kept frames, recorded input is replayed). */
  'history.step': z.object({ delta: z.number().int().min(-3600).max(3600).refine((d) => d !== 0, 'a step of 0 frames') }).strict(),
  /** Timeline: re-run the recorded input from the shown frame to the newest with the code loaded now; stays paused there. */
  'history.replay': z.object({}).strict(),
  /** Timeline: play on from the shown frame (the frames after it are replaced by what happens now). */
  'history.play': z.object({}).strict(),
  /** The state inspector: every plugin's state block (fields with values, or hex), read between two frames. */
  'state.read': z.object({}).strict(),
  /** Set element `index` of a KILN_FIELD of a plugin, between two frames (committed, logged). */
  'state.write': z
    .object({
      plugin: pluginName,
      field: z.string().min(1).max(47),
      index: z.number().int().min(0).max(0xffffffff).default(0),
      value: z.union([z.number().finite(), z.boolean()]),
    })
    .strict(),
  /** An editor buffer of a C file (its unsaved text): language features follow it as the user types. */
  'language.open': z.object({ path: relPath, text: z.string().max(4 * 1024 * 1024, 'file is over 4 MiB'), version: z.number().int().min(0) }).strict(),
  'language.change': z.object({ path: relPath, text: z.string().max(4 * 1024 * 1024, 'file is over 4 MiB'), version: z.number().int().min(0) }).strict(),
  'language.close': z.object({ path: relPath }).strict(),
  /** At a 1-based position of an open buffer. */
  'language.completion': z.object({ path: relPath, line: z.number().int().min(1), column: z.number().int().min(1) }).strict(),
  'language.hover': z.object({ path: relPath, line: z.number().int().min(1), column: z.number().int().min(1) }).strict(),
  'language.signature': z.object({ path: relPath, line: z.number().int().min(1), column: z.number().int().min(1) }).strict(),
  'language.definition': z.object({ path: relPath, line: z.number().int().min(1), column: z.number().int().min(1) }).strict(),
  /** A file of Kiln's plugins/include (kiln.h), read-only: it lives outside the project. */
  'language.header': z.object({ name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}\.h$/, 'a header name like kiln.h') }).strict(),
  /** Export (issue 14): the game as a web page or a standalone program, into `dir` (absolute) or <project>/export/<target>. */
  'project.export': z
    .object({
      target: z.enum(['web', 'native']),
      dir: z.string().min(1).max(4096).refine((d) => !d.includes('\0'), 'path contains a NUL byte').optional(),
    })
    .strict(),
  // --- the world (issue 15)
  /** The entity inspector: the world's components, the entities having component `with` (-1: all), the selected one's values. */
  'world.read': z.object({ with: z.number().int().min(-1).max(1023).default(-1), selected: entityId.optional() }).strict(),
  /** Set element `index` of field `field` of an entity's component, between two frames (committed, logged). */
  'world.write': z
    .object({
      entity: entityId,
      component: z.number().int().min(0).max(1023),
      field: z.string().min(1).max(47),
      index: z.number().int().min(0).max(0xffffffff).default(0),
      value: z.union([z.number().finite(), z.boolean()]),
    })
    .strict(),
  /** A sound file's bytes (the path a SoundCommand names), for the editor's Web Audio player. */
  'sound.read': z.object({ path: relPath }).strict(),
} as const;

export type RequestMethod = keyof typeof requestSchemas;
export type RequestParams<M extends RequestMethod> = z.infer<(typeof requestSchemas)[M]>;

export interface RequestResults {
  'project.get': ProjectInfo;
  'file.read': { path: string; content: string };
  'file.save': { path: string; bytes: number; rebuilding: string[] };
  'reload.history': ReloadEvent[];
  'status.get': ReloadStatus;
  'runner.get': RunnerInfo;
  'game.input': { ok: true };
  'game.mouse': { ok: true };
  'game.pad': { ok: true };
  'game.control': GameSession;
  'session.get': GameSession;
  'build.reload': { rebuilding: string[] };
  'build.profile': { profile: BuildProfile; rebuilding: string[] };
  'file.create': { path: string };
  'file.rename': { from: string; to: string };
  'file.delete': { path: string };
  'plugin.create': PluginInfo;
  'loop.control': GameSession;
  'history.seek': GameSession;
  'history.step': GameSession;
  'history.replay': GameSession;
  'history.play': GameSession;
  'project.trust': ProjectInfo;
  'project.create': ProjectInfo;
  'project.open': ProjectInfo;
  'project.recent': RecentProject[];
  'draft.put': { ok: true };
  'draft.drop': { ok: true };
  'draft.list': Draft[];
  'state.read': GameState;
  'state.write': StateWriteResult;
  'language.open': LanguageStatus;
  'language.change': { ok: true };
  'language.close': { ok: true };
  'language.completion': { items: CompletionEntry[]; server: LanguageServer };
  'language.hover': HoverInfo | null;
  'language.signature': SignatureInfo | null;
  'language.definition': SourceLocation[];
  'language.header': { name: string; content: string };
  'project.export': ExportReport;
  'world.read': WorldView;
  'world.write': StateWriteResult;
  'sound.read': SoundFile;
}

export type RequestResult<M extends RequestMethod> = RequestResults[M];

export const requestMethods = Object.keys(requestSchemas) as RequestMethod[];

export function isRequestMethod(m: unknown): m is RequestMethod {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, m);
}

// ---------------------------------------------------------------- events

export interface EventPayloads {
  reload: ReloadEvent;
  status: ReloadStatus;
  runner: RunnerInfo;
  'game-log': GameLogMessage;
  session: GameSession;
  /** The project's files or plugins changed (created, renamed, deleted, kiln.json edited). */
  project: ProjectInfo;
  /** A file changed on disk outside the editor; `content` is its new text. */
  'file-changed': { path: string; content: string };
  /** A file was deleted or renamed away outside the editor; an open buffer of it should be kept. */
  'file-removed': { path: string };
  /** Another project is now open (created or opened): everything the editor shows belongs to it. */
  'project-switched': ProjectInfo;
  /** The desktop app's menu asks the editor to act (things only the editor can do: its buffers). */
  'menu-command': { command: MenuCommand };
  /** What the language server reports for an open buffer as the user types (owner: clangd, not the build). */
  'language-diagnostics': LanguageDiagnostics;
}

export type MenuCommand = 'save' | 'save-all' | 'new-plugin' | 'new-file' | 'new-project' | 'open-project' | 'close-tab' | 'next-problem' | 'focus-game' | 'focus-editor';

export type EventName = keyof EventPayloads;
export const eventNames: EventName[] = ['reload', 'status', 'runner', 'game-log', 'session', 'project', 'file-changed', 'file-removed', 'project-switched', 'menu-command', 'language-diagnostics'];

// ---------------------------------------------------------------- frames

/** A frame of the game: RGBA8, row-major, width*height*4 bytes. */
export interface Frame {
  width: number;
  height: number;
  /** Frame counter of the runner (monotonic within one runner process). */
  frame: number;
  pixels: Uint8Array;
  /** What the game asked to hear in this frame (and in frames not sent since): played when the frame arrives. */
  sounds?: SoundCommand[];
  /** When the runner took those sounds from libkiln (epoch ms, fractional): the start of the sound latency. */
  soundsAt?: number;
}

/**
 * Binary frame wire format (WebSocket binary message, MessagePort buffer):
 *   u32 magic 'KFRM' | u16 width | u16 height | u32 frame | u32 sound bytes | width*height*4 RGBA bytes
 *   | sound bytes of UTF-8 JSON { at, commands: SoundCommand[] } (absent when 0)
 * little-endian. A frame with sounds is never dropped on the way (its pixels may be late; its sounds must not vanish).
 */
export const FRAME_MAGIC = 0x4d52464b; // 'KFRM'
/** A window's answer to each frame on its MessagePort (Electron): taken, or taken but not decodable (send the next whole). */
export const FRAME_ACK_TAKEN = 0;
export const FRAME_ACK_RESET = 1;
export const FRAME_HEADER_BYTES = 16;

export function encodeFrameHeader(width: number, height: number, frame: number, soundBytes = 0): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint16(4, width, true);
  view.setUint16(6, height, true);
  view.setUint32(8, frame >>> 0, true);
  view.setUint32(12, soundBytes >>> 0, true);
  return header;
}

/** A frame as the parts of its wire format (header, pixels, sounds): written one after another, or joined. */
export function encodeFrameParts(frame: Frame): Uint8Array[] {
  const sounds = frame.sounds?.length ? new TextEncoder().encode(JSON.stringify({ at: frame.soundsAt ?? 0, commands: frame.sounds })) : null;
  const header = encodeFrameHeader(frame.width, frame.height, frame.frame, sounds?.length ?? 0);
  return sounds ? [header, frame.pixels, sounds] : [header, frame.pixels];
}

/** The bytes of an encoded frame's header that say it carries sounds (so a relay never drops it). */
export function frameHasSounds(header: Uint8Array): boolean {
  return header.byteLength >= FRAME_HEADER_BYTES && new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES).getUint32(12, true) > 0;
}

export function decodeFrame(data: ArrayBuffer | Uint8Array): Frame | null {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < FRAME_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) return null;
  const width = view.getUint16(4, true);
  const height = view.getUint16(6, true);
  const frame = view.getUint32(8, true);
  const soundBytes = view.getUint32(12, true);
  const end = FRAME_HEADER_BYTES + width * height * 4;
  if (bytes.byteLength !== end + soundBytes) return null;
  const pixels = bytes.subarray(FRAME_HEADER_BYTES, end);
  if (!soundBytes) return { width, height, frame, pixels };
  const sounds = parseFrameSounds(bytes.subarray(end));
  return sounds ? { width, height, frame, pixels, sounds: sounds.commands, soundsAt: sounds.at } : null;
}

// ---------------------------------------------------------------- sound

// sfx_tone's waves live in sound-command.ts: the web export's player reads them without bundling zod
export { soundWaves, type SoundWave };

const soundCommandSchema = z.discriminatedUnion('kind', [
  /** sound_play: once, volume 0..1, pan -1 (left) .. 1 (right). `path` is relative to the project folder. */
  z.object({ kind: z.literal('play'), path: relPath, volume: z.number().min(0).max(1), pan: z.number().min(-1).max(1) }).strict(),
  /** music_play: loops in place of the music playing. */
  z.object({ kind: z.literal('music'), path: relPath, volume: z.number().min(0).max(1) }).strict(),
  z.object({ kind: z.literal('music-stop') }).strict(),
  /** sfx_tone: a synthesized tone with a short envelope. */
  z.object({ kind: z.literal('tone'), hz: z.number().min(20).max(20000), ms: z.number().int().min(1).max(10000), wave: z.enum(soundWaves), volume: z.number().min(0).max(1) }).strict(),
]);
/** One thing a frame asked to hear (libkiln's kiln_sound_command, with the sound's path for its handle). */
export type SoundCommand = z.infer<typeof soundCommandSchema>;

const frameSoundsSchema = z.object({ at: z.number().min(0), commands: z.array(soundCommandSchema).max(4096) }).strict();

/** A frame's sound trailer ({ at, commands }), or null when it is not that (a broken or foreign writer). */
export function parseFrameSounds(bytes: Uint8Array): z.infer<typeof frameSoundsSchema> | null {
  try {
    const parsed = frameSoundsSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The largest sound file the player takes (libkiln refuses bigger ones at sound_load: KILN_SOUND_FILE_MAX). */
export const SOUND_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** A sound file for the player: its bytes (base64, so both shells carry it as JSON) and when it last changed. */
export interface SoundFile {
  path: string;
  base64: string;
  bytes: number;
  mtimeMs: number;
}

// ---------------------------------------------------------------- the API both shells expose

export type Unsubscribe = () => void;

/**
 * What the renderer sees of the back end, whichever shell it runs in.
 * Electron: exposed by the preload as `window.kiln`. Web: built by the WebSocket bridge.
 */
export interface KilnApi {
  invoke<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): Unsubscribe;
  /** A frame's pixels are good until the next frame arrives (a bridge may decode in place): copy them to keep them. */
  onFrame(listener: (frame: Frame) => void): Unsubscribe;
  /** Electron only: a window with just the game (a pop-out for a second monitor), opened by the main process. */
  openGameWindow?(): Promise<void>;
}

// ---------------------------------------------------------------- web transport envelopes

/** JSON text messages on the web shell's WebSocket. Frames travel as binary messages. */
export type ClientMessage = { id: number; method: RequestMethod; params: unknown };

export type ServerMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { event: EventName; payload: unknown };

/** The query that makes the renderer's page a game-only view (the pop-out window), in both shells. */
export const GAME_WINDOW_QUERY = { view: 'game' } as const;

/** Electron IPC channel names, derived from the contract so no file spells them by hand. */
export const ipcChannels = {
  invoke: 'kiln:invoke',
  event: 'kiln:event',
  framePort: 'kiln:frame-port',
  openGameWindow: 'kiln:open-game-window',
} as const;

export { keyCodeFromDom } from './keys';

/* --- export (issue 14) ---------------------------------------------------------------------------------------- */
export type ExportTarget = 'web' | 'native';
export interface ExportFile {
  /** Relative to the export folder, with / */
  path: string;
  bytes: number;
}
/** A finished export: where it is and how big (the log and the CLI say both). */
export interface ExportReport {
  target: ExportTarget;
  dir: string;
  files: ExportFile[];
  totalBytes: number;
  ms: number;
}
/** Why an export failed, as fields: the plugin, the symbol the web host cannot offer or the source line, what to do. */
export interface ExportProblem {
  plugin?: string;
  symbol?: string;
  file?: string;
  line?: number;
  column?: number;
  message: string;
}
