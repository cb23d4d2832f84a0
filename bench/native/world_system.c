/* world_system.c — the system world_bench.c loads: 10,000 entities with Pos, Vel and Hp; each frame one query
 * of Pos + Vel updates both. -DV2 gives Vel a field more (the migration figure). The query's own time, measured
 * in here, is kept in the state block (query_ns) for the bench to read. */
#define _GNU_SOURCE
#include <time.h>
#include "kiln.h"

#define ENTITIES 10000

typedef struct { float x, y; } Pos;
#ifndef V2
typedef struct { float dx, dy; } Vel;
static const kiln_field vel_fields[] = {KILN_FIELD(Vel, dx, KILN_F32, 1), KILN_FIELD(Vel, dy, KILN_F32, 1)};
static const Vel vel_default = {0, 0};
#else
typedef struct { float dx, dy, drag; } Vel;
static const kiln_field vel_fields[] = {KILN_FIELD(Vel, dx, KILN_F32, 1), KILN_FIELD(Vel, dy, KILN_F32, 1),
                                        KILN_FIELD(Vel, drag, KILN_F32, 1)};
static const Vel vel_default = {0, 0, 0.5f};
#endif
typedef struct { int32_t hp; } Hp;
static const kiln_field pos_fields[] = {KILN_FIELD(Pos, x, KILN_F32, 1), KILN_FIELD(Pos, y, KILN_F32, 1)};
static const kiln_field hp_fields[] = {KILN_FIELD(Hp, hp, KILN_I32, 1)};
static const kiln_component comps[] = {
    {"Pos", sizeof(Pos), pos_fields, 2, NULL},
    {"Vel", sizeof(Vel), vel_fields, sizeof vel_fields / sizeof vel_fields[0], &vel_default},
    {"Hp", sizeof(Hp), hp_fields, 1, NULL},
};
KILN_SYSTEM(.phase = SYSTEM_PHYSICS, .components = comps, .component_count = 3)

typedef struct { uint64_t query_ns; } State;

static void init(void *s) {
    (void)s;
    int P = component_id("Pos"), V = component_id("Vel"), H = component_id("Hp");
    for (int i = 0; i < ENTITIES; i++) {
        kiln_entity e = spawn();
        ((Pos *)add_component(e, P))->x = (float)i;
        ((Vel *)add_component(e, V))->dx = 1;
        ((Hp *)add_component(e, H))->hp = 100;
    }
}

static void update(void *s, float dt) {
    State *st = s;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    kiln_query q = {.comps = {component_id("Pos"), component_id("Vel")}, .count = 2};
    while (query_next(&q)) {
        Pos *p = q.data[0];
        Vel *v = q.data[1];
        p->x += v->dx * dt;
        p->y += v->dy * dt;
        v->dy += 9.8f * dt;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    st->query_ns = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
}

KILN_PLUGIN(.name = "ecs", .state_size = sizeof(State), .state_version = 1, .init = init, .update = update)
