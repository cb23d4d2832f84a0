/* pong.c — Kiln's default game. Left paddle: W/S, the arrow keys or gamepad 0. Right paddle: a beatable AI.
 * Try it: change a colour or a speed below and save — the game keeps running with the new code. */
#include "kiln.h"

#define BACKGROUND_COLOR 0x101822FF
#define PADDLE_COLOR 0x4FC3F7FF
#define BALL_COLOR 0xF5F5F5FF
#define NET_COLOR 0x3A4A5CFF
#define SCORE_COLOR 0xFFD54FFF

#define PADDLE_W 4
#define PADDLE_H 28
#define PADDLE_MARGIN 8
#define PLAYER_SPEED 160.0f  /* px/s */
#define AI_SPEED 85.0f       /* px/s: slower than a steep ball, so the AI can be beaten */
#define AI_AIM_ERROR 20      /* px: how far off-centre the AI aims; past PADDLE_H/2 it misses */
#define BALL_RADIUS 3
#define BALL_SPEED 115.0f    /* px/s at serve */
#define BALL_SPEED_MAX 140.0f
#define SERVE_DELAY 0.8f     /* s of pause before each serve */
#define HIT_HZ 440.0f        /* sfx_tone pitches: paddle hit, wall bounce, a point scored */
#define WALL_HZ 220.0f
#define SCORE_HZ 130.0f

/* All game state lives here, in the block the host owns: it survives every reload. */
typedef struct {
    float ball_x, ball_y, ball_vx, ball_vy;
    float left_y, right_y;   /* paddle tops */
    int32_t left_score, right_score;
    float serve_timer;       /* > 0: ball waits at the centre */
    int32_t serve_dir;       /* +1 to the right, -1 to the left */
    float ai_aim;            /* AI's aiming error for the current rally */
} Pong;

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* uniform in [-1, 1] */
static float random_unit(void) { return (float)(random_u32() % 2001u) / 1000.0f - 1.0f; }

static void reroll_ai_aim(Pong *p) { p->ai_aim = random_unit() * AI_AIM_ERROR; }

static void serve(Pong *p, int32_t dir) {
    p->ball_x = screen_width() / 2.0f;
    p->ball_y = screen_height() / 2.0f;
    p->ball_vx = 0;
    p->ball_vy = 0;
    p->serve_dir = dir;
    p->serve_timer = SERVE_DELAY;
    reroll_ai_aim(p);
}

static void init(void *state) {
    Pong *p = state;
    p->left_y = p->right_y = (screen_height() - PADDLE_H) / 2.0f;
    serve(p, 1);
}

static void move_player(Pong *p, float dt) {
    float dir = 0;
    if (key_down(KEY_W) || key_down(KEY_UP)) dir -= 1;
    if (key_down(KEY_S) || key_down(KEY_DOWN)) dir += 1;
    float stick = pad_axis(0, PAD_AXIS_LY); /* gamepad 0: the left stick (a little dead zone) or the d-pad */
    if (pad_down(0, PAD_UP) || stick < -0.25f) dir -= 1;
    if (pad_down(0, PAD_DOWN) || stick > 0.25f) dir += 1;
    dir = clampf(dir, -1, 1);
    p->left_y = clampf(p->left_y + dir * PLAYER_SPEED * dt, 0, (float)(screen_height() - PADDLE_H));
}

static void move_ai(Pong *p, float dt) {
    /* follow the ball when it comes this way, drift back to the middle otherwise */
    float target = p->ball_vx > 0 ? p->ball_y + p->ai_aim : screen_height() / 2.0f;
    float centre = p->right_y + PADDLE_H / 2.0f;
    float step = AI_SPEED * dt;
    if (target > centre + 2) p->right_y += step < target - centre ? step : target - centre;
    else if (target < centre - 2) p->right_y -= step < centre - target ? step : centre - target;
    p->right_y = clampf(p->right_y, 0, (float)(screen_height() - PADDLE_H));
}

/* Bounces the ball off a paddle whose face it crossed this frame; the hit point sets the angle. */
static void hit_paddle(Pong *p, float paddle_top, float dir) {
    float offset = (p->ball_y - (paddle_top + PADDLE_H / 2.0f)) / (PADDLE_H / 2.0f); /* -1..1 */
    float speed = (p->ball_vx < 0 ? -p->ball_vx : p->ball_vx) * 1.06f;
    if (speed > BALL_SPEED_MAX) speed = BALL_SPEED_MAX;
    p->ball_vx = dir * speed;
    p->ball_vy = clampf(p->ball_vy * 0.4f + offset * speed * 0.8f, -speed, speed);
    sfx_tone(HIT_HZ, 60, SFX_SQUARE, 0.5f);
}

