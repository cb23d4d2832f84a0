/* call_bench.c — what calling game code through a hot-swappable pointer costs (gcc -O2).
 *   direct:  a call to a non-inlined function in the same binary
 *   swapped: libkiln's shape — an atomic (seq_cst) load of the active callback table, then a call
 *            through its function pointer into a dlopened image
 * Prints {"directNs":[...], "swappedNs":[...], "calls":N} — ns per call, one value per repetition.
 *     call_bench <callee.so> <calls> <repetitions>
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int (*step_fn)(int);
typedef struct { step_fn update; step_fn draw; } callbacks; /* the host-owned copy libkiln swaps */

static callbacks *active; /* swapped with one __atomic_store_n, as kiln_load_plugin does */

__attribute__((noinline)) static int direct_step(int x) { __asm__ volatile(""); return x * 3 + 1; }

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static int run_direct(long calls, int acc) {
    for (long i = 0; i < calls; i++) acc = direct_step(acc);
    return acc;
}

__attribute__((noinline)) static int run_swapped(long calls, int acc) {
    for (long i = 0; i < calls; i++) {
        const callbacks *cb = __atomic_load_n(&active, __ATOMIC_SEQ_CST);
        acc = cb->update(acc);
    }
    return acc;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: call_bench <callee.so> <calls> <repetitions>\n"); return 2; }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    static callbacks table;
    *(void **)&table.update = dlsym(lib, "bench_step");
    if (!table.update) { fprintf(stderr, "no bench_step\n"); return 1; }
    __atomic_store_n(&active, &table, __ATOMIC_SEQ_CST);
    long calls = atol(argv[2]);
    int reps = atoi(argv[3]);
    int acc = 1;
    acc += run_direct(calls / 10, acc) + run_swapped(calls / 10, acc); /* warm up */
    double direct[64], swapped[64];
    for (int r = 0; r < reps && r < 64; r++) {
        double t0 = now_ns();
        acc += run_direct(calls, acc);
        double t1 = now_ns();
        acc += run_swapped(calls, acc);
        double t2 = now_ns();
        direct[r] = (t1 - t0) / (double)calls;
        swapped[r] = (t2 - t1) / (double)calls;
    }
    printf("{\"calls\":%ld,\"directNs\":[", calls);
    for (int r = 0; r < reps && r < 64; r++) printf("%s%.3f", r ? "," : "", direct[r]);
    printf("],\"swappedNs\":[");
    for (int r = 0; r < reps && r < 64; r++) printf("%s%.3f", r ? "," : "", swapped[r]);
    printf("],\"sink\":%d}\n", acc & 1);
    return 0;
}
