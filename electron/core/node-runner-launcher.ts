/** Starts the game runner as a Node child process (web shell, CLI, tests). */
import { fork } from 'node:child_process';
import type { HostToRunner, RunnerLauncher, RunnerProcess, RunnerToHost } from './runner-protocol';

export function nodeRunnerLauncher(runnerScript: string): RunnerLauncher {
  return (): RunnerProcess => {
    // 'advanced' serialization carries frame bytes as a Uint8Array, not as JSON.
    const child = fork(runnerScript, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return {
      get pid() {
        return child.pid;
      },
      send(message: HostToRunner) {
        if (child.connected) child.send(message);
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
