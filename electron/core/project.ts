/**
 * A Kiln project: a folder with kiln.json and one source file or folder per plugin.
 * Every path the UI sends is resolved here, and refused if it leaves the project.
 */
import { accessSync, constants as fsConstants, mkdirSync, promises as fs, realpathSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { buildProfiles, type ConfigProblem, type Diagnostic, type FileKind, type ProjectFile, type ProjectInfo } from '../shared/contract';
import { locateField, parseConfigJson } from './config-json';

/**
 * realpath(3) on Linux: one call where Node's own realpathSync lstat()s each part of the path (0.02 against 0.13 ms
 * on a save's path, docs/PLATFORM.md). Node's on other systems, whose native call differs in case (macOS) and
 * drive names (Windows); the root and the paths checked against it always use the same one.
 */
const realPath: (p: string) => string = process.platform === 'linux' ? realpathSync.native : realpathSync;

const pluginSchema = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'plugin names use letters, digits, _ and -, starting with a letter'),
  sources: z.array(z.string().min(1)).min(1, 'a plugin needs at least one source file'),
});

export const projectConfigSchema = z.object({
  name: z.string().min(1).max(100),
  width: z.number().int().min(16).max(4096).default(320),
  height: z.number().int().min(16).max(4096).default(180),
  plugins: z.array(pluginSchema).min(1, 'kiln.json lists no plugins'),
  build: z
    .object({
      /** Compiler to use: a command name or path ("tcc", "gcc", "/usr/bin/clang", "zig cc"). */
      compiler: z.string().min(1).optional(),
      /** Extra flags passed to the compiler. */
      flags: z.array(z.string()).default([]),
      profile: z.enum(buildProfiles).default('fast'),
      /** A build still running after this long is stopped and reported as a compile error. */
      timeLimitSeconds: z.number().positive().max(86_400).default(60),
      /** The compiler's address-space limit (each of its processes); a build over it is a compile error. */
      memoryLimitMb: z.number().int().min(16).max(1_048_576).default(2048),
    })
    .default({ flags: [], profile: 'fast', timeLimitSeconds: 60, memoryLimitMb: 2048 }),
  runner: z
    .object({
      /** The game runner's memory limit; a version that needs more crashes and is rolled back. */
      memoryLimitMb: z.number().int().min(64).max(1_048_576).default(4096),
    })
    .default({ memoryLimitMb: 4096 }),
  history: z
    .object({
      /** Memory for the timeline's past frames (state, arena, input); 0 turns the history off. */
      memoryMb: z.number().int().min(0).max(16_384).default(64),
    })
    .default({ memoryMb: 64 }),
});

export type ProjectConfig = z.infer<typeof projectConfigSchema>;
export type PluginConfig = z.infer<typeof pluginSchema>;

export class ProjectError extends Error {
  /** Where in kiln.json, when the error is one of its syntax or fields. */
  diagnostic?: Diagnostic;
}

const SOURCE_EXT = new Set(['.c', '.zig']);
const HEADER_EXT = new Set(['.h']);
let tmpCounter = 0;
const IGNORED_DIRS = new Set(['.kiln', '.git', 'node_modules']);

export class Project {
  private constructor(
    readonly root: string,
    private current: ProjectConfig,
  ) {}

  /** Told of every write Kiln makes, just before it happens (the watcher uses it to know its own echoes). */
  onWrite: ((relative: string, content: string) => void) | null = null;

  /** The settings from kiln.json; replaced as a whole when kiln.json changes and is valid. */
  get config(): ProjectConfig {
    return this.current;
  }

  static async open(dir: string): Promise<Project> {
    let root: string;
    try {
      root = realPath(path.resolve(dir));
    } catch {
      throw new ProjectError(`project folder ${dir} does not exist — pass a folder that holds kiln.json`);
    }
    const project = new Project(root, await readConfig(root));
    project.checkSources(project.current);
    return project;
  }

  /** Re-read kiln.json. A broken file is refused with the reason and the previous settings stay. */
  async reloadConfig(): Promise<ProjectConfig> {
    try {
      const next = await readConfig(this.root);
      this.checkSources(next);
      this.current = next;
      this.problem = undefined;
      return next;
    } catch (err) {
      if (err instanceof ProjectError) this.problem = { message: err.message, diagnostic: err.diagnostic };
      throw err;
    }
  }

