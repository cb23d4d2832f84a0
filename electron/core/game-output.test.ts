/**
 * What plugins print, end to end through a real runner: printf/stderr land in the game log tagged with their
 * plugin and stream, a log_printf in update folds into one entry with a count, and the runner's own Node
 * output (console.log) still reaches the back end's terminal and never the game log.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GameLogMessage } from '../shared/contract';
import { KilnBackend } from './backend';
import type { HostToRunner, RunnerLauncher, RunnerToHost } from './runner-protocol';
import { testPaths, writeProject } from './test-support';

const GAME = `#include "kiln.h"
#include <stdio.h>
typedef struct { int n; } S;
static void update(void *p, float dt) {
    S *s = p; (void)dt; s->n++;
    if (s->n % 30 == 0) { printf("tick %d\\n", s->n); fprintf(stderr, "careful %d\\n", s->n); }
    log_printf("every frame says %s", "hi");
}
KILN_PLUGIN(.name = "game", .state_size = sizeof(S), .state_version = 1, .update = update)
`;

/** Node output from inside the runner once it runs a game: a console.log and a console.error after the first load. */
const PRELOAD = `let said = false;
process.on('message', (m) => {
  if (said || !m || m.type !== 'load') return;
  said = true;
  setTimeout(() => { console.log('node says hi from the runner'); console.error('node warns from the runner'); }, 300);
});
`;

/** The usual launcher, with the runner's stdout/stderr read by the test (what the back end's terminal would show). */
function capturingLauncher(preload: string, terminal: string[]): RunnerLauncher {
  return () => {
    const child = fork(testPaths.runnerScript, [], { serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: ['--require', preload] });
    child.stdout!.on('data', (d: Buffer) => terminal.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => terminal.push(d.toString()));
    return {
      get pid() {
        return child.pid;
      },
      send: (message: HostToRunner) => void (child.connected && child.send(message, (err) => void err)),
      onMessage: (listener) => void child.on('message', (m) => listener(m as RunnerToHost)),
      onExit: (listener) => void child.on('exit', (code, signal) => listener(code, signal)),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('what plugins print', () => {
  let backend: KilnBackend | undefined;
  afterAll(async () => {
    await backend?.stop();
  });

  it('printf and stderr reach the game log tagged with the plugin; Node output stays on the terminal', async () => {
    const dir = writeProject({
      'kiln.json': JSON.stringify({ name: 'printer', width: 16, height: 16, plugins: [{ name: 'game', sources: ['game.c'] }] }),
      'game.c': GAME,
    });
    const preload = path.join(os.tmpdir(), `kiln-preload-${process.pid}.cjs`);
    writeFileSync(preload, PRELOAD);
    const terminal: string[] = [];
    backend = await KilnBackend.open({ projectDir: dir, paths: testPaths, launcher: capturingLauncher(preload, terminal), trustProject: true });
    const log: GameLogMessage[] = [];
    backend.on('game-log', (m) => log.push(m));
    await backend.start();
    await backend.idle();

    const find = (pred: (m: GameLogMessage) => boolean) => log.find(pred);
    await until('tick 60 in the game log', () => !!find((m) => m.text === 'tick 60'));
    expect(find((m) => m.text === 'tick 30')).toMatchObject({ plugin: 'game', source: 'stdout', level: 'info' });
    expect(find((m) => m.text === 'careful 30')).toMatchObject({ plugin: 'game', source: 'stderr', level: 'warn' });

    // log_printf every frame: one entry (one id) whose count grows
    await until('the repeated line to be counted', () => log.some((m) => m.text === 'game: every frame says hi' && (m.count ?? 1) >= 30));
    const repeats = log.filter((m) => m.text === 'game: every frame says hi');
    expect(new Set(repeats.map((m) => m.id)).size).toBe(1);
    expect(repeats.length).toBeLessThan(repeats.at(-1)!.count! / 2); // far fewer sends than lines

    await until('Node output on the terminal', () => terminal.join('').includes('node warns from the runner'));
    const printed = terminal.join('');
    expect(printed).toContain('node says hi from the runner');
    expect(printed).not.toContain('tick 30'); // the plugin's printf went to the game log only
    expect(log.some((m) => m.text.includes('node says hi'))).toBe(false);
  }, 120_000);
});
