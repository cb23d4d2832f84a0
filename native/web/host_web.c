/* host_web.c — the kiln_host table in the browser: the web export links this (with host_web_world.c and
   host_web_sound.c), draw.c, world_store.c and the game's plugins into one WebAssembly module (wasm32-wasi reactor). Drawing is draw.c and random() is rng.h, the same code libkiln runs, so
   a seed and the same input give the same frames; kiln-web.js feeds the input and shows the framebuffer. */
#define KILN_NO_SHORT_NAMES /* the host, not a plugin: kiln.h's short names would clash with ours */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset_decode.h"
#include "draw.h"
#include "kiln.h"
#include "project_path.h"
#include "rng.h"
#include "host_web.h"
#include "web_plugins.h"

/* kiln-web.js: one log line of a plugin (level, plugin name, text), to the page's console. */
__attribute__((import_module("kiln"), import_name("log"))) void kiln_js_log(int32_t level, const char *plugin,
                                                                             size_t plugin_len, const char *msg, size_t len);

typedef struct web_plugin {
    const kiln_plugin *desc;
    void *state;
    const char *name;
    int32_t phase, order; /* its KILN_SYSTEM's, or SYSTEM_UPDATE and 0 */
} web_plugin;

static kiln_host host;
static kiln_canvas canvas;
static web_plugin *plugins;
static int *frame_order; /* plugin indices in the order a frame runs them (libkiln's frame_order) */
static int current = -1; /* the plugin whose callback runs: its name tags its log lines */
static double game_time;
static uint64_t frame_count; /* kiln_frame_count(): the frame a sound command was asked in */
uint64_t kiln_web__frame(void) { return frame_count; }
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
/* Gamepads as kiln_set_pad keeps them: state now, and presses / releases latched between frames. */
static int32_t pad_connected[KILN_PAD_COUNT];
static uint32_t pad_buttons[KILN_PAD_COUNT], pad_press_latch[KILN_PAD_COUNT], pad_release_latch[KILN_PAD_COUNT];
static uint32_t pad_pressed[KILN_PAD_COUNT], pad_released[KILN_PAD_COUNT];
static float pad_axes[KILN_PAD_COUNT][PAD_AXIS_COUNT];
static int pad_ok(int32_t p) { return p >= 0 && p < KILN_PAD_COUNT; }
static uint32_t pad_bit(int32_t b) { return b >= 0 && b < PAD_BUTTON_COUNT ? 1u << b : 0; }
static int32_t h_pad_connected(int32_t p) { return pad_ok(p) ? pad_connected[p] : 0; }
static int32_t h_pad_down(int32_t p, int32_t b) { return pad_ok(p) && (pad_buttons[p] & pad_bit(b)) != 0; }
static int32_t h_pad_pressed(int32_t p, int32_t b) { return pad_ok(p) && (pad_pressed[p] & pad_bit(b)) != 0; }
static int32_t h_pad_released(int32_t p, int32_t b) { return pad_ok(p) && (pad_released[p] & pad_bit(b)) != 0; }
static float h_pad_axis(int32_t p, int32_t a) { return pad_ok(p) && a >= 0 && a < PAD_AXIS_COUNT ? pad_axes[p][a] : 0.0f; }

/* Images: kiln-web.js hands over the export's asset files before the game starts (kiln_web_add_file); image_load
   decodes one with the decoder libkiln uses (asset_decode.c, stb_image), and the same path gives the same handle. */
typedef struct web_file { char *path; uint8_t *bytes; size_t len; } web_file;
typedef struct web_image { char *path; uint8_t *rgba; int32_t w, h; } web_image;
static web_file *files;
static int file_count;
static web_image *images;
static int image_count;

void kiln_web__log(int32_t level, const char *text) {
    const char *name = current >= 0 ? plugins[current].name : "";
    kiln_js_log(level, name, strlen(name), text, strlen(text));
}