  /** Why the kiln.json on disk is not the one in force (cleared by the next one that applies). */
  private problem: ConfigProblem | undefined;

  private checkSources(config: ProjectConfig): void {
    for (const plugin of config.plugins) {
      for (const src of plugin.sources) this.resolve(src); // refuses sources outside the project
    }
  }

  /** Edit kiln.json as JSON (keeping fields Kiln does not know), write it atomically, and reload it. */
  async editConfig(edit: (json: { plugins: Array<{ name: string; sources: string[] }> } & Record<string, unknown>) => void): Promise<ProjectConfig> {
    const file = path.join(this.root, 'kiln.json');
    const json = JSON.parse((await readRegularFile(file)).toString('utf8'));
    edit(json);
    await this.writeFile('kiln.json', `${JSON.stringify(json, null, 2)}\n`);
    return this.reloadConfig();
  }

  async createFile(relative: string, content: string): Promise<string> {
    const abs = this.resolve(relative);
    if (await exists(abs)) throw new ProjectError(`refused: ${relative} already exists`);
    return this.writeFile(relative, content);
  }

  /** Rename a file; a plugin source keeps its plugin (kiln.json follows the new name). */
  async renameFile(from: string, to: string): Promise<void> {
    const src = this.resolve(from);
    const dst = this.resolve(to);
    if (!(await exists(src))) throw new ProjectError(`cannot rename ${from}: no such file in the project`);
    if (await exists(dst)) throw new ProjectError(`refused: ${to} already exists`);
    if (from === 'kiln.json') throw new ProjectError('refused: kiln.json must keep its name');
    if (fileKind(path.basename(dst)) !== fileKind(path.basename(src))) {
      throw new ProjectError(`refused: ${from} -> ${to} changes the kind of file (source, header); keep the extension`);
    }
    await fs.mkdir(path.dirname(dst), { recursive: true });
    await fs.rename(src, dst);
    if (this.pluginsAffectedBy(from).length && fileKind(from) === 'source') {
      await this.editConfig((json) => {
        for (const p of json.plugins) p.sources = p.sources.map((s) => (normalise(s) === normalise(from) ? normalise(to) : s));
      });
    }
  }

  async deleteFile(relative: string): Promise<void> {
    const abs = this.resolve(relative);
    if (relative === 'kiln.json') throw new ProjectError('refused: a project needs its kiln.json');
    const owners = fileKind(relative) === 'source' ? this.pluginsAffectedBy(relative) : [];
    if (owners.length) {
      throw new ProjectError(`refused: ${relative} is the source of plugin ${owners.map((p) => p.name).join(', ')} — remove the plugin from kiln.json first`);
    }
    if (!(await exists(abs))) throw new ProjectError(`cannot delete ${relative}: no such file in the project`);
    await fs.rm(abs);
  }

  /** The project's private folder for builds, state and the reload log. */
  get workDir(): string {
    return path.join(this.root, '.kiln');
  }

  /**
   * Make .kiln safe to use before anything reads or writes it. The folder comes with the project, so
   * it may hold what Kiln never made: .kiln (or build/, state/, tmp/) as a link out of the project
   * would send builds and game state elsewhere, and a FIFO or link where the reload log or a state
   * file goes would block or redirect Kiln's reads and writes. Folders that are not real folders are
   * refused with the reason; entries in them that are not regular files are removed (Kiln remakes them).
   */
  async prepareWorkDir(): Promise<void> {
    const dirs = [this.workDir, ...['build', 'state', 'tmp'].map((d) => path.join(this.workDir, d))];
    for (const dir of dirs) {
      const st = await fs.lstat(dir).catch(() => null);
      if (st && !st.isDirectory()) {
        const what = st.isSymbolicLink() ? 'a link' : describeStats(st);
        throw new ProjectError(`${dir} is ${what}, not a folder — Kiln keeps this project's builds and state there; remove it and open the project again`);
      }
      await fs.mkdir(dir, { recursive: true });
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        if (entry.isFile() || entry.isDirectory()) continue;
        await fs.rm(path.join(dir, entry.name), { force: true }); // a link, pipe, socket or device: not Kiln's
      }
    }
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * Resolve a path the UI sent (relative to the project root) to an absolute path inside the project.
   * Refuses absolute paths, `..` escapes and symlinks that point outside.
   */
  resolve(relative: string): string {
    if (path.isAbsolute(relative) || /^[A-Za-z]:/.test(relative)) {
      throw new ProjectError(`refused: ${relative} is an absolute path — use a path relative to the project`);
    }
    const abs = path.resolve(this.root, relative);
    if (!isInside(this.root, abs)) {
      throw new ProjectError(`refused: ${relative} is outside the project folder`);
    }
    const top = relative.split(/[\\/]/)[0];
    if (top === '.kiln' || top === '.git') {
      throw new ProjectError(`refused: ${relative} is in Kiln's private folder`);
    }
    // A symlink inside the project may point elsewhere: check the real path of what exists.
    let existing = abs;
    while (existing !== this.root) {
      try {
        const real = realPath(existing);
        if (!isInside(this.root, real)) {
          throw new ProjectError(`refused: ${relative} leads outside the project through a link`);
        }
        break;
      } catch (err) {
        if (err instanceof ProjectError) throw err;
        existing = path.dirname(existing);
      }
    }
    return abs;
  }

