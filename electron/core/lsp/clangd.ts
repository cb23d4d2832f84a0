/**
 * One clangd process for one open project, spoken to over LSP with vscode-languageserver-protocol (no
 * hand-written framing). Started lazily, niced so it never slows a save's build, restarted with backoff
 * when it dies, and given up on (with a reason) when it keeps dying. It runs in the project folder with
 * a compile_commands.json under .kiln/ that carries Kiln's own build flags and include folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, accessSync, constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  ExitNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  PublishDiagnosticsNotification,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type ClientCapabilities,
} from 'vscode-languageserver-protocol/node';
import { buildIncludeDirs, compilerFlags } from '../compiler';

/** Where clangd is: $KILN_CLANGD (a path; one that does not exist means "no clangd"), else `clangd` on PATH. */
export function findClangd(env: NodeJS.ProcessEnv = process.env): string | null {
  const forced = env.KILN_CLANGD;
  if (forced) return isExecutable(forced) ? forced : null;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, process.platform === 'win32' ? 'clangd.exe' : 'clangd');
    if (dir && isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ClangdProject {
  root: string;
  /** The project's .kiln folder: compile_commands.json and clangd's index live there. */
  workDir: string;
  kilnIncludeDir: string;
  /** kiln.json's build.flags, read at each clangd start; [] in an untrusted project (a flag like -fplugin= would run its code). */
  extraFlags(): string[];
}

/**
 * The flags clangd parses with: Kiln's clang build flags minus what only matters to linking or to
 * the build log's text, plus the same include folders as every build.
 */
export function clangdFlags(project: ClangdProject): string[] {
  const dropped = new Set(['-shared', '-fno-color-diagnostics', '-fno-caret-diagnostics', '-g']);
  const flags = compilerFlags({ family: 'clang' } as Parameters<typeof compilerFlags>[0], 'fast').filter((f) => !dropped.has(f));
  return [...flags, ...buildIncludeDirs(project.kilnIncludeDir, project.root).flatMap((d) => ['-I', d]), ...project.extraFlags()];
}

/** compile_commands.json for the project's C files (clangd interpolates for files it does not list). */
export async function writeCompileCommands(project: ClangdProject): Promise<string> {
  const files = await cFiles(project.root);
  const flags = clangdFlags(project);
  const entries = (files.length ? files : [path.join(project.root, 'main.c')]).map((file) => ({
    directory: project.root,
    file,
    arguments: ['clang', ...flags, '-c', file],
  }));
  await fs.mkdir(project.workDir, { recursive: true });
  const target = path.join(project.workDir, 'compile_commands.json');
  await fs.writeFile(`${target}.tmp`, `${JSON.stringify(entries, null, 1)}\n`);
  await fs.rename(`${target}.tmp`, target);
  return target;
}

async function cFiles(root: string, depth = 0): Promise<string[]> {
  if (depth > 4) return [];
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = path.join(root, e.name);
    if (e.isDirectory()) out.push(...(await cFiles(full, depth + 1)));
    else if (e.isFile() && e.name.endsWith('.c')) out.push(full);
  }
  return out;
}

const capabilities: ClientCapabilities = {
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: false },
    completion: {
      completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'], labelDetailsSupport: true },
      contextSupport: true,
    },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    signatureHelp: { signatureInformation: { documentationFormat: ['markdown', 'plaintext'], parameterInformation: { labelOffsetSupport: true } } },
    definition: { linkSupport: false },
    publishDiagnostics: { versionSupport: true, relatedInformation: false },
  },
};

export interface ClangdEvents {
  diagnostics(params: PublishDiagnosticsParams): void;
  /** clangd (re)started: the caller opens its documents again. */
  started(): void;
  /** clangd is given up on; `reason` says why and what to do. */
  failed(reason: string): void;
}

/** Restart delays after a crash; after the last, clangd is given up on for this project. */
const BACKOFF_MS = [500, 2000, 5000, 15000];

export class ClangdProcess {
  private child: ChildProcess | null = null;
  private connection: ProtocolConnection | null = null;
  private ready: Promise<ProtocolConnection> | null = null;
  private crashes = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  /** Documents may be sent only after initialize's answer (LSP's order). */
  private initialized = false;
  /** The last lines clangd wrote to stderr, for the reason when it dies. */
  private stderrTail = '';
  failure: string | null = null;

  constructor(
    private readonly executable: string,
    private readonly project: ClangdProject,
    private readonly events: ClangdEvents,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The initialised connection, starting clangd on first use; rejects once clangd is given up on. */
  connect(): Promise<ProtocolConnection> {
    if (this.failure) return Promise.reject(new Error(this.failure));
    if (this.stopping) return Promise.reject(new Error('the project is closing'));
    this.ready ??= this.launch();
    return this.ready;
  }

  private async launch(): Promise<ProtocolConnection> {
    await writeCompileCommands(this.project);
    const args = [
      `--compile-commands-dir=${this.project.workDir}`,
      '--background-index', // its index goes next to compile_commands.json, inside .kiln/
      '-j=1',
      '--header-insertion=never', // completing fill_rect must not add #include lines
      '--pch-storage=memory',
      '--completion-parse=always', // auto answers from a word list while kiln.h's preamble builds: fill_rect went missing
      '--log=error',
      '--clang-tidy=false',
    ];
    // Niced: completions may wait, a save's build must not.
    const useNice = process.platform !== 'win32' && existsSync('/usr/bin/nice');
    const child = useNice
      ? spawn('/usr/bin/nice', ['-n', '10', this.executable, ...args], { cwd: this.project.root, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(this.executable, args, { cwd: this.project.root, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    this.connection = connection;
    child.stdin!.on('error', () => undefined); // a dead clangd's pipe: the exit handler reports it
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => this.events.diagnostics(p));
    connection.listen();
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await spawned;
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(this.project.root).href,
      workspaceFolders: [{ uri: pathToFileURL(this.project.root).href, name: path.basename(this.project.root) }],
      capabilities,
      initializationOptions: { fallbackFlags: clangdFlags(this.project) },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    this.initialized = true;
    queueMicrotask(() => this.events.started());
    return connection;
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.connection?.dispose();
    this.connection = null;
    this.child = null;
    this.ready = null;
    this.initialized = false;
    if (this.stopping) return;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const delay = BACKOFF_MS[this.crashes++];
    if (delay === undefined) {
      const last = this.stderrTail.trim().split('\n').slice(-1)[0];
      this.failure = `clangd stopped ${this.crashes} times (last: ${how}${last ? `, "${last}"` : ''}): C completion now comes from kiln.h only — reopen the project to try clangd again`;
      this.events.failed(this.failure);
      return;
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.connect().catch(() => undefined);
    }, delay);
  }

  /** Sends a notification if clangd is up (documents are sent again on every start anyway). */
  notify(kind: 'open' | 'change' | 'close', uri: string, text = '', version = 0): void {
    const c = this.connection;
    if (!c || !this.child || !this.initialized) return;
    if (kind === 'open') void c.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version, text } }).catch(() => undefined);
    else if (kind === 'change') void c.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] }).catch(() => undefined);
    else void c.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } }).catch(() => undefined);
  }

  /** Polite shutdown, then SIGKILL if clangd does not leave within a second. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    const connection = this.connection;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      if (connection) {
        await Promise.race([connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 1000))]);
        await connection.sendNotification(ExitNotification.type).catch(() => undefined);
      }
    } catch {
      // clangd already gone: the kill below is a no-op
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    await gone;
    clearTimeout(timer);
    connection?.dispose();
  }
}