static void update(void *state, float dt) {
    Pong *p = state;
    int w = screen_width(), h = screen_height();
    if (dt > 0.05f) dt = 0.05f; /* no tunnelling through paddles after a hitch */
    move_player(p, dt);
    move_ai(p, dt);

    if (p->serve_timer > 0) {
        p->serve_timer -= dt;
        if (p->serve_timer <= 0) {
            p->ball_vx = p->serve_dir * BALL_SPEED;
            p->ball_vy = random_unit() * BALL_SPEED * 0.5f;
        }
        return;
    }

    float old_x = p->ball_x;
    p->ball_x += p->ball_vx * dt;
    p->ball_y += p->ball_vy * dt;
    if (p->ball_y < BALL_RADIUS) { p->ball_y = BALL_RADIUS; p->ball_vy = -p->ball_vy; sfx_tone(WALL_HZ, 40, SFX_TRIANGLE, 0.5f); }
    if (p->ball_y > h - BALL_RADIUS) { p->ball_y = (float)(h - BALL_RADIUS); p->ball_vy = -p->ball_vy; sfx_tone(WALL_HZ, 40, SFX_TRIANGLE, 0.5f); }

    float left_face = PADDLE_MARGIN + PADDLE_W;
    float right_face = (float)(w - PADDLE_MARGIN - PADDLE_W);
    if (p->ball_vx < 0 && old_x - BALL_RADIUS >= left_face && p->ball_x - BALL_RADIUS < left_face &&
        p->ball_y + BALL_RADIUS >= p->left_y && p->ball_y - BALL_RADIUS <= p->left_y + PADDLE_H) {
        p->ball_x = left_face + BALL_RADIUS;
        hit_paddle(p, p->left_y, 1);
        reroll_ai_aim(p);
    }
    if (p->ball_vx > 0 && old_x + BALL_RADIUS <= right_face && p->ball_x + BALL_RADIUS > right_face &&
        p->ball_y + BALL_RADIUS >= p->right_y && p->ball_y - BALL_RADIUS <= p->right_y + PADDLE_H) {
        p->ball_x = right_face - BALL_RADIUS;
        hit_paddle(p, p->right_y, -1);
    }

    if (p->ball_x < -BALL_RADIUS * 4) { p->right_score++; serve(p, -1); sfx_tone(SCORE_HZ, 300, SFX_SAW, 0.4f); }
    if (p->ball_x > w + BALL_RADIUS * 4) { p->left_score++; serve(p, 1); sfx_tone(SCORE_HZ * 2, 300, SFX_SAW, 0.4f); }
}

/* Writes n in decimal; returns the number of characters. */
static int format_int(char *out, int32_t n) {
    char tmp[12];
    int len = 0, k = 0;
    uint32_t u = n < 0 ? 0u - (uint32_t)n : (uint32_t)n;
    do { tmp[len++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (n < 0) out[k++] = '-';
    while (len) out[k++] = tmp[--len];
    return k;
}

static void draw(void *state) {
    Pong *p = state;
    int w = screen_width(), h = screen_height();
    clear(BACKGROUND_COLOR);
    for (int y = 2; y < h; y += 12) fill_rect(w / 2 - 1, y, 2, 6, NET_COLOR);

    char score[32];
    int n = format_int(score, p->left_score);
    score[n++] = ' '; score[n++] = ' '; score[n++] = ' ';
    n += format_int(score + n, p->right_score);
    score[n] = '\0';
    draw_text(score, w / 2 - n * 8, 8, 2, SCORE_COLOR); /* scale 2: 16 px per character */

    fill_rect(PADDLE_MARGIN, (int)p->left_y, PADDLE_W, PADDLE_H, PADDLE_COLOR);
    fill_rect(w - PADDLE_MARGIN - PADDLE_W, (int)p->right_y, PADDLE_W, PADDLE_H, PADDLE_COLOR);
    fill_circle((int)p->ball_x, (int)p->ball_y, BALL_RADIUS, BALL_COLOR);
}

/* Pong's state field by field: Kiln migrates it by name when the struct changes, and the editor's state
   inspector shows and edits these live. */
static const kiln_field fields[] = {
    KILN_FIELD(Pong, ball_x, KILN_F32, 1),     KILN_FIELD(Pong, ball_y, KILN_F32, 1),
    KILN_FIELD(Pong, ball_vx, KILN_F32, 1),    KILN_FIELD(Pong, ball_vy, KILN_F32, 1),
    KILN_FIELD(Pong, left_y, KILN_F32, 1),     KILN_FIELD(Pong, right_y, KILN_F32, 1),
    KILN_FIELD(Pong, left_score, KILN_I32, 1), KILN_FIELD(Pong, right_score, KILN_I32, 1),
    KILN_FIELD(Pong, serve_timer, KILN_F32, 1), KILN_FIELD(Pong, serve_dir, KILN_I32, 1),
    KILN_FIELD(Pong, ai_aim, KILN_F32, 1),
};

KILN_PLUGIN(.name = "pong", .state_size = sizeof(Pong), .state_version = 1, .fields = fields,
            .field_count = sizeof fields / sizeof fields[0], .init = init, .update = update, .draw = draw)
