/* render.c — draws the world: rocks as filled circles, bullets as dots, the ship as a triangle, and the count.
 * Try it: change a colour below and save — only this system reloads. */
#include "asteroids.h"

#define BACKGROUND_COLOR 0x0B0E1AFF
#define TEXT_COLOR 0xE0E0E0FF

typedef struct { uint32_t frames; } Render;

static void draw_ship(const Position *p, const Ship *s, uint32_t color) {
    float ca = cosf(s->angle), sa = sinf(s->angle);
    int nx = (int)(p->x + ca * 7), ny = (int)(p->y + sa * 7);
    int lx = (int)(p->x - ca * 5 - sa * 4), ly = (int)(p->y - sa * 5 + ca * 4);
    int rx = (int)(p->x - ca * 5 + sa * 4), ry = (int)(p->y - sa * 5 - ca * 4);
    draw_line(nx, ny, lx, ly, color);
    draw_line(lx, ly, rx, ry, color);
    draw_line(rx, ry, nx, ny, color);
}

static void draw(void *state) {
    Render *r = state;
    Ids c = component_ids();
    clear(BACKGROUND_COLOR);
    kiln_query q = {.comps = {c.position, c.body, c.look}, .count = 3};
    while (query_next(&q)) {
        const Position *p = q.data[0];
        const Body *b = q.data[1];
        const Look *l = q.data[2];
        if (b->kind == KIND_SHIP) {
            const Ship *s = get_component(q.entity, c.ship);
            if (s) draw_ship(p, s, l->color);
        } else if (b->kind == KIND_BULLET) {
            fill_rect((int)p->x, (int)p->y, 2, 2, l->color);
        } else {
            fill_circle((int)p->x, (int)p->y, (int)(b->radius + 0.5f), l->color);
        }
    }
    char text[32];
    snprintf(text, sizeof text, "%u", entity_count());
    draw_text(text, 4, 4, 1, TEXT_COLOR);
    r->frames++;
}

static const char *const reads[] = {"Position", "Body", "Look", "Ship"};
KILN_SYSTEM(.phase = SYSTEM_RENDER, ASTEROIDS_COMPONENTS, .reads = reads, .read_count = 4)
KILN_PLUGIN(.name = "render", .state_size = sizeof(Render), .state_version = 1, .draw = draw)
