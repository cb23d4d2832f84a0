/**
 * Versions that kill or hang the runner (issue 11 §1), with real compilers, a real runner and real
 * dlopen: each must end with the game running the previous good version, the state from before the bad
 * version, one crash-rolled-back entry with a typed crash, and the next good save loaded at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBackends } from './test-support';
import { counter, expectRecovered, nextFrameOf, saveBad, startGame, gameSource } from './runner-fault-support';

afterEach(closeTestBackends);

// Real compilers and runners on a loaded 2-core machine: generous time-outs.
describe('a version that kills the runner is rolled back to the previous good one', { timeout: 90_000 }, () => {
  it('exit(3) in update', async () => {
    const game = await startGame();
    const { before } = await saveBad(game, 'exit(3);');
    await expectRecovered(game, before, { kind: 'runner-died', exitCode: 3, callback: 'update', state: 'before-version' });
  });

  it('_exit(4) in update', async () => {
    const game = await startGame();
    const { before } = await saveBad(game, '_exit(4);');
    await expectRecovered(game, before, { kind: 'runner-died', exitCode: 4, callback: 'update', state: 'before-version' });
  });

  it('raise(SIGKILL) in update', async () => {
    const game = await startGame();
    const { before } = await saveBad(game, 'raise(SIGKILL);');
    await expectRecovered(game, before, { kind: 'runner-died', signal: 'SIGKILL', callback: 'update', state: 'before-version' });
  });

  it('SIGSEGV reset to SIG_DFL, then a NULL write', async () => {
    const game = await startGame();
    const { entry, before } = await saveBad(game, 'signal(SIGSEGV, SIG_DFL); *(volatile int *)0 = 1;');
    // Either the guard stays in force (caught in the runner) or the runner dies of it: both roll back.
    if (entry.crash!.kind === 'signal') await expectRecovered(game, before, { callback: 'update', signal: 'SIGSEGV' }, false);
    else await expectRecovered(game, before, { kind: 'runner-died', signal: 'SIGSEGV', state: 'before-version' });
  });

  it('heap corruption: glibc aborts inside free()', async () => {
    const game = await startGame();
    const { entry, before } = await saveBad(game, 'char *p = malloc(24); memset(p - 8, 0x7f, 40); free(p);');
    if (entry.crash!.kind === 'signal') {
      // Caught in the runner; the runner is replaced all the same (its heap is not to be trusted).
      await expect.poll(() => game.events.some((e) => e.outcome === 'runner-restarted' && /aborted inside libc/.test(e.message)), { timeout: 15_000 }).toBe(true);
      await expectRecovered(game, before, { callback: 'update', signal: 'SIGABRT' }, false);
    }
    else await expectRecovered(game, before, { kind: 'runner-died', state: 'before-version' });
  });

  it('a deadlock the watchdog cannot break (signals blocked, a mutex taken twice) is a hang of that version', async () => {
    const game = await startGame({ watchdogMs: 500 });
    const { before } = await saveBad(game, 'sigset_t all; sigfillset(&all); pthread_sigmask(SIG_BLOCK, &all, 0); static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; pthread_mutex_lock(&m); pthread_mutex_lock(&m);', { includes: '#include <pthread.h>' });
    await expectRecovered(game, before, { kind: 'runner-hung', callback: 'update', state: 'before-version' });
  });

  it('a good version whose frame later stays over the limit is a hang of that version, rolled back too', async () => {
    const game = await startGame({ watchdogMs: 500 });
    const deadlock = 'sigset_t all; sigfillset(&all); pthread_sigmask(SIG_BLOCK, &all, 0); static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; pthread_mutex_lock(&m); pthread_mutex_lock(&m);';
    const proven: number[] = [];
    game.backend.supervisor.on('proven', (p) => proven.push(p.version));
    // 100 frames of marked state first: past probation, so v2 is good when it hangs.
    const { before } = await saveBad(game, deadlock, { after: 100, includes: '#include <pthread.h>' });
    expect(proven).toEqual([2]);
    await expectRecovered(game, before, { kind: 'runner-hung', callback: 'update', state: 'before-version' });
  });

  it('an endless loop stopped by the watchdog is a crash-rolled-back with kind watchdog, and the runner lives on', async () => {
    const game = await startGame({ watchdogMs: 300 });
    const pid = game.backend.supervisor.pid;
    const { before } = await saveBad(game, 'for (volatile int spin = 1; spin;) {}');
    expect(game.backend.supervisor.pid).toBe(pid);
    await expectRecovered(game, before, { kind: 'watchdog', watchdogMs: 300, callback: 'update', signal: null, state: 'frame-start' }, false);
  });

  it('a constructor that never returns is a load timeout of that version', async () => {
    const game = await startGame({ loadTimeoutMs: 2000 }, 'gcc');
    const before = counter(await nextFrameOf(game.backend));
    await game.backend.save('game.c', `${gameSource(0xdd0000)}\n__attribute__((constructor)) static void never(void) { for (;;) pause(); }\n`);
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'crash-rolled-back', trigger: 'save', version: 1 });
    await expectRecovered(game, before, { kind: 'load-timeout', callback: 'constructor' }, false);
  });

  it('exit() inside a constructor (during dlopen) is a crash of the version being loaded', async () => {
    const game = await startGame({}, 'gcc');
    const pid = game.backend.supervisor.pid;
    const before = counter(await nextFrameOf(game.backend));
    await game.backend.save('game.c', `${gameSource(0xdd0000)}\n__attribute__((constructor)) static void bye(void) { exit(5); }\n`);
    await game.backend.idle();
    expect(game.events.at(-1)).toMatchObject({ outcome: 'crash-rolled-back', trigger: 'save', version: 1 });
    // libkiln may catch an exit() inside the dynamic loader itself; otherwise the runner dies of it.
    const crash = game.events.at(-1)!.crash!;
    console.log('exit() in a constructor:', JSON.stringify(crash));
    // exit() during dlopen: glibc may abort (the loader lock is held) rather than exit with the code.
    await expectRecovered(game, before, crash.kind === 'runner-died' ? (crash.signal ? { kind: 'runner-died', signal: crash.signal } : { kind: 'runner-died', exitCode: 5 }) : { callback: 'constructor', state: 'kept' }, false);
    // Either way the runner is a new one: a fault inside the dynamic loader may leave it locked.
    expect(game.backend.supervisor.pid).not.toBe(pid);
  });
});

// Real compilers and runners on a loaded 2-core machine: generous time-outs.
