/**
 * A reload's steps from ReloadEvent.timings.hops (each step's end, ms after the save reached the back end) as the
 * time each step took, in order, so they add up: the breakdown §1 and §9 print.
 */
import type { ReloadHops } from '../electron/shared/contract';
import { summarise } from './stats';

export interface ReloadSteps {
  /** The save written, the build queued and started. */
  backendToBuild: number;
  /** Status broadcast, compiler found, spawn asked for. */
  buildToSpawn: number;
  /** Spawn → the compiler exited and its output and -MD file were read: Kiln's compile. */
  compile: number;
  /** Diagnostics, the rename into .kiln/build/. */
  exitToImage: number;
  imageToLoadSent: number;
  /** The load message's trip over IPC, until the runner read it. */
  loadSentToRunner: number;
  /** kiln_load_plugin on koffi's worker thread. */
  runnerLoad: number;
  /** The load's completion back on the runner's loop → the first frame drawn. */
  loadToFirstFrame: number;
  /** Framebuffer copy and the write to the frame relay (or the IPC channel). */
  frameDrawnToSent: number;
}

/** Null when the runner's stamps are missing (an older runner, or no first frame). */
export function reloadSteps(h: ReloadHops | undefined): (ReloadSteps & { frameSentMs: number }) | null {
  if (!h || h.runnerLoadStartMs === undefined || h.runnerLoadDoneMs === undefined || h.firstFrameMs === undefined || h.frameSentMs === undefined) return null;
  return {
    backendToBuild: h.buildStartMs,
    buildToSpawn: h.compilerSpawnMs - h.buildStartMs,
    compile: h.compilerExitMs - h.compilerSpawnMs,
    exitToImage: h.imageReadyMs - h.compilerExitMs,
    imageToLoadSent: h.loadSentMs - h.imageReadyMs,
    loadSentToRunner: h.runnerLoadStartMs - h.loadSentMs,
    runnerLoad: h.runnerLoadDoneMs - h.runnerLoadStartMs,
    loadToFirstFrame: h.firstFrameMs - h.runnerLoadDoneMs,
    frameDrawnToSent: h.frameSentMs - h.firstFrameMs,
    frameSentMs: h.frameSentMs,
  };
}

/** The steps up to the frame leaving the runner, then its way to a consumer that had it `consumerMs` after the save. */
export function stepsToConsumer(h: ReloadHops | undefined, consumerMs: number): (ReloadSteps & { frameToConsumer: number }) | null {
  const s = reloadSteps(h);
  if (!s) return null;
  const { frameSentMs, ...rest } = s;
  return { ...rest, frameToConsumer: consumerMs - frameSentMs };
}

/** p50 of every numeric field over the samples, rounded to 0.1 ms. */
export function stepsP50<T extends object>(samples: T[]): Record<string, number> {
  if (!samples.length) return {};
  const keys = Object.keys(samples[0]) as Array<keyof T>;
  return Object.fromEntries(keys.map((k) => [k, Math.round(summarise(samples.map((s) => s[k] as number).filter(Number.isFinite)).p50 * 10) / 10]));
}

export const formatSteps = (p50: Record<string, number>) => Object.entries(p50).map(([k, v]) => `${k} ${v}`).join(', ');
