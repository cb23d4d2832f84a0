/* breakout.c — Kiln's second example: a paddle, a ball, bricks, lives and a score, all drawn from sprites.png.
 * Paddle: the arrow keys, A/D, the mouse or gamepad 0 (left stick or d-pad). Launch: Space, a click or PAD_A.
 * Try it: change a speed below and save; or open sprites.png in an image editor, paint, save — the running game
 * draws the new art at once, no code reload. */
#include "kiln.h"
#include "sprites.h"

#define BACKGROUND_COLOR 0x1B1F2BFF
#define TEXT_COLOR 0xECEFF4FF
#define PADDLE_SPEED 220.0f
#define BALL_SPEED 150.0f
#define SPEEDUP_PER_LEVEL 15.0f
#define LIVES 3
#define COLS 18
#define ROWS 6
#define BRICKS_TOP 24
#define PADDLE_Y_FROM_BOTTOM 14

typedef struct {
    int32_t sheet;                 /* image handle: kept in the state, so it survives reloads */
    float paddle_x;                /* left edge */
    float ball_x, ball_y;          /* top-left */
    float ball_vx, ball_vy;
    int32_t lives, score, level;
    int32_t serving;               /* 1: the ball rides on the paddle until launched */
    uint8_t bricks[ROWS * COLS];   /* 1: still there */
} Breakout;

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }
static int bricks_left_edge(void) { return (screen_width() - COLS * SPR_BRICK_RED_W) / 2; }
static int paddle_y(void) { return screen_height() - PADDLE_Y_FROM_BOTTOM; }

static void fill_bricks(Breakout *g) {
    for (int i = 0; i < ROWS * COLS; i++) g->bricks[i] = 1;
}

static void serve(Breakout *g) {
    g->serving = 1;
    g->ball_vx = 0;
    g->ball_vy = 0;
}

static void init(void *state) {
    Breakout *g = state;
    g->sheet = image_load(SHEET_PATH);
    g->paddle_x = (screen_width() - SPR_PADDLE_W) / 2.0f;
    g->lives = LIVES;
    g->level = 1;
    fill_bricks(g);
    serve(g);
}

static void launch(Breakout *g) {
    float speed = BALL_SPEED + SPEEDUP_PER_LEVEL * (float)(g->level - 1);
    g->serving = 0;
    g->ball_vx = (random_u32() & 1) ? speed * 0.6f : -speed * 0.6f;
    g->ball_vy = -speed * 0.8f;
    /* SOUND: launch — a sound call goes here (plugins/breakout/sounds/) */
}

static void move_paddle(Breakout *g, float dt) {
    float dir = 0;
    float stick = pad_axis(0, PAD_AXIS_LX);
    if (key_down(KEY_LEFT) || key_down(KEY_A) || pad_down(0, PAD_LEFT) || stick < -0.25f) dir -= 1;
    if (key_down(KEY_RIGHT) || key_down(KEY_D) || pad_down(0, PAD_RIGHT) || stick > 0.25f) dir += 1;
    g->paddle_x += clampf(dir, -1, 1) * PADDLE_SPEED * dt;
    if (mouse_down(MOUSE_LEFT) || mouse_pressed(MOUSE_LEFT)) g->paddle_x = (float)mouse_x() - SPR_PADDLE_W / 2.0f;
    g->paddle_x = clampf(g->paddle_x, 0, (float)(screen_width() - SPR_PADDLE_W));
}

/* The brick under pixel (x, y), or -1. */
static int brick_at(const Breakout *g, float x, float y) {
    int col = (int)((x - bricks_left_edge()) / SPR_BRICK_RED_W), row = (int)((y - BRICKS_TOP) / SPR_BRICK_RED_H);
    if (x < bricks_left_edge() || y < BRICKS_TOP || col < 0 || col >= COLS || row < 0 || row >= ROWS) return -1;
    return g->bricks[row * COLS + col] ? row * COLS + col : -1;
}

/* Breaks a brick the ball overlaps after a move along one axis; 1 if it hit one (the caller bounces). */
static int hit_brick(Breakout *g) {
    float corners[4][2] = {{g->ball_x, g->ball_y}, {g->ball_x + SPR_BALL_W - 1, g->ball_y},
                           {g->ball_x, g->ball_y + SPR_BALL_H - 1}, {g->ball_x + SPR_BALL_W - 1, g->ball_y + SPR_BALL_H - 1}};
    for (int i = 0; i < 4; i++) {
        int b = brick_at(g, corners[i][0], corners[i][1]);
        if (b < 0) continue;
        g->bricks[b] = 0;
        g->score += 10 * (ROWS - b / COLS);
        /* SOUND: brick broken — a sound call goes here */
        return 1;
    }
    return 0;
}

static int bricks_left(const Breakout *g) {
    int n = 0;
    for (int i = 0; i < ROWS * COLS; i++) n += g->bricks[i];
    return n;
}

