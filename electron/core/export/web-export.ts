/**
 * The web export: every plugin compiled to WebAssembly with the npm Zig (`zig cc -target wasm32-wasi
 * -mexec-model=reactor`), linked with the browser host (native/web/host_web.c), the canvas drawing and the world
 * storage libkiln uses (native/src/draw.c, world_store.c) into one game.wasm, beside index.html, kiln-web.js and
 * the assets (images and sound files).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExportProblem, ExportReport } from '../../shared/contract';
import { findZig, zigGlobalCache } from '../compiler';
import { parseTextDiagnostics } from '../diagnostics';
import { copyAssets, describeExport, ExportError, type ExportRequest, prepareOutDir } from './export-files';
import { renameWasmSymbols } from './wasm-object';

/** The seed the runner's libkiln starts with (KILN_RNG_DEFAULT_SEED, native/src/rng.h); 0 means the same there. */
const DEFAULT_SEED = 0;
const TARGET = ['-target', 'wasm32-wasi'];
/** Size first: pong's page must stay small (-Oz and a stripped module). */
const C_FLAGS = [...TARGET, '-mexec-model=reactor', '-Oz', '-std=gnu11', '-fno-color-diagnostics', '-fno-caret-diagnostics'];
/** The imports a game may have: wasi-libc's calls (kiln-web.js answers them) and the host's log. */
const ALLOWED_IMPORT_MODULES = new Set(['wasi_snapshot_preview1', 'kiln']);

interface ToolRun {
  code: number;
  output: string;
}

interface PluginObjects {
  plugin: string;
  entry: string;
  /** Its KILN_SYSTEM's symbol (declared weak in plugins.c: a plugin without one leaves it NULL). */
  system: string;
  objects: string[];
}

