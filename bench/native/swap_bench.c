/* swap_bench.c — libkiln's own view of a reload, without the runner around it.
 * Loads each image N times into one runtime (each load copies it to a fresh temp path, dlopens it and
 * swaps it in) and prints the per-phase timings kiln_last_load_time() reports, plus the process's RSS,
 * open fds, mapped plugin images and temp files before and after, as one JSON object on stdout.
 *
 *     swap_bench <work_dir> <loads_per_image> <noop_plugin.so> <image.so>...
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kiln_runtime.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

static int count_dir(const char *path) {
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* Distinct files under `needle` (the temp folder) mapped into this process. */
static int mapped_images(const char *needle) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096], seen[256][512];
    int n = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, needle);
        if (!p) continue;
        p[strcspn(p, "\n")] = 0;
        int dup = 0;
        for (int i = 0; i < n; i++) if (strcmp(seen[i], p) == 0) dup = 1;
        if (!dup && n < 256) snprintf(seen[n++], sizeof seen[0], "%s", p);
    }
    if (f) fclose(f);
    return n;
}

static void snapshot(const char *tmp, const char *label) {
    printf("\"%s\":{\"rssKb\":%ld,\"fds\":%d,\"mappedImages\":%d,\"tempFiles\":%d}", label, rss_kb(),
           count_dir("/proc/self/fd") - 1 /* the DIR itself */, mapped_images(tmp), count_dir(tmp));
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: swap_bench <work_dir> <loads_per_image> <noop.so> <image.so>...\n"); return 2; }
    const char *work = argv[1];
    int loads = atoi(argv[2]);
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/tmp", work);

    kiln_runtime *rt = kiln_create(320, 180, work);
    if (!rt) { fprintf(stderr, "kiln_create: %s\n", kiln_create_error()); return 1; }
    printf("{\"images\":[");
    for (int a = 4; a < argc; a++) {
        /* one warm-up load, then the measured ones */
        if (kiln_load_plugin(rt, "bench", argv[a]) < 0) { fprintf(stderr, "%s\n", kiln_last_error(rt)); return 1; }
        kiln_frame(rt, 1.0 / 60);
        printf("%s{\"path\":\"%s\",\"us\":[", a > 4 ? "," : "", argv[a]);
        for (int i = 0; i < loads; i++) {
            double t0 = now_s();
            if (kiln_load_plugin(rt, "bench", argv[a]) < 0) { fprintf(stderr, "%s\n", kiln_last_error(rt)); return 1; }
            double t1 = now_s();
            kiln_frame(rt, 1.0 / 60); /* the game runs between reloads, as it does in the runner */
            /* copy, open, swap, total as libkiln reports them; then the whole call as the caller waits for it
               (it also closes the image retired by this load, after the lock) */
            printf("%s[%.3f,%.3f,%.3f,%.3f,%.3f]", i ? "," : "", kiln_last_load_time(rt, KILN_PHASE_COPY) * 1e6,
                   kiln_last_load_time(rt, KILN_PHASE_OPEN) * 1e6, kiln_last_load_time(rt, KILN_PHASE_SWAP) * 1e6,
                   kiln_last_load_time(rt, KILN_PHASE_TOTAL) * 1e6, (t1 - t0) * 1e6);
        }
        printf("]}");
    }
    printf("],");

    /* Soak inside libkiln alone: the same image loaded `loads` more times. */
    snapshot(tmp, "soakBefore");
    printf(",");
    for (int i = 0; i < loads; i++) {
        if (kiln_load_plugin(rt, "bench", argv[argc - 1]) < 0) { fprintf(stderr, "%s\n", kiln_last_error(rt)); return 1; }
        kiln_frame(rt, 1.0 / 60);
    }
    snapshot(tmp, "soakAfter");
    printf(",\"soakLoads\":%d", loads);
    kiln_destroy(rt);

    /* What one guarded frame costs libkiln with a plugin whose update and draw do nothing. */
    char work2[1100];
    snprintf(work2, sizeof work2, "%s/noop", work);
    kiln_runtime *rt2 = kiln_create(16, 16, work2);
    if (!rt2 || kiln_load_plugin(rt2, "noop", argv[3]) < 0) { fprintf(stderr, "noop load failed\n"); return 1; }
    const int frames = 200000;
    for (int i = 0; i < 1000; i++) kiln_frame(rt2, 0.001);
    double t0 = now_s();
    for (int i = 0; i < frames; i++) kiln_frame(rt2, 0.001);
    double t1 = now_s();
    kiln_destroy(rt2);
    printf(",\"noopFrameNs\":%.1f}\n", (t1 - t0) / frames * 1e9);
    return 0;
}
