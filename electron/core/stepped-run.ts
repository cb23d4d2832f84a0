/**
 * A game run frame by frame in a real runner process (the editor's own, in its stepped mode: fixed 1/60 s steps,
 * input only where asked): frame N with its pixels and sounds, the same on every run. The exports are checked
 * against it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { SoundCommand } from '../shared/contract';
import { compile, findCompilerFor } from './compiler';
import { nodeRunnerLauncher } from './node-runner-launcher';
import type { KilnPaths } from './paths';
import type { Project } from './project';
import { runnerFrameReader, type PluginImage, type RunnerToHost } from './runner-protocol';

/** Loading the plugins and saying 'ready': under a second on a quiet machine; generous for a loaded 2-core one. */
const READY_MS = 60_000;
/** One step's frame and answer: milliseconds normally; a runner silent this long is stuck, not slow. */
const STEP_MS = 30_000;

export interface SteppedFrame {
  /** 1 = the first frame. */
  frame: number;
  pixels: Uint8Array;
  /** What the frame asked to play (the contract's records, as the editor gets them). */
  sounds: SoundCommand[];
}

export interface SteppedRun {
  project: Project;
  paths: KilnPaths;
  frames: number;
  /** Keys to press or release before frame N runs: { 10: [[87, true]] } holds W from frame 10. */
  keys?: Record<number, Array<[number, boolean]>>;
  /** Where the plugin images and the runner's state go (created). */
  workDir: string;
  /** How long one step's frame and answer may take (STEP_MS). */
  stepMs?: number;
}

/** Frames 1..frames of the project, as the runner process makes them; rejects with the runner's words on a failure. */
export async function runStepped(run: SteppedRun): Promise<SteppedFrame[]> {
  const { project, paths } = run;
  await mkdir(run.workDir, { recursive: true });
  const plugins: PluginImage[] = [];
  for (const plugin of project.config.plugins) {
    const sources = plugin.sources.map((s) => project.resolve(s));
    const output = path.join(run.workDir, `${plugin.name}.so`);
    const built = await compile({ compiler: await findCompilerFor(sources, project.config.build.compiler), sources, output, includeDirs: [paths.includeDir, project.root], profile: 'fast', extraFlags: project.config.build.flags, cwd: project.root });
    if (!built.ok) throw new Error(`${plugin.name} did not build:\n${[...built.diagnostics.map((d) => d.message), built.output].join('\n')}`);
    plugins.push({ name: plugin.name, path: output, version: 1 });
  }
  const runner = nodeRunnerLauncher(paths.runnerScript)();
  const frames: SteppedFrame[] = [];
  const log: string[] = [];
  /** The one answer awaited now ('ready', then each step's 'session'): what it is and how it ends. */
  let awaited: { requestId?: number; resolve: () => void; reject: (err: Error) => void } | null = null;
  /** Why the run cannot go on (a fatal, the runner's exit): the wait now pending and any later one fail with it. */
  let broken: Error | null = null;
  const fail = (err: Error) => {
    broken ??= err;
    awaited?.reject(broken);
  };
  const described = () => `last frame received ${frames.at(-1)?.frame ?? 'none'}; runner log:\n${log.slice(-20).join('\n') || '(nothing logged)'}`;
  const readFrame = runnerFrameReader(runner);
  runner.onMessage((m: RunnerToHost) => {
    if (m.type === 'ready') {
      const bad = m.loaded.filter((l) => !l.ok);
      if (bad.length) fail(new Error(`not loaded: ${bad.map((b) => `${b.plugin}: ${b.error}`).join('; ')}`));
      else if (awaited && awaited.requestId === undefined) awaited.resolve();
    } else if (m.type === 'frame') {
      const f = readFrame(m);
      if (f) frames.push({ frame: f.frame, pixels: f.pixels, sounds: f.sounds ?? [] });
    } else if (m.type === 'session' && awaited && m.requestId !== undefined && m.requestId === awaited.requestId) {
      // the runner sends a step's frame before its answer: an answer without it means the frame was dropped
      if (frames.length !== m.requestId) awaited.reject(new Error(`stepped runner: step ${m.requestId} was answered without its frame (${frames.length} frames received); ${described()}`));
      else awaited.resolve();
    } else if (m.type === 'log') {
      log.push(`[${m.level}] ${m.text}`);
    } else if (m.type === 'fatal') {
      fail(new Error(m.error));
    }
  });
  runner.onExit((code, signal) => fail(new Error(`the runner ended (${signal ?? code}) after ${frames.length} frames:\n${log.join('\n')}`)));
  /** Runs `send` and waits for its answer, at most `ms`: a runner that stops answering is named, never waited on forever. */
  const ask = (what: string, requestId: number | undefined, ms: number, send: () => void) =>
    new Promise<void>((resolve, reject) => {
      if (broken) return reject(broken);
      const timer = setTimeout(() => awaited?.reject(new Error(`stepped runner: ${what} after ${ms / 1000} s; ${described()}`)), ms);
      const settle = () => {
        clearTimeout(timer);
        awaited = null;
      };
      awaited = { requestId, resolve: () => (settle(), resolve()), reject: (err) => (settle(), reject(err)) };
      send();
    });
  try {
    const { width, height } = project.config;
    await ask(`no 'ready' (plugins ${plugins.map((p) => p.name).join(', ')} loading)`, undefined, READY_MS, () =>
      runner.send({ type: 'init', width, height, workDir: path.join(run.workDir, 'runner'), libkiln: paths.libkiln, plugins, stepped: true, projectDir: project.root, historyBytes: 0 }),
    );
    for (let f = 1; f <= run.frames; f++) {
      for (const [key, down] of run.keys?.[f] ?? []) runner.send({ type: 'input', key, down });
      await ask(`no answer to step ${f}`, f, run.stepMs ?? STEP_MS, () => runner.send({ type: 'control', requestId: f, action: 'step' })); // its frame comes before its answer
    }
  } finally {
    runner.kill();
  }
  return frames;
}
