/* input.c — the player: arrows (or A/D) turn, up (or W) thrusts, space fires. Starts the game: the ship and a
 * field of rocks, and a new field when every rock is gone. */
#include "asteroids.h"

#define ROCKS 240          /* rocks in a new field */
#define TURN_SPEED 4.0f    /* radians per second */
#define THRUST 120.0f      /* pixels per second per second */
#define BULLET_SPEED 200.0f
#define FIRE_DELAY 0.15f   /* seconds between shots */

typedef struct { uint32_t fields; kiln_entity ship; } Input;
static const kiln_field input_fields[] = {KILN_FIELD(Input, fields, KILN_U32, 1), KILN_FIELD(Input, ship, KILN_I64, 1)};

static void new_field(Input *in, Ids c) {
    for (int i = 0; i < ROCKS; i++) {
        float x = random_range(0, (float)screen_width()), y = random_range(0, (float)screen_height());
        float dx = x - screen_width() / 2.0f, dy = y - screen_height() / 2.0f;
        if (dx * dx + dy * dy < 40 * 40) x += 80; /* not on top of the ship */
        spawn_rock(c, x, y, random_range(2, 7));
    }
    in->fields++;
}

static kiln_entity spawn_ship(Ids c) {
    kiln_entity e = spawn();
    add_component(e, c.position); /* the defaults: the middle of the screen */
    add_component(e, c.velocity);
    Body *b = add_component(e, c.body);
    if (b) { b->radius = 5; b->kind = KIND_SHIP; }
    add_component(e, c.ship);
    Look *l = add_component(e, c.look);
    if (l) l->color = 0x4FC3F7FF;
    return e;
}

static void fire(Ids c, const Position *p, const Velocity *v, float angle) {
    kiln_entity e = spawn();
    Position *bp = add_component(e, c.position);
    Velocity *bv = add_component(e, c.velocity);
    Body *b = add_component(e, c.body);
    Look *l = add_component(e, c.look);
    if (!bp || !bv || !b || !l) return;
    float ca = cosf(angle), sa = sinf(angle);
    bp->x = p->x + ca * 6; bp->y = p->y + sa * 6;
    bv->dx = v->dx + ca * BULLET_SPEED; bv->dy = v->dy + sa * BULLET_SPEED;
    b->radius = 1; b->kind = KIND_BULLET; b->life = 0.9f;
    l->color = 0xFFD54FFF;
}

static void update(void *state, float dt) {
    Input *in = state;
    Ids c = component_ids();
    if (c.position < 0 || c.ship < 0) return; /* physics has not declared them yet */
    if (!entity_alive(in->ship)) in->ship = spawn_ship(c);
    int rocks = 0;
    kiln_query all = {.comps = {c.body}, .count = 1};
    while (query_next(&all)) rocks += ((Body *)all.data[0])->kind == KIND_ROCK;
    if (!rocks) new_field(in, c);

    Ship *s = get_component(in->ship, c.ship);
    Position *p = get_component(in->ship, c.position);
    Velocity *v = get_component(in->ship, c.velocity);
    if (!s || !p || !v) return;
    if (key_down(KEY_LEFT) || key_down(KEY_A)) s->angle -= TURN_SPEED * dt;
    if (key_down(KEY_RIGHT) || key_down(KEY_D)) s->angle += TURN_SPEED * dt;
    if (key_down(KEY_UP) || key_down(KEY_W)) {
        v->dx += cosf(s->angle) * THRUST * dt;
        v->dy += sinf(s->angle) * THRUST * dt;
    }
    s->cooldown -= dt;
    if (key_down(KEY_SPACE) && s->cooldown <= 0) { fire(c, p, v, s->angle); s->cooldown = FIRE_DELAY; }
}

static const char *const reads[] = {"Position", "Body"};
static const char *const writes[] = {"Ship", "Velocity"};
KILN_SYSTEM(.phase = SYSTEM_INPUT, ASTEROIDS_COMPONENTS, .reads = reads, .read_count = 2, .writes = writes, .write_count = 2)
KILN_PLUGIN(.name = "input", .state_size = sizeof(Input), .state_version = 1, .fields = input_fields, .field_count = 2,
            .update = update)
