/* asteroids.h — the components every system of this game shares. Each is a plain struct, its KILN_FIELD table
 * (so Kiln can migrate it by field name when you add, remove or retype a field) and the value a new one starts
 * with. Every system lists ASTEROIDS_COMPONENTS in its KILN_SYSTEM: the first to load with a changed struct
 * migrates every entity's copy in one pass; the others find it done. */
#ifndef ASTEROIDS_H
#define ASTEROIDS_H
#include <math.h>

#include "kiln.h"

typedef struct { float x, y; } Position;               /* pixels, wraps around the screen */
typedef struct { float dx, dy; } Velocity;             /* pixels per second */
typedef struct { float radius; int32_t kind; float life; } Body; /* life: seconds left (bullets), < 0 forever */
typedef struct { float angle; float cooldown; int32_t score; } Ship;
typedef struct { uint32_t color; } Look;               /* 0xRRGGBBAA */

enum { KIND_SHIP = 1, KIND_ROCK = 2, KIND_BULLET = 3 };

static const kiln_field position_fields[] = {KILN_FIELD(Position, x, KILN_F32, 1), KILN_FIELD(Position, y, KILN_F32, 1)};
static const kiln_field velocity_fields[] = {KILN_FIELD(Velocity, dx, KILN_F32, 1), KILN_FIELD(Velocity, dy, KILN_F32, 1)};
static const kiln_field body_fields[] = {KILN_FIELD(Body, radius, KILN_F32, 1), KILN_FIELD(Body, kind, KILN_I32, 1),
                                         KILN_FIELD(Body, life, KILN_F32, 1)};
static const kiln_field ship_fields[] = {KILN_FIELD(Ship, angle, KILN_F32, 1), KILN_FIELD(Ship, cooldown, KILN_F32, 1),
                                         KILN_FIELD(Ship, score, KILN_I32, 1)};
static const kiln_field look_fields[] = {KILN_FIELD(Look, color, KILN_U32, 1)};

static const Position position_default = {160, 90};
static const Velocity velocity_default = {0, 0};
static const Body body_default = {4, KIND_ROCK, -1};
static const Ship ship_default = {-1.5708f, 0, 0};
static const Look look_default = {0x9E9E9EFF};

#define COMPONENT(T, fields, def) {#T, sizeof(T), fields, sizeof fields / sizeof fields[0], &def}
static const kiln_component asteroids_components[] = {
    COMPONENT(Position, position_fields, position_default), COMPONENT(Velocity, velocity_fields, velocity_default),
    COMPONENT(Body, body_fields, body_default), COMPONENT(Ship, ship_fields, ship_default),
    COMPONENT(Look, look_fields, look_default),
};
#define ASTEROIDS_COMPONENTS .components = asteroids_components, .component_count = 5

/* The ids of the components for this frame (looked up by name: ids are the world's, not the plugin's). */
typedef struct { int position, velocity, body, ship, look; } Ids;
static inline Ids component_ids(void) {
    Ids c = {component_id("Position"), component_id("Velocity"), component_id("Body"), component_id("Ship"),
             component_id("Look")};
    return c;
}

static inline float random_range(float lo, float hi) { return lo + (hi - lo) * (float)(random_u32() % 10001u) / 10000.0f; }

/* A rock of radius r at (x, y) drifting in a random direction; grey shades by size. */
static inline kiln_entity spawn_rock(Ids c, float x, float y, float r) {
    kiln_entity e = spawn();
    Position *p = add_component(e, c.position);
    Velocity *v = add_component(e, c.velocity);
    Body *b = add_component(e, c.body);
    Look *l = add_component(e, c.look);
    if (!p || !v || !b || !l) return e;
    p->x = x; p->y = y;
    float speed = random_range(8, 40) * 4.0f / r;
    float a = random_range(0, 6.2832f);
    v->dx = speed * cosf(a); v->dy = speed * sinf(a);
    b->radius = r; b->kind = KIND_ROCK; b->life = -1;
    l->color = r > 5 ? 0x8D8D8DFF : r > 3 ? 0xA8A8A8FF : 0xC8C8C8FF;
    return e;
}
#endif
