/** Where to make the edits the specs make to the shipped pong.c (found by text, so pong.c may change). */
import { readFileSync } from 'node:fs';

/** 1-based number of the first line matching `pattern`. */
export function lineOf(file: string, pattern: RegExp): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((l) => pattern.test(l));
  if (index < 0) throw new Error(`${file} has no line matching ${pattern}`);
  return index + 1;
}

/** The line `Pong *p = state;` that opens update(): code inserted after it runs every frame. */
export function updateBodyLine(file: string): number {
  const start = lineOf(file, /^static void update\(void \*state, float dt\)/);
  return start + 1;
}

/** A statement that crashes with SIGSEGV the moment it runs. */
export const CRASH = '    *(volatile int *)0 = 1;';

/** A statement that never returns: libkiln's watchdog (2 s by default) has to stop it. */
export const HANG = '    for (;;) {}';

/** Ends the game runner process with exit code 1 (declared here: pong.c includes no libc header). */
export const EXIT_RUNNER = '    { extern void exit(int); exit(1); }';
