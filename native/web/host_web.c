/* host_web.c — the kiln_host table in the browser: the web export links this, draw.c and the game's plugins into one
   WebAssembly module (wasm32-wasi reactor). Drawing is draw.c and random() is rng.h, the same code libkiln runs, so
   a seed and the same input give the same frames; kiln-web.js feeds the input and shows the framebuffer. */
#define KILN_NO_SHORT_NAMES /* the host, not a plugin: kiln.h's short names would clash with ours */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "kiln.h"
#include "rng.h"
#include "web_plugins.h"

#define WEB_EXPORT(name) __attribute__((export_name(name)))
/* kiln-web.js: one log line of a plugin (level, plugin name, text), to the page's console. */
__attribute__((import_module("kiln"), import_name("log"))) void kiln_js_log(int32_t level, const char *plugin,
                                                                             size_t plugin_len, const char *msg, size_t len);

typedef struct web_plugin {
    const kiln_plugin *desc;
    void *state;
    const char *name;
} web_plugin;

static kiln_host host;
static kiln_canvas canvas;
static web_plugin *plugins;
static int current = -1; /* the plugin whose callback runs: its name tags its log lines */
static double game_time;
static uint32_t rng = KILN_RNG_DEFAULT_SEED;

/* Input as libkiln keeps it: held now, and presses / releases latched between frames and seen by one frame. */
static uint8_t keys[KEY_COUNT], press_latch[KEY_COUNT], release_latch[KEY_COUNT], pressed[KEY_COUNT], released[KEY_COUNT];
static int32_t mouse_x_, mouse_y_;
static uint32_t buttons, button_press_latch, button_release_latch, buttons_pressed, buttons_released;

static void h_clear(kiln_color c) { kiln_draw_clear(&canvas, c); }
static void h_pixel(int32_t x, int32_t y, kiln_color c) { kiln_draw_pixel(&canvas, x, y, c); }
static void h_line(int32_t x0, int32_t y0, int32_t x1, int32_t y1, kiln_color c) { kiln_draw_line(&canvas, x0, y0, x1, y1, c); }
static void h_rect(int32_t x, int32_t y, int32_t w, int32_t h, kiln_color c) { kiln_draw_rect(&canvas, x, y, w, h, c); }
static void h_fill_rect(int32_t x, int32_t y, int32_t w, int32_t h, kiln_color c) { kiln_draw_fill_rect(&canvas, x, y, w, h, c); }
static void h_circle(int32_t cx, int32_t cy, int32_t r, kiln_color c) { kiln_draw_circle(&canvas, cx, cy, r, c); }
static void h_text(const char *s, size_t len, int32_t x, int32_t y, int32_t scale, kiln_color c) {
    kiln_draw_text(&canvas, s, len, x, y, scale, c);
}
static void h_blit(const uint32_t *px, int32_t w, int32_t h, int32_t x, int32_t y) { kiln_draw_blit(&canvas, px, w, h, x, y); }

static int32_t h_key_down(int32_t k) { return k >= 0 && k < KEY_COUNT ? keys[k] : 0; }
static int32_t h_key_pressed(int32_t k) { return k >= 0 && k < KEY_COUNT ? pressed[k] : 0; }
static int32_t h_key_released(int32_t k) { return k >= 0 && k < KEY_COUNT ? released[k] : 0; }
static int32_t h_mouse_x(void) { return mouse_x_; }
static int32_t h_mouse_y(void) { return mouse_y_; }
static int32_t h_mouse_down(int32_t b) { return b > 0 && (buttons & (uint32_t)b) != 0; }
static int32_t h_mouse_pressed(int32_t b) { return b > 0 && (buttons_pressed & (uint32_t)b) != 0; }
static int32_t h_mouse_released(int32_t b) { return b > 0 && (buttons_released & (uint32_t)b) != 0; }

static double h_time(void) { return game_time; }
static uint32_t h_random(void) { return kiln_rng_next(&rng); }

static void h_log(int32_t level, const char *msg, size_t len) {
    const char *name = current >= 0 ? plugins[current].name : "";
    kiln_js_log(level, name, strlen(name), msg, len);
}

/* A page lives for one game session, so wasi-libc's allocator is the persistent memory: there is no reload to outlive.
   16-byte aligned and zeroed, as libkiln's arena gives it. */
static void *h_alloc(size_t size) {
    void *p = aligned_alloc(16, (size + 15) & ~(size_t)15);
    if (p) memset(p, 0, size);
    return p;
}
static void h_free(void *p) { free(p); }

