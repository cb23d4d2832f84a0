/* callee.c — the "plugin" side of call_bench: one function in its own shared image. */
int bench_step(int x) { return x * 3 + 1; }