static void move_ball(Breakout *g, float dt) {
    float w = (float)screen_width();
    g->ball_x += g->ball_vx * dt;
    if (g->ball_x < 0) { g->ball_x = 0; g->ball_vx = -g->ball_vx; }
    if (g->ball_x > w - SPR_BALL_W) { g->ball_x = w - SPR_BALL_W; g->ball_vx = -g->ball_vx; }
    if (hit_brick(g)) { g->ball_x -= g->ball_vx * dt; g->ball_vx = -g->ball_vx; }
    g->ball_y += g->ball_vy * dt;
    if (g->ball_y < 0) { g->ball_y = 0; g->ball_vy = -g->ball_vy; }
    if (hit_brick(g)) { g->ball_y -= g->ball_vy * dt; g->ball_vy = -g->ball_vy; }
    /* the paddle: the hit point sets the angle, so the player can aim */
    float py = (float)paddle_y();
    if (g->ball_vy > 0 && g->ball_y + SPR_BALL_H >= py && g->ball_y + SPR_BALL_H <= py + SPR_PADDLE_H + 4 &&
        g->ball_x + SPR_BALL_W >= g->paddle_x && g->ball_x <= g->paddle_x + SPR_PADDLE_W) {
        float offset = (g->ball_x + SPR_BALL_W / 2.0f - (g->paddle_x + SPR_PADDLE_W / 2.0f)) / (SPR_PADDLE_W / 2.0f);
        float speed = BALL_SPEED + SPEEDUP_PER_LEVEL * (float)(g->level - 1);
        g->ball_vx = clampf(offset, -1, 1) * speed * 0.85f;
        g->ball_vy = -speed * 0.75f;
        g->ball_y = py - SPR_BALL_H;
        /* SOUND: paddle hit — a sound call goes here */
    }
    if (g->ball_y > (float)screen_height()) {
        g->lives--;
        /* SOUND: life lost — a sound call goes here */
        serve(g);
    }
    if (bricks_left(g) == 0) {
        g->level++;
        fill_bricks(g);
        serve(g);
    }
}

static void update(void *state, float dt) {
    Breakout *g = state;
    if (dt > 0.05f) dt = 0.05f; /* no tunnelling through bricks after a hitch */
    int go = key_pressed(KEY_SPACE) || mouse_pressed(MOUSE_LEFT) || pad_pressed(0, PAD_A);
    if (g->lives <= 0) { /* game over: Space (or A) starts again */
        if (go) { int32_t sheet = g->sheet; init(g); g->sheet = sheet; g->score = 0; }
        return;
    }
    move_paddle(g, dt);
    if (g->serving) {
        g->ball_x = g->paddle_x + (SPR_PADDLE_W - SPR_BALL_W) / 2.0f;
        g->ball_y = (float)(paddle_y() - SPR_BALL_H);
        if (go) launch(g);
        return;
    }
    move_ball(g, dt);
}

static int format_int(char *out, int v) {
    char tmp[12];
    int n = 0, k = 0;
    if (v < 0) v = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v && n < 11);
    while (n) out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

static void draw(void *state) {
    Breakout *g = state;
    static const int row_sprites[ROWS][2] = {{SPR_BRICK_RED_X, SPR_BRICK_RED_Y}, {SPR_BRICK_RED_X, SPR_BRICK_RED_Y},
                                             {SPR_BRICK_ORANGE_X, SPR_BRICK_ORANGE_Y}, {SPR_BRICK_GREEN_X, SPR_BRICK_GREEN_Y},
                                             {SPR_BRICK_GREEN_X, SPR_BRICK_GREEN_Y}, {SPR_BRICK_BLUE_X, SPR_BRICK_BLUE_Y}};
    clear(BACKGROUND_COLOR);
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            if (g->bricks[r * COLS + c])
                draw_sprite_part(g->sheet, row_sprites[r][0], row_sprites[r][1], SPR_BRICK_RED_W, SPR_BRICK_RED_H,
                                 bricks_left_edge() + c * SPR_BRICK_RED_W, BRICKS_TOP + r * SPR_BRICK_RED_H, 0);
    draw_sprite_part(g->sheet, SPR_PADDLE_X, SPR_PADDLE_Y, SPR_PADDLE_W, SPR_PADDLE_H, (int)g->paddle_x, paddle_y(), 0);
    if (g->lives > 0) draw_sprite_part(g->sheet, SPR_BALL_X, SPR_BALL_Y, SPR_BALL_W, SPR_BALL_H, (int)g->ball_x, (int)g->ball_y, 0);
    char score[12];
    format_int(score, g->score);
    draw_text(score, 6, 6, 1, TEXT_COLOR);
    for (int i = 0; i < g->lives; i++)
        draw_sprite_part(g->sheet, SPR_HEART_X, SPR_HEART_Y, SPR_HEART_W, SPR_HEART_H, screen_width() - 10 - i * 10, 7, 0);
    if (g->lives <= 0) draw_text("GAME OVER - SPACE", screen_width() / 2 - 68, screen_height() / 2, 1, TEXT_COLOR);
    else if (g->serving) draw_text("SPACE TO LAUNCH", screen_width() / 2 - 60, screen_height() / 2 + 20, 1, TEXT_COLOR);
}

static const kiln_field fields[] = {
    KILN_FIELD(Breakout, sheet, KILN_I32, 1),     KILN_FIELD(Breakout, paddle_x, KILN_F32, 1),
    KILN_FIELD(Breakout, ball_x, KILN_F32, 1),    KILN_FIELD(Breakout, ball_y, KILN_F32, 1),
    KILN_FIELD(Breakout, ball_vx, KILN_F32, 1),   KILN_FIELD(Breakout, ball_vy, KILN_F32, 1),
    KILN_FIELD(Breakout, lives, KILN_I32, 1),     KILN_FIELD(Breakout, score, KILN_I32, 1),
    KILN_FIELD(Breakout, level, KILN_I32, 1),     KILN_FIELD(Breakout, serving, KILN_I32, 1),
    KILN_FIELD(Breakout, bricks, KILN_U8, ROWS * COLS),
};

KILN_PLUGIN(.name = "breakout", .state_size = sizeof(Breakout), .state_version = 1, .fields = fields,
            .field_count = sizeof fields / sizeof fields[0], .init = init, .update = update, .draw = draw)
