/**
 * Full garbage collections on demand, for memory figures that compare what a process holds rather than what V8
 * has not collected yet (the runner's 'memory' request, the benchmark's back-end samples). `gc` is exposed at run
 * time: a flag set after start is enough for it, and the processes are not started with --expose-gc.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null = null;

/** Two full collections: the second frees what finalizers of the first let go. */
export function collectFully(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}
