/* version.c — the image watch_bench swaps: built twice, with -DVERSION=1 and -DVERSION=2. */
int bench_version(void) { return VERSION; }
