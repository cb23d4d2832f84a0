/* physics.c — moves everything by its velocity, wraps it around the screen, ages bullets, and breaks rocks that
 * bullets hit. Try it: change FRICTION or the wrap below and save — only this system reloads; every rock keeps
 * where it is and how it moves. */
#include "asteroids.h"

#define FRICTION 0.0f /* velocity lost per second, 0..1 */

typedef struct { uint32_t frames, hits; } Physics;
static const kiln_field physics_fields[] = {KILN_FIELD(Physics, frames, KILN_U32, 1), KILN_FIELD(Physics, hits, KILN_U32, 1)};

static float wrap(float v, float size) { return v < 0 ? v + size : v >= size ? v - size : v; }

/* Bullets against rocks: a hit rock splits in two smaller ones (or vanishes when small); the bullet goes. */
static void collide(Physics *ph, Ids c) {
    kiln_entity bullets[64];
    float bx[64], by[64];
    int nb = 0;
    kiln_query q = {.comps = {c.position, c.body}, .count = 2};
    while (query_next(&q) && nb < 64) {
        const Body *b = q.data[1];
        if (b->kind != KIND_BULLET) continue;
        const Position *p = q.data[0];
        bullets[nb] = q.entity; bx[nb] = p->x; by[nb] = p->y; nb++;
    }
    if (!nb) return;
    kiln_query r = {.comps = {c.position, c.body}, .count = 2};
    while (query_next(&r)) {
        const Body *b = r.data[1];
        if (b->kind != KIND_ROCK) continue;
        const Position *p = r.data[0];
        for (int i = 0; i < nb; i++) {
            float dx = bx[i] - p->x, dy = by[i] - p->y;
            if (!bullets[i] || dx * dx + dy * dy > b->radius * b->radius) continue;
            despawn(bullets[i]);
            bullets[i] = 0;
            ph->hits++;
            float x = p->x, y = p->y, radius = b->radius;
            despawn(r.entity);
            if (radius > 3) { spawn_rock(c, x, y, radius * 0.6f); spawn_rock(c, x, y, radius * 0.6f); }
            break;
        }
    }
}

static void update(void *state, float dt) {
    Physics *ph = state;
    Ids c = component_ids();
    float w = (float)screen_width(), h = (float)screen_height();
    kiln_query q = {.comps = {c.position, c.velocity}, .count = 2};
    while (query_next(&q)) {
        Position *p = q.data[0];
        Velocity *v = q.data[1];
        v->dx -= v->dx * FRICTION * dt;
        v->dy -= v->dy * FRICTION * dt;
        p->x = wrap(p->x + v->dx * dt, w);
        p->y = wrap(p->y + v->dy * dt, h);
    }
    kiln_query aging = {.comps = {c.body}, .count = 1};
    while (query_next(&aging)) {
        Body *b = aging.data[0];
        if (b->life >= 0 && (b->life -= dt) < 0) despawn(aging.entity);
    }
    collide(ph, c);
    ph->frames++;
}

static const char *const moves[] = {"Position", "Velocity", "Body"};
KILN_SYSTEM(.phase = SYSTEM_PHYSICS, ASTEROIDS_COMPONENTS, .reads = moves, .read_count = 3, .writes = moves, .write_count = 3)
KILN_PLUGIN(.name = "physics", .state_size = sizeof(Physics), .state_version = 1, .fields = physics_fields,
            .field_count = 2, .update = update)
