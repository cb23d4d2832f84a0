/**
 * The native export: a folder a user can zip and send. The game program (native/player/player.c: SDL2 + libkiln,
 * built by `make -C native` as kiln-player), libkiln, the plugins built optimised, game.manifest, the assets and
 * a README that says what the program needs from the system.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExportProblem, ExportReport } from '../../shared/contract';
import { compile, findCompilerFor } from '../compiler';
import { copyAssets, describeExport, ExportError, type ExportRequest, prepareOutDir } from './export-files';

/** The program's file name: the game's name, kept to what every shell and zip tool takes without quoting. */
export function programName(gameName: string): string {
  return gameName.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'game';
}

export async function exportNative(req: ExportRequest): Promise<ExportReport> {
  const started = performance.now();
  const { project, paths, outDir } = req;
  if (process.platform !== 'linux') throw new ExportError([{ message: `the native export makes Linux programs; this is ${process.platform}` }]);
  const player = path.join(path.dirname(paths.libkiln), 'kiln-player');
  await fs.access(player).catch(() => {
    throw new ExportError([{ message: `${player} is missing: install SDL2's headers (Debian: apt-get install libsdl2-dev) and run npm run build:native` }]);
  });
  await prepareOutDir(outDir, 'game.manifest');
  await fs.mkdir(path.join(outDir, 'plugins'));
  await fs.mkdir(path.join(outDir, 'assets')); // the program's image folder, even when the game has none
  const problems: ExportProblem[] = [];
  const lines = [`name ${project.config.name.replace(/\s+/g, ' ')}`, `size ${project.config.width} ${project.config.height}`];
  for (const plugin of project.config.plugins) {
    const sources = plugin.sources.map((s) => project.resolve(s));
    const compiler = await findCompilerFor(sources, project.config.build.compiler, 'optimised');
    const image = `plugins/${plugin.name}.so`;
    const result = await compile({
      compiler,
      sources,
      output: path.join(outDir, image),
      includeDirs: [paths.includeDir, project.root],
      profile: 'optimised',
      extraFlags: project.config.build.flags,
      cwd: project.root,
      limits: { timeLimitSeconds: project.config.build.timeLimitSeconds, memoryLimitMb: project.config.build.memoryLimitMb },
    });
    for (const d of result.diagnostics.filter((x) => x.severity === 'error')) {
      problems.push({ plugin: plugin.name, file: path.isAbsolute(d.file) ? project.relative(d.file) : d.file, line: d.line, column: d.column, message: d.message });
    }
    lines.push(`plugin ${plugin.name} ${image}`);
  }
  if (problems.length) throw new ExportError(problems);
  // The build's side files (dependency lists, Zig's cache) are not part of the game.
  for (const entry of await fs.readdir(path.join(outDir, 'plugins'))) {
    if (!entry.endsWith('.so')) await fs.rm(path.join(outDir, 'plugins', entry), { recursive: true, force: true });
  }
  await fs.writeFile(path.join(outDir, 'game.manifest'), `${lines.join('\n')}\n`);
  const program = programName(project.config.name);
  await fs.copyFile(player, path.join(outDir, program));
  await fs.chmod(path.join(outDir, program), 0o755);
  await fs.copyFile(paths.libkiln, path.join(outDir, path.basename(paths.libkiln)));
  await stripDebugInfo([path.join(outDir, program), path.join(outDir, path.basename(paths.libkiln)), ...project.config.plugins.map((p) => path.join(outDir, `plugins/${p.name}.so`))]);
  await copyAssets(project, outDir);
  await fs.writeFile(path.join(outDir, 'README.txt'), readme(project.config.name, program));
  return describeExport('native', outDir, started);
}

/** Debug info is for the editor's crash reports; a shipped game is a third of the size without it. No strip: kept as is. */
function stripDebugInfo(files: string[]): Promise<void> {
  return new Promise((resolve) => execFile('strip', ['--strip-debug', ...files], { timeout: 60_000 }, () => resolve()));
}

function readme(name: string, program: string): string {
  return `${name} — made with Kiln

Run it:    ./${program}
Keys:      the game's own (arrow keys, W/S, space, ...). Close the window to quit.

It needs, from the system: Linux on x86-64 with glibc, and SDL2 (the window, keyboard, gamepads and sound):
  Debian / Ubuntu:  sudo apt-get install libsdl2-2.0-0
  Fedora:           sudo dnf install SDL2
  Arch:             sudo pacman -S sdl2

Everything else is in this folder: keep the files together (${program} finds libkiln.so, game.manifest and
plugins/ beside itself, wherever the folder is). Game state is fresh each run.

Sound goes to SDL's audio device (PulseAudio, PipeWire or ALSA). With none, the game says so once and plays
silent. SDL_AUDIODRIVER picks a driver; SDL_AUDIODRIVER=none turns sound off.

For automated checks:
  ./${program} --frames 120 --screenshot frame.png
      runs 120 frames with no input and writes the last one as a PNG (under xvfb-run without a display).
      The frames run as fast as they can; their sound is played after the last one, each sound at its frame's
      time (frame N starts at (N-1)/60 s). To record it: SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE=out.raw (48 kHz
      stereo 32-bit float; SDL_DISKAUDIODELAY=0 writes it without waiting).
  ./${program} --input keys.txt
      presses keys at given frames, one "<frame> <key> down|up" a line (frame 1 is the first; keys as in
      kiln.h: A..Z, 0..9, SPACE, UP, DOWN, LEFT, RIGHT, ENTER, ESCAPE, SHIFT, CONTROL, TAB, BACKSPACE), e.g.
        60 SPACE down
        62 SPACE up
`;
}
