/** Starts the game runner in an Electron utilityProcess (the desktop shell's counterpart of fork). */
import { utilityProcess } from 'electron';
import type { HostToRunner, RunnerLauncher, RunnerProcess, RunnerToHost } from '../core/runner-protocol';
import type { WindowFrames } from './window-frames';

/** `frames`: each runner gets a MessagePort per window, so frames skip the main process (window-frames.ts). */
export function utilityRunnerLauncher(runnerScript: string, frames?: WindowFrames): RunnerLauncher {
  return (): RunnerProcess => {
    const child = utilityProcess.fork(runnerScript, [], { serviceName: 'Kiln game runner', stdio: 'inherit' });
    let exited = false;
    const connected = frames?.runnerStarted(child);
    child.on('exit', () => {
      exited = true;
      connected?.exited();
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message: HostToRunner) {
        if (!exited) child.postMessage(message);
      },
      onMessage(listener) {
        child.on('message', (m: unknown) => listener(m as RunnerToHost));
      },
      onExit(listener) {
        // utilityProcess reports only a code; a signal death shows up as a non-zero code.
        child.on('exit', (code: number) => listener(code, null));
      },
      kill() {
        child.kill();
      },
    };
  };
}
