/** Starts the game runner as a Node child process (web shell, CLI, tests). */
import { fork } from 'node:child_process';
import { bundleExecArgv, childExecArgv, RUNNER_NODE_FLAGS } from './back-end-launch';
import type { HostToRunner, RunnerLauncher, RunnerProcess, RunnerToHost } from './runner-protocol';

export function nodeRunnerLauncher(runnerScript: string): RunnerLauncher {
  return (): RunnerProcess => {
    // 'advanced' serialization carries frame bytes as a Uint8Array, not as JSON. The runner's V8 flags: a small
    // young generation, as the back end's (back-end-launch.ts says why). The runner is always a bundle (dist/runner).
    const child = fork(runnerScript, [], { execArgv: [...bundleExecArgv(childExecArgv()), ...RUNNER_NODE_FLAGS], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // A failed send or kill of a runner that is gone: its exit says what happened. Only a failed start is news.
    child.on('error', (err) => {
      if (child.pid === undefined) console.error(`kiln: could not start the game runner: ${err.message}`);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message: HostToRunner) {
        // The runner can die between the check and the write (Ctrl+C reaches its process group too): the
        // write then fails with EPIPE, which onExit reports; without a callback it is an unhandled 'error'.
        if (child.connected) child.send(message, (err) => void err);
      },
      onMessage(listener) {
        child.on('message', (m) => listener(m as RunnerToHost));
      },
      onExit(listener) {
        child.on('exit', (code, signal) => listener(code, signal));
      },
      kill() {
        child.kill('SIGKILL');
      },
    };
  };
}
