/* world_bench.c — the world's costs (issue 15), libkiln alone:
 *   frames: kiln_frame with one system updating Pos + Vel of 10,000 entities (the world's copy for rollback and
 *           its commit included), and the query alone as the system measured it;
 *   migrations: loads alternating v1 / v2 (Vel gains a field), the one pass over 10,000 components each time.
 * Prints one JSON object.
 *
 *     world_bench <work_dir> <v1.so> <v2.so> <frames> <migrations>
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "kiln_runtime.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: world_bench <work_dir> <v1.so> <v2.so> <frames> <migrations>\n"); return 2; }
    int frames = atoi(argv[4]), migrations = atoi(argv[5]);
    kiln_runtime *rt = kiln_create(320, 180, argv[1]);
    if (!rt) { fprintf(stderr, "kiln_create: %s\n", kiln_create_error()); return 1; }
    if (kiln_load_plugin(rt, "ecs", argv[2]) < 0) { fprintf(stderr, "load: %s\n", kiln_last_error(rt)); return 1; }
    uint32_t entities = 0;
    kiln_world_stats(rt, &entities, NULL);
    printf("{\"entities\":%u,\"frameUs\":[", entities);
    for (int i = 0; i < 30; i++) kiln_frame(rt, 1.0 / 60); /* warm: arrays touched, commit slots created */
    for (int i = 0; i < frames; i++) {
        double t = now_s();
        if (kiln_frame(rt, 1.0 / 60) != KILN_OK) { fprintf(stderr, "frame: %s\n", kiln_last_error(rt)); return 1; }
        printf("%s%.2f", i ? "," : "", (now_s() - t) * 1e6);
    }
    printf("],\"queryUs\":[");
    for (int i = 0; i < frames; i++) {
        kiln_frame(rt, 1.0 / 60);
        kiln_state_info info;
        uint64_t st[1];
        kiln_state_read(rt, 0, &info, NULL, 0, (uint8_t *)st, sizeof st);
        printf("%s%.2f", i ? "," : "", (double)st[0] / 1e3);
    }
    printf("],\"migrateUs\":[");
    int printed = 0;
    for (int i = 0; i < migrations; i++) {
        if (kiln_load_plugin(rt, "ecs", argv[i % 2 ? 2 : 3]) < 0) { fprintf(stderr, "load: %s\n", kiln_last_error(rt)); return 1; }
        kiln_world_migration m;
        while (kiln_world_poll_migration(rt, &m))
            if (m.entities == entities) printf("%s%.2f", printed++ ? "," : "", m.seconds * 1e6);
        kiln_frame(rt, 1.0 / 60);
    }
    printf("]}\n");
    kiln_destroy(rt);
    return 0;
}
