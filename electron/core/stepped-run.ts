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
import type { PluginImage, RunnerToHost } from './runner-protocol';

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
    if (!built.ok) throw new Error(`${plugin.name} did not build:\n${built.output}`);
    plugins.push({ name: plugin.name, path: output, version: 1 });
  }
  const runner = nodeRunnerLauncher(paths.runnerScript)();
  const frames: SteppedFrame[] = [];
  const log: string[] = [];
  let waiting: { requestId: number; resolve: () => void } | null = null;
  let failed: ((err: Error) => void) | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    failed = reject;
    runner.onMessage((m: RunnerToHost) => {
      if (m.type === 'ready') {
        const bad = m.loaded.filter((l) => !l.ok);
        if (bad.length) reject(new Error(`not loaded: ${bad.map((b) => `${b.plugin}: ${b.error}`).join('; ')}`));
        else resolve();
      } else if (m.type === 'frame') {
        frames.push({ frame: m.frame, pixels: m.pixels, sounds: m.sounds ?? [] });
        runner.send({ type: 'frame-ack' });
      } else if (m.type === 'session' && waiting && m.requestId === waiting.requestId) {
        waiting.resolve();
      } else if (m.type === 'log') {
        log.push(`[${m.level}] ${m.text}`);
      } else if (m.type === 'fatal') {
        failed?.(new Error(m.error));
      }
    });
    runner.onExit((code, signal) => failed?.(new Error(`the runner ended (${signal ?? code}) after ${frames.length} frames:\n${log.join('\n')}`)));
  });
  try {
    const { width, height } = project.config;
    runner.send({ type: 'init', width, height, workDir: path.join(run.workDir, 'runner'), libkiln: paths.libkiln, plugins, stepped: true, projectDir: project.root, historyBytes: 0 });
    await ready;
    for (let f = 1; f <= run.frames; f++) {
      for (const [key, down] of run.keys?.[f] ?? []) runner.send({ type: 'input', key, down });
      const answered = new Promise<void>((resolve, reject) => {
        waiting = { requestId: f, resolve };
        failed = reject;
      });
      runner.send({ type: 'control', requestId: f, action: 'step' }); // its frame comes before its answer
      await answered;
    }
  } finally {
    runner.kill();
  }
  return frames;
}