export async function exportWeb(req: ExportRequest): Promise<ExportReport> {
  const started = performance.now();
  const { project, paths, outDir } = req;
  const zig = (await findZig()).command[0];
  const build = path.join(project.workDir, 'export-web');
  await fs.rm(build, { recursive: true, force: true });
  await fs.mkdir(build, { recursive: true });
  const env = { ...process.env, ZIG_GLOBAL_CACHE_DIR: zigGlobalCache(path.join(build, 'zig-cache')), ZIG_LOCAL_CACHE_DIR: path.join(build, 'zig-cache') };
  const tool = (args: string[]) => runTool(zig, args, project.root, env);
  const includes = ['-I', paths.includeDir, '-I', project.root];
  const nativeDir = path.join(paths.root, 'native');

  const problems: ExportProblem[] = [];
  const plugins: PluginObjects[] = [];
  for (const plugin of project.config.plugins) {
    const id = plugin.name.replace(/-/g, '_');
    const sources = plugin.sources.map((s) => project.resolve(s));
    const entry = `kiln_plugin_entry__${id}`;
    const system = `kiln_system_desc__${id}`;
    if (sources.some((s) => s.endsWith('.zig'))) {
      const object = path.join(build, `${id}.o`);
      const ran = await tool(['build-obj', ...TARGET, '-O', 'ReleaseSmall', '-fstrip', '-lc', ...includes, `-femit-bin=${object}`, sources[0]]);
      if (ran.code !== 0) {
        problems.push(...compileProblems(plugin.name, ran.output, project.root));
        continue;
      }
      // A Zig `export fn` keeps its name whatever -D says: the object's symbol table gets the plugin's own names.
      const renamed = renameWasmSymbols(await fs.readFile(object), new Map([['kiln_plugin_entry', entry], ['kiln_system_desc', system]]));
      if (!renamed.renamed.includes('kiln_plugin_entry')) {
        problems.push({ plugin: plugin.name, symbol: 'kiln_plugin_entry', message: 'the Zig plugin exports no kiln_plugin_entry: add `export fn kiln_plugin_entry(...)` as in plugins/templates' });
        continue;
      }
      await fs.writeFile(object, renamed.bytes);
      plugins.push({ plugin: plugin.name, entry, system, objects: [object] });
      continue;
    }
    // Each plugin's entry, system and `kiln` pointer get names of its own, so several plugins share one module.
    const rename = [`-Dkiln_plugin_entry=${entry}`, `-Dkiln_system_desc=${system}`, `-Dkiln=kiln__${id}`];
    const flags = project.config.build.flags.filter((f) => /^-(D|I|U|std=|W)/.test(f)); // -shared, -l... are native-only
    const objects: string[] = [];
    for (const [k, source] of sources.entries()) {
      const object = path.join(build, `${id}-${k}.o`);
      const ran = await tool(['cc', ...C_FLAGS, ...includes, ...rename, ...flags, '-c', source, '-o', object]);
      if (ran.code !== 0) problems.push(...compileProblems(plugin.name, ran.output, project.root));
      objects.push(object);
    }
    plugins.push({ plugin: plugin.name, entry, system, objects });
  }
  if (problems.length) throw new ExportError(problems);

  const table = path.join(build, 'plugins.c');
  await fs.writeFile(table, pluginTable(plugins));
  const hostIncludes = [...includes, '-I', path.join(nativeDir, 'src'), '-I', path.join(nativeDir, 'web'), '-I', path.join(nativeDir, 'include')];
  const hostObjects: string[] = [];
  const decoder = path.join(nativeDir, 'src', 'asset_decode.c');
  // world_store.c is libkiln's world storage: the same entity ids and query order as in the editor
  const hostSources = [...['host_web.c', 'host_web_world.c', 'host_web_sound.c'].map((f) => path.join(nativeDir, 'web', f)), ...['draw.c', 'world_store.c', 'project_path.c', 'sound_header.c'].map((f) => path.join(nativeDir, 'src', f)), decoder, table];
  for (const source of hostSources) {
    const object = path.join(build, `host-${path.basename(source, '.c')}.o`);
    // stb_image is Debian's header (libstb-dev) in /usr/include/stb: searched after wasi-libc's headers, never before
    const system = source === decoder ? ['-idirafter', '/usr/include'] : [];
    const ran = await tool(['cc', ...C_FLAGS, ...hostIncludes, ...system, '-c', source, '-o', object]);
    if (ran.code !== 0) throw new ExportError([{ message: `the web host did not compile (a broken Kiln install?): ${ran.output.trim()}` }]);
    hostObjects.push(object);
  }

  const wasm = path.join(build, 'game.wasm');
  const objects = plugins.flatMap((p) => p.objects);
  const linked = await tool(['cc', ...C_FLAGS, '-s', ...objects, ...hostObjects, '-o', wasm]);
  if (linked.code !== 0) throw new ExportError(linkProblems(linked.output, plugins));
  const bytes = await fs.readFile(wasm);
  const foreign = wasmImports(bytes).filter((i) => !ALLOWED_IMPORT_MODULES.has(i.module));
  if (foreign.length) {
    throw new ExportError(foreign.map((i) => ({ symbol: i.name, message: `the game needs ${i.module}.${i.name}, which a browser cannot give it` })));
  }

  await prepareOutDir(outDir, 'kiln-web.js');
  const playerDir = path.join(path.dirname(paths.runnerScript), '..', 'export-player');
  const template = await fs.readFile(path.join(playerDir, 'index.html'), 'utf8').catch(() => {
    throw new ExportError([{ message: `${playerDir} is missing: run npm run build:back` }]);
  });
  const assets = await copyAssets(project, outDir);
  const config = { name: project.config.name, width: project.config.width, height: project.config.height, seed: DEFAULT_SEED, wasm: 'game.wasm', assets };
  const html = template.replace('{{TITLE}}', escapeHtml(project.config.name)).replace('{{CONFIG}}', JSON.stringify(config).replace(/</g, '\\u003c'));
  await fs.writeFile(path.join(outDir, 'index.html'), html);
  await fs.copyFile(path.join(playerDir, 'kiln-web.js'), path.join(outDir, 'kiln-web.js'));
  await fs.writeFile(path.join(outDir, 'game.wasm'), bytes);
  return describeExport('web', outDir, started);
}