/* Sizes the canvas, seeds random(), then loads every plugin in kiln.json's order (the runner's): entry, zeroed state,
   init(). Returns the number of plugins, or -1 when memory ran out. */
WEB_EXPORT("kiln_web_start") int32_t kiln_web_start(int32_t width, int32_t height, uint32_t seed) {
    canvas.width = width;
    canvas.height = height;
    canvas.fb = calloc((size_t)width * (size_t)height, 4);
    plugins = calloc((size_t)kiln_web_plugin_count + 1, sizeof *plugins);
    if (!canvas.fb || !plugins) return -1;
    rng = kiln_rng_seed(seed);
    host.abi_version = KILN_ABI_VERSION;
    host.size = sizeof host;
    host.width = width;
    host.height = height;
    host.clear = h_clear; host.pixel = h_pixel; host.line = h_line; host.rect = h_rect; host.fill_rect = h_fill_rect;
    host.circle = h_circle; host.text = h_text;
    host.key_down = h_key_down; host.key_pressed = h_key_pressed; host.time = h_time; host.random = h_random;
    host.log = h_log;
    host.key_released = h_key_released; host.mouse_x = h_mouse_x; host.mouse_y = h_mouse_y;
    host.mouse_down = h_mouse_down; host.mouse_pressed = h_mouse_pressed; host.blit = h_blit;
    host.alloc = h_alloc; host.free = h_free; host.mouse_released = h_mouse_released;
    for (int i = 0; i < kiln_web_plugin_count; i++) {
        web_plugin *p = &plugins[i];
        p->name = kiln_web_plugin_names[i];
        current = i;
        p->desc = kiln_web_plugin_entries[i](&host);
        if (!p->desc || p->desc->abi_version != KILN_ABI_VERSION) {
            static const char why[] = "the entry returned no plugin of this ABI version; it is skipped";
            kiln_js_log(KILN_LOG_ERROR, p->name, strlen(p->name), why, sizeof why - 1);
            p->desc = NULL;
            continue;
        }
        p->state = calloc(1, p->desc->state_size ? p->desc->state_size : 1);
        if (!p->state) return -1;
        if (p->desc->init) p->desc->init(p->state);
    }
    current = -1;
    return kiln_web_plugin_count;
}

/* One frame as kiln_frame runs it: latch input, advance the clock, then update + draw each plugin in order. */
WEB_EXPORT("kiln_web_frame") void kiln_web_frame(double dt) {
    if (!(dt >= 0)) dt = 0;
    if (dt > 1) dt = 1;
    memcpy(pressed, press_latch, sizeof pressed);
    memcpy(released, release_latch, sizeof released);
    memset(press_latch, 0, sizeof press_latch);
    memset(release_latch, 0, sizeof release_latch);
    buttons_pressed = button_press_latch;
    buttons_released = button_release_latch;
    button_press_latch = button_release_latch = 0;
    game_time += dt;
    for (int i = 0; i < kiln_web_plugin_count; i++) {
        web_plugin *p = &plugins[i];
        if (!p->desc) continue;
        current = i;
        if (p->desc->update) p->desc->update(p->state, (float)dt);
        if (p->desc->draw) p->desc->draw(p->state);
    }
    current = -1;
}

/* A plugin that trapped (kiln-web.js caught it) is skipped from then on; the others keep running. */
WEB_EXPORT("kiln_web_stop_current") int32_t kiln_web_stop_current(void) {
    int32_t i = current;
    if (i >= 0) plugins[i].desc = NULL;
    current = -1;
    return i;
}

WEB_EXPORT("kiln_web_set_key") void kiln_web_set_key(int32_t key, int32_t down) {
    if (key < 0 || key >= KEY_COUNT) return;
    if (down && !keys[key]) press_latch[key] = 1;
    if (!down && keys[key]) release_latch[key] = 1;
    keys[key] = down != 0;
}

WEB_EXPORT("kiln_web_set_mouse") void kiln_web_set_mouse(int32_t x, int32_t y, uint32_t now) {
    mouse_x_ = x;
    mouse_y_ = y;
    button_press_latch |= now & ~buttons;
    button_release_latch |= buttons & ~now;
    buttons = now;
}

WEB_EXPORT("kiln_web_framebuffer") uint8_t *kiln_web_framebuffer(void) { return canvas.fb; }
WEB_EXPORT("kiln_web_plugin_name") const char *kiln_web_plugin_name(int32_t i) {
    return i >= 0 && i < kiln_web_plugin_count ? kiln_web_plugin_names[i] : "";
}
