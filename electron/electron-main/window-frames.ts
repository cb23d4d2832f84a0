/**
 * Frames from the runner to each window without the main process in between: every (runner, window) pair gets its
 * own MessageChannelMain, one end transferred to the runner's utilityProcess ('frame-port'), the other to the
 * window's preload (ipcChannels.framePort). The main process's event loop is busy spawning compilers during a
 * reload; frames through it waited there (issue 16). A warm standby runner is connected as soon as it starts,
 * so it has every window's port when it takes over.
 */
import type { MessagePortMain } from 'electron';
import { ipcChannels } from '../shared/contract';

/** The parts of UtilityProcess and WebContents this uses (typed against Electron's own definitions). */
export interface RunnerEnd {
  postMessage(message: unknown, transfer?: MessagePortMain[]): void;
}
export interface WindowEnd {
  postMessage(channel: string, message: unknown, transfer?: MessagePortMain[]): void;
}

export interface WindowFrames {
  /** A runner process started (or a standby): connect it to every window; `exited` when it is gone. */
  runnerStarted(runner: RunnerEnd): { exited(): void };
  /** A window's page is loaded (its preload listens): connect it to every live runner. */
  windowReady(window: WindowEnd): { closed(): void };
}

export function windowFrames(newChannel: () => { port1: MessagePortMain; port2: MessagePortMain }): WindowFrames {
  const runners = new Set<RunnerEnd>();
  const windows = new Set<WindowEnd>();
  const connect = (runner: RunnerEnd, window: WindowEnd) => {
    const { port1, port2 } = newChannel();
    runner.postMessage({ type: 'frame-port' }, [port1]);
    window.postMessage(ipcChannels.framePort, null, [port2]);
  };
  return {
    runnerStarted(runner) {
      runners.add(runner);
      for (const w of windows) connect(runner, w);
      return { exited: () => runners.delete(runner) };
    },
    windowReady(window) {
      windows.add(window);
      for (const r of runners) connect(r, window);
      return { closed: () => windows.delete(window) };
    },
  };
}
