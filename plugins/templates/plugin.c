/* {{name}}.c — a new Kiln plugin. It draws on top of the plugins loaded before it.
 * Change something and save: it reloads while the game keeps running. */
#include "kiln.h"

#define BOX_COLOR 0xFFB74DFF
#define BOX_SIZE 10
#define SPEED 40.0f /* px/s */

/* All state lives here, in the block the host owns: it survives every reload. */
typedef struct {
    float x, y;
    float dir;
} State;

static void init(void *s) {
    State *st = s;
    st->x = 8;
    st->y = (float)(screen_height() - BOX_SIZE - 8);
    st->dir = 1;
}

static void update(void *s, float dt) {
    State *st = s;
    st->x += st->dir * SPEED * dt;
    if (st->x < 0) { st->x = 0; st->dir = 1; }
    if (st->x > screen_width() - BOX_SIZE) { st->x = (float)(screen_width() - BOX_SIZE); st->dir = -1; }
}

static void draw(void *s) {
    State *st = s;
    fill_rect((int)st->x, (int)st->y, BOX_SIZE, BOX_SIZE, BOX_COLOR);
    draw_text("{{name}}", (int)st->x, (int)st->y - 10, 1, BOX_COLOR);
}

KILN_PLUGIN(.name = "{{name}}", .state_size = sizeof(State), .state_version = 1,
            .init = init, .update = update, .draw = draw)