  relative(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }

  async listFiles(): Promise<ProjectFile[]> {
    const out: ProjectFile[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > 6) return;
      const entries = await fs.readdir(dir, { withFileTypes: true });
      for (const entry of entries) {
        if (entry.name.startsWith('.') && entry.isDirectory()) continue;
        const abs = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!IGNORED_DIRS.has(entry.name)) await walk(abs, depth + 1);
          continue;
        }
        const kind = fileKind(entry.name);
        // Pipes, sockets and devices are not files one can edit (reading a pipe would wait forever).
        if (kind && (await this.isRegularInside(abs, entry.isFile()))) out.push({ path: this.relative(abs), kind });
      }
    };
    await walk(this.root, 0);
    const order: Record<FileKind, number> = { source: 0, header: 1, config: 2 };
    return out.sort((a, b) => order[a.kind] - order[b.kind] || a.path.localeCompare(b.path));
  }

  /** A directory entry that is a regular file: itself, or through a symlink that stays in the project. */
  private async isRegularInside(abs: string, plainFile: boolean): Promise<boolean> {
    if (plainFile) return true;
    try {
      const real = await fs.realpath(abs);
      return isInside(this.root, real) && (await fs.stat(real)).isFile();
    } catch {
      return false;
    }
  }

  async readFile(relative: string): Promise<string> {
    const abs = this.resolve(relative);
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(abs);
    } catch (err) {
      throw new ProjectError(`cannot read ${relative}: ${describeFsError(err, this.root)}`);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      const at = firstInvalidUtf8(bytes);
      throw new ProjectError(`${relative} is not valid UTF-8 (byte ${at}) — Kiln edits UTF-8 text; convert it (e.g. iconv -f latin1 -t utf-8) and open it again`);
    }
  }

  /** Write atomically (temp file + rename) so a crash mid-write never leaves half a source file. */
  async writeFile(relative: string, content: string): Promise<string> {
    return this.writeFileNow(relative, content);
  }

  /** writeFile, done before it returns (a save's path: see KilnBackend.save). Throws a ProjectError. */
  writeFileNow(relative: string, content: string): string {
    const abs = this.resolve(relative);
    const kind = fileKind(path.basename(abs));
    if (!kind) {
      throw new ProjectError(`refused: ${relative} is not a project source, header or kiln.json`);
    }
    const tmp = `${abs}.kiln-${process.pid}-${++tmpCounter}.tmp`;
    this.onWrite?.(this.relative(abs), content);
    try {
      // Synchronous: a save is a few small syscalls, and each await of the async API is a thread-pool round
      // trip that waits for the scheduler on a busy machine (10-40 ms per save at load 5: docs/PLATFORM.md).
      accessSync(this.root);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(tmp, content, 'utf8');
      renameSync(tmp, abs);
    } catch (err) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        /* the save's own error says what went wrong */
      }
      throw new ProjectError(`could not save ${relative}: ${describeFsError(err, this.root)} — your changes are still in the editor`);
    }
    return abs;
  }

  /** Plugins that must rebuild when this file changes: its own plugin, or every plugin for a header. */
  pluginsAffectedBy(relative: string): PluginConfig[] {
    const kind = fileKind(relative);
    if (kind === 'header') return this.config.plugins; // any plugin may include it
    return this.config.plugins.filter((p) => p.sources.some((s) => normalise(s) === normalise(relative)));
  }

  async info(versions: Map<string, number | null>, trusted: boolean): Promise<ProjectInfo> {
    return {
      name: this.config.name,
      root: this.root,
      trusted,
      width: this.config.width,
      height: this.config.height,
      files: await this.listFiles(),
      plugins: this.config.plugins.map((p) => ({
        name: p.name,
        sources: p.sources.map(normalise),
        version: versions.get(p.name) ?? null,
      })),
      ...(this.problem ? { configProblem: this.problem } : {}),
    };
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Refused because the path is not a regular file (a FIFO, socket or device): reading it could block forever. */
export class NotRegularFileError extends Error {
  constructor(readonly what: string) {
    super(`it is ${what}, not a regular file — Kiln reads only regular files`);
  }
}

function describeStats(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device file';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

// O_NONBLOCK makes open() of a FIFO return at once instead of waiting for a writer (absent on Windows).
const OPEN_NONBLOCK = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/**
 * Read a file only if it is a regular file. Opening a FIFO waits for a writer and a device may never
 * end, and either would hold one of libuv's four I/O threads (all of the back end's file I/O) for good:
 * stat first, then open non-blocking and check the opened file again (it may have been swapped between).
 */
export async function readRegularFile(abs: string): Promise<Buffer> {
  const st = await fs.stat(abs);
  if (!st.isFile()) throw new NotRegularFileError(describeStats(st));
  const handle = await fs.open(abs, OPEN_NONBLOCK);
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new NotRegularFileError(describeStats(opened));
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function readConfig(root: string): Promise<ProjectConfig> {
  const configPath = path.join(root, 'kiln.json');
  let raw: string;
  try {
    raw = (await readRegularFile(configPath)).toString('utf8');
  } catch (err) {
    if (err instanceof NotRegularFileError) throw new ProjectError(`${configPath}: ${err.message}; make kiln.json a plain file`);
    throw new ProjectError(`${configPath} not found — a Kiln project is a folder with a kiln.json`);
  }
  const json = parseConfigJson(raw);
  if (!json.ok) throw located(configPath, json.diagnostic);
  const parsed = projectConfigSchema.safeParse(json.json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw located(configPath, locateField(raw, first.path, `${first.path.join('.') || '(top)'}: ${first.message}`));
  }
  const names = parsed.data.plugins.map((p) => p.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ProjectError(`${configPath}: two plugins are named ${twice} — names must be unique`);
  return parsed.data;
}

/** "…/kiln.json:3:5: not valid JSON: comma expected", carrying the diagnostic for the editor's marker. */
function located(configPath: string, diagnostic: Diagnostic): ProjectError {
  const err = new ProjectError(`${configPath}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`);
  err.diagnostic = diagnostic;
  return err;
}

/** An fs error in words a user can act on. */
export function describeFsError(err: unknown, root: string): string {
  if (err instanceof NotRegularFileError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `no such file (is the project folder ${root} still there?)`;
    case 'ENOSPC':
      return 'the disk is full (ENOSPC) — free some space and save again';
    case 'EDQUOT':
      return 'your disk quota is used up (EDQUOT) — free some space and save again';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}) — check the file's and folder's permissions`;
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EISDIR':
      return 'it is a folder, not a file';
    default:
      return (err as Error).message ?? String(err);
  }
}

/** Byte offset of the first byte that is not UTF-8 (decoded leniently, the first U+FFFD marks it). */
function firstInvalidUtf8(bytes: Buffer): number {
  const text = bytes.toString('utf8');
  const at = text.indexOf('\uFFFD');
  return at < 0 ? 0 : Buffer.byteLength(text.slice(0, at));
}

function fileKind(name: string): FileKind | null {
  if (name === 'kiln.json') return 'config';
  const ext = path.extname(name);
  if (SOURCE_EXT.has(ext)) return 'source';
  if (HEADER_EXT.has(ext)) return 'header';
  return null;
}

function normalise(p: string): string {
  return path.posix.normalize(p.split('\\').join('/'));
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