/* A missing or broken file draws a 16x16 magenta/black checker, as in the editor, and the log says why. */
static uint8_t *placeholder(int32_t *w, int32_t *h) {
    *w = *h = 16;
    uint8_t *px = malloc(16 * 16 * 4);
    for (int i = 0; px && i < 256; i++) {
        int on = ((i % 16) / 4 + (i / 16) / 4) % 2;
        px[i * 4] = on ? 0xFF : 0; px[i * 4 + 1] = 0; px[i * 4 + 2] = on ? 0xFF : 0; px[i * 4 + 3] = 0xFF;
    }
    return px;
}

static int32_t h_image_load(const char *given) {
    char path[KILN_PROJECT_PATH_MAX], why[300] = "no such file in the export's assets";
    if (kiln__project_path(given, path, why, sizeof why) != 0) { /* libkiln's rule: the same paths work in both */
        char line[600];
        snprintf(line, sizeof line, "image_load(\"%.256s\") refused: %s.", given ? given : "", why);
        kiln_web__log(KILN_LOG_ERROR, line);
        return -1;
    }
    for (int i = 0; i < image_count; i++) if (!strcmp(images[i].path, path)) return i;
    web_image *grown = realloc(images, sizeof *images * (size_t)(image_count + 1));
    if (!grown) return -1;
    images = grown;
    web_image *im = &images[image_count];
    im->rgba = NULL;
    for (int i = 0; i < file_count; i++)
        if (!strcmp(files[i].path, path)) im->rgba = kiln_decode_image(files[i].bytes, files[i].len, &im->w, &im->h, why, sizeof why);
    if (!im->rgba) {
        char line[512];
        snprintf(line, sizeof line, "image_load(\"%s\"): %s; a 16x16 placeholder is drawn", path, why);
        kiln_web__log(KILN_LOG_WARN, line);
        im->rgba = placeholder(&im->w, &im->h);
        if (!im->rgba) return -1;
    }
    im->path = strdup(path);
    return image_count++;
}
const uint8_t *kiln_web__file(const char *path, size_t *len) {
    for (int i = 0; i < file_count; i++)
        if (!strcmp(files[i].path, path)) { *len = files[i].len; return files[i].bytes; }
    return NULL;
}
static web_image *image_at(int32_t i) { return i >= 0 && i < image_count ? &images[i] : NULL; }
static void h_draw_sprite_part(int32_t image, int32_t sx, int32_t sy, int32_t sw, int32_t sh, int32_t x, int32_t y, int32_t flags) {
    web_image *im = image_at(image);
    if (im) kiln_draw_image(&canvas, im->rgba, im->w, im->h, sx, sy, sw, sh, x, y, flags);
}
static void h_draw_sprite(int32_t image, int32_t x, int32_t y) {
    web_image *im = image_at(image);
    if (im) kiln_draw_image(&canvas, im->rgba, im->w, im->h, 0, 0, im->w, im->h, x, y, 0);
}
static int32_t h_image_width(int32_t i) { return image_at(i) ? images[i].w : 0; }
static int32_t h_image_height(int32_t i) { return image_at(i) ? images[i].h : 0; }

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

/* The order of a frame, as libkiln's frame_order: by phase, then order, then kiln.json order (a stable sort). */
static void sort_frame_order(void) {
    for (int i = 0; i < kiln_web_plugin_count; i++) {
        int k = i;
        while (k > 0) {
            const web_plugin *t = &plugins[frame_order[k - 1]], *s = &plugins[i];
            if (t->phase < s->phase || (t->phase == s->phase && t->order <= s->order)) break;
            frame_order[k] = frame_order[k - 1];
            k--;
        }
        frame_order[k] = i;
    }
}

/* Sizes the canvas, seeds random(), then loads every plugin in kiln.json's order (the runner's): entry, zeroed state,
   init(). Returns the number of plugins, or -1 when memory ran out. */