/** plugins.c: the entries in kiln.json's order (the order the runner loads and runs them). */
function pluginTable(plugins: PluginObjects[]): string {
  return [
    '/* generated by the web export: the game\'s plugins in the order they run */',
    '#include "web_plugins.h"',
    ...plugins.map((p) => `const kiln_plugin *${p.entry}(const kiln_host *host);`),
    ...plugins.map((p) => `extern const kiln_system ${p.system} __attribute__((weak));`),
    `const int kiln_web_plugin_count = ${plugins.length};`,
    `const kiln_entry_fn kiln_web_plugin_entries[] = {${plugins.map((p) => p.entry).join(', ')}};`,
    `const char *const kiln_web_plugin_names[] = {${plugins.map((p) => JSON.stringify(p.plugin)).join(', ')}};`,
    `const kiln_system *const kiln_web_plugin_systems[] = {${plugins.map((p) => `&${p.system}`).join(', ')}};`,
    '',
  ].join('\n');
}

function compileProblems(plugin: string, output: string, root: string): ExportProblem[] {
  const errors = parseTextDiagnostics(output).filter((d) => d.severity === 'error');
  if (!errors.length) return [{ plugin, message: `did not compile for the web: ${output.trim() || 'the compiler failed'}` }];
  return errors.map((d) => ({
    plugin,
    symbol: /undeclared function '(\w+)'|implicit declaration of function '(\w+)'/.exec(d.message)?.slice(1).find(Boolean),
    file: path.isAbsolute(d.file) ? path.relative(root, d.file) : d.file,
    line: d.line,
    column: d.column,
    // wasi-libc leaves out what a browser cannot do (fork, signals, sockets...): say so where it shows
    message: /implicit(ly)? declar|undeclared function/i.test(d.message) ? `${d.message} — WebAssembly's libc (WASI) has no such function: the web export cannot use it` : d.message,
  }));
}

/** wasm-ld's "<object>: undefined symbol: <name>" and "duplicate symbol: <name>" (">>> defined in <object>") errors,
    as (plugin, symbol) records. */
export function linkProblems(output: string, plugins: { plugin: string; objects: string[] }[]): ExportProblem[] {
  const byObject = new Map(plugins.flatMap((p) => p.objects.map((o) => [path.basename(o), p.plugin] as const)));
  const pluginOf = (object: string | undefined) => (object ? byObject.get(path.basename(object)) : undefined);
  const problems: ExportProblem[] = [];
  const seen = new Set<string>();
  for (const m of output.matchAll(/^(?:wasm-ld: )?error: (?:(\S+?): )?undefined symbol: (\S+)/gm)) {
    const plugin = pluginOf(m[1]);
    const key = `${plugin}/${m[2]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ plugin, symbol: m[2], message: `calls ${m[2]}, which neither WebAssembly's libc (WASI) nor the web host offers: remove the call or guard it with #ifndef __wasm__` });
  }
  for (const m of output.matchAll(/^(?:wasm-ld: )?error: duplicate symbol: (\S+)\n((?:>>> .*\n?)+)/gm)) {
    const owners = [...m[2].matchAll(/>>> defined in (\S+)/g)].map((d) => pluginOf(d[1]) ?? 'the web host');
    // each plugin is its own library in the editor, but one module on the web: a global name must be unique
    for (const plugin of new Set(owners)) {
      const others = owners.filter((o) => o !== plugin).join(' and ') || 'itself';
      problems.push({ plugin: plugin === 'the web host' ? undefined : plugin, symbol: m[1], message: `defines ${m[1]}, as ${others} does: on the web all plugins are one module, so make it static or give it a name of its own` });
    }
  }
  return problems.length ? problems : [{ message: `the WebAssembly link failed: ${output.trim()}` }];
}

/**
 * One zig command, at most this long: the first fills Zig's cache (its wasi-libc build: 1 min 45 s on the 2-core VM,
 * 5 min 30 s at load 30). Longer is named as too slow, before a caller's own limit (a test's 15 min) hides which.
 */
