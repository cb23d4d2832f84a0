/* game.c — a new Kiln game. Edit anything and press Ctrl+S: it reloads while it runs.
 * Click the game, then use the arrow keys. */
#include "kiln.h"

#define BACKGROUND_COLOR 0x14202EFF
#define PLAYER_COLOR 0x7CD992FF
#define TEXT_COLOR 0xE8E8E8FF
#define PLAYER_SIZE 10
#define SPEED 90.0f /* px/s */

/* All state lives here, in the block the host owns: it survives every reload. */
typedef struct {
    float x, y;
} Game;

static void init(void *s) {
    Game *g = s;
    g->x = (float)(screen_width() - PLAYER_SIZE) / 2;
    g->y = (float)(screen_height() - PLAYER_SIZE) / 2;
}

static void update(void *s, float dt) {
    Game *g = s;
    if (key_down(KEY_LEFT)) g->x -= SPEED * dt;
    if (key_down(KEY_RIGHT)) g->x += SPEED * dt;
    if (key_down(KEY_UP)) g->y -= SPEED * dt;
    if (key_down(KEY_DOWN)) g->y += SPEED * dt;
    if (g->x < 0) g->x = 0;
    if (g->y < 0) g->y = 0;
    if (g->x > screen_width() - PLAYER_SIZE) g->x = (float)(screen_width() - PLAYER_SIZE);
    if (g->y > screen_height() - PLAYER_SIZE) g->y = (float)(screen_height() - PLAYER_SIZE);
}

static void draw(void *s) {
    Game *g = s;
    clear(BACKGROUND_COLOR);
    fill_rect((int)g->x, (int)g->y, PLAYER_SIZE, PLAYER_SIZE, PLAYER_COLOR);
    draw_text("{{name}}", 8, 8, 1, TEXT_COLOR);
}

KILN_PLUGIN(.name = "game", .state_size = sizeof(Game), .state_version = 1,
            .init = init, .update = update, .draw = draw)