WEB_EXPORT("kiln_web_start") int32_t kiln_web_start(int32_t width, int32_t height, uint32_t seed) {
    canvas.width = width;
    canvas.height = height;
    canvas.fb = calloc((size_t)width * (size_t)height, 4);
    plugins = calloc((size_t)kiln_web_plugin_count + 1, sizeof *plugins);
    frame_order = calloc((size_t)kiln_web_plugin_count + 1, sizeof *frame_order);
    if (!canvas.fb || !plugins || !frame_order) return -1;
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
    host.image_load = h_image_load; host.draw_sprite = h_draw_sprite; host.draw_sprite_part = h_draw_sprite_part;
    host.image_width = h_image_width; host.image_height = h_image_height;
    host.pad_connected = h_pad_connected; host.pad_down = h_pad_down; host.pad_pressed = h_pad_pressed;
    host.pad_released = h_pad_released; host.pad_axis = h_pad_axis;
    kiln_web__sound_host(&host);
    kiln_web__world_host(&host);
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
        if (kiln_web__system_load(p->name, kiln_web_plugin_systems[i], &p->phase, &p->order) != 0) { p->desc = NULL; continue; }
        p->state = calloc(1, p->desc->state_size ? p->desc->state_size : 1);
        if (!p->state) return -1;
        if (p->desc->init) p->desc->init(p->state);
    }
    current = -1;
    sort_frame_order();
    return kiln_web_plugin_count;
}

/* One frame as kiln_frame runs it: latch input, advance the clock, then update + draw each plugin in the frame's order. */
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
    memcpy(pad_pressed, pad_press_latch, sizeof pad_pressed);
    memcpy(pad_released, pad_release_latch, sizeof pad_released);
    memset(pad_press_latch, 0, sizeof pad_press_latch);
    memset(pad_release_latch, 0, sizeof pad_release_latch);
    game_time += dt;
    for (int n = 0; n < kiln_web_plugin_count; n++) {
        int i = frame_order[n];
        web_plugin *p = &plugins[i];
        if (!p->desc) continue;
        current = i;
        if (p->desc->update) p->desc->update(p->state, (float)dt);
        if (p->desc->draw) p->desc->draw(p->state);
    }
    current = -1;
    frame_count++;
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

WEB_EXPORT("kiln_web_set_pad") void kiln_web_set_pad(int32_t pad, int32_t connected, uint32_t buttons, float lx, float ly,
                                                     float rx, float ry) {
    if (!pad_ok(pad)) return;
    if (!connected) buttons = 0, lx = ly = rx = ry = 0;
    pad_press_latch[pad] |= buttons & ~pad_buttons[pad];
    pad_release_latch[pad] |= pad_buttons[pad] & ~buttons;
    pad_buttons[pad] = buttons;
    pad_connected[pad] = connected != 0;
    pad_axes[pad][PAD_AXIS_LX] = lx; pad_axes[pad][PAD_AXIS_LY] = ly;
    pad_axes[pad][PAD_AXIS_RX] = rx; pad_axes[pad][PAD_AXIS_RY] = ry;
}

/* Memory for kiln_web_add_file's arguments (kiln-web.js writes the path and the bytes into it). */
WEB_EXPORT("kiln_web_alloc") void *kiln_web_alloc(size_t n) { return malloc(n ? n : 1); }
/* An asset file of the export (path relative to the project folder, NUL-terminated); the host keeps both buffers. */
WEB_EXPORT("kiln_web_add_file") int32_t kiln_web_add_file(char *path, uint8_t *bytes, size_t len) {
    web_file *grown = realloc(files, sizeof *files * (size_t)(file_count + 1));
    if (!grown) return -1;
    files = grown;
    files[file_count++] = (web_file){path, bytes, len};
    return 0;
}

WEB_EXPORT("kiln_web_framebuffer") uint8_t *kiln_web_framebuffer(void) { return canvas.fb; }
WEB_EXPORT("kiln_web_plugin_name") const char *kiln_web_plugin_name(int32_t i) {
    return i >= 0 && i < kiln_web_plugin_count ? kiln_web_plugin_names[i] : "";
}