const TOOL_MS = 480_000;
/**
 * A zig command stuck, not slow: neither its processes nor any other zig used CPU this long. Zig runs sharing a cache
 * can deadlock on its file locks (ziglang/zig#22453), and a blocked flock uses no CPU; one waiting for another's
 * cache fill is not stuck, as that one keeps using CPU.
 */
const TOOL_IDLE_MS = 60_000;
/** Process groups of the zig commands running now: ended with this process, as compilers are (no orphans). */
const liveTools = new Set<number>();
let exitHook = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* the group is gone already */
  }
}

/** CPU time (clock ticks) of group `pgid` and of every process named `name`, their reaped children's included; null without /proc. */
async function cpuTicks(pgid: number, name: string): Promise<number | null> {
  const pids = await fs.readdir('/proc').catch(() => null);
  if (!pids) return null;
  let ticks = 0;
  for (const pid of pids.filter((p) => /^\d+$/.test(p))) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid pgrp ...": utime, stime, cutime, cstime are fields 14-17, counted from 1 with pid
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) === pgid || comm === name) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks;
}

function runTool(exe: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ToolRun> {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => liveTools.forEach(killGroup));
  }
  return new Promise((resolve, reject) => {
    // Its own process group: `zig cc` runs `zig clang` as a child, which a stuck run's kill must reach too (and
    // which would otherwise hold the output pipes open, so the run never ends).
    const posix = process.platform !== 'win32';
    const child = spawn(exe, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: posix, windowsHide: true });
    const pid = child.pid;
    if (posix && pid !== undefined) liveTools.add(pid);
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    let finished = false;
    const finish = () => {
      finished = true;
      clearTimeout(timer);
      clearInterval(watch);
      if (posix && pid !== undefined) {
        liveTools.delete(pid);
        killGroup(pid); // a grandchild it left behind goes with it
      }
    };
    const stop = (why: string) => {
      if (finished) return;
      finish();
      if (!posix) child.kill();
      const command = [path.basename(exe), ...args].join(' ');
      const said = output.trim() ? `\nits output so far:\n${output.trim()}` : '';
      reject(new ExportError([{ message: `the web export stopped \`${command}\` (in ${cwd}): it ${why}. Export again; zig runs sharing a cache (${env.ZIG_GLOBAL_CACHE_DIR}) can deadlock on its locks (ziglang/zig#22453), so let other exports and Zig builds finish first${said}` }]));
    };
    const timer = setTimeout(() => stop(`was still running after ${TOOL_MS / 1000} s, with zig using CPU (slow, not stuck: filling Zig's cache on a very busy machine?)`), TOOL_MS);
    let cpu = -1;
    let busyAt = performance.now();
    let looking = false; // one /proc scan at a time, however slow the machine
    const watch = setInterval(async () => {
      if (looking) return;
      looking = true;
      const now = pid === undefined || !posix ? null : await cpuTicks(pid, path.basename(exe).slice(0, 15));
      looking = false;
      if (now === null || now > cpu) {
        cpu = now ?? cpu;
        busyAt = performance.now();
      } else if (performance.now() - busyAt >= TOOL_IDLE_MS) {
        stop(`and every other zig used no CPU for ${TOOL_IDLE_MS / 1000} s (waiting on something that never came: a lock of Zig's cache?)`);
      }
    }, 5000);
    child.on('error', (err) => {
      if (finished) return;
      finish();
      resolve({ code: -1, output: `${output}${err.message}` });
    });
    child.on('close', (code) => {
      if (finished) return;
      finish();
      resolve({ code: code ?? 1, output });
    });
  });
}

/** What the module asks of its host, read by Node's own WebAssembly (the Node typings leave it out). */
function wasmImports(bytes: Uint8Array): { module: string; name: string }[] {
  type Api = { Module: { new (b: Uint8Array): object; imports(m: object): { module: string; name: string }[] } };
  const api = (globalThis as unknown as { WebAssembly: Api }).WebAssembly;
  return api.Module.imports(new api.Module(bytes));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
