/*
 * kiln.h — the Kiln plugin header. The one file a plugin author needs.
 *
 * A plugin is a C file built into a shared library (.so / .dll). Kiln loads it,
 * calls its entry function, and runs your callbacks every frame. When you save,
 * Kiln rebuilds it and swaps the new code in while the game keeps running; your
 * state lives in a block that the HOST owns, so it survives the swap.
 *
 *     #include "kiln.h"
 *
 *     typedef struct { float x, y; int score; } Game;   // all state lives here
 *
 *     static void init(void *s)             { Game *g = s; g->x = 10; }
 *     static void update(void *s, float dt) { Game *g = s; if (key_down(KEY_RIGHT)) g->x += 60 * dt; }
 *     static void draw(void *s)             { Game *g = s; clear(0x101820FF); fill_rect(g->x, 20, 8, 8, 0xFFFFFFFF); }
 *
 *     KILN_PLUGIN(.name = "game", .state_size = sizeof(Game), .state_version = 1,
 *                 .init = init, .update = update, .draw = draw)
 *
 * Rules of thumb
 *  - Keep every piece of game state in the state block. Globals and statics in
 *    your plugin are fresh (zeroed) after every reload.
 *  - Change `state_version` (or describe your fields with KILN_FIELD) when you
 *    change the state struct; Kiln never reuses a block of another layout.
 *  - Colours are 32-bit 0xRRGGBBAA. Coordinates are framebuffer pixels, origin top-left.
 *  - Strings cross the boundary as pointer + length; the short names below do it for you.
 *  - Describe your state with a KILN_FIELD table and Kiln migrates it by field name when the
 *    struct changes (kept, added = init()'s value, removed, type changed = converted; all logged):
 *        static const kiln_field fields[] = { KILN_FIELD(Game, x, KILN_F32, 1), ... };
 *        KILN_PLUGIN(..., .fields = fields, .field_count = 2, ...)
 *  - Logging: log_info/log_warn/log_error(msg), log_printf(fmt, ...); printf/puts/fprintf(stderr)
 *    also reach the game log, tagged with your plugin.
 *  - Need memory that outlives a reload (lists, levels)? mem_alloc()/mem_free(): a pointer
 *    kept in the state block stays valid across reloads, crashes and runner restarts.
 *  - A crash (bad pointer, division by zero, abort, stack overflow) or an endless loop (over
 *    2 s) never kills the game: Kiln restores the state of the frame and rolls back your code.
 */
#ifndef KILN_H
#define KILN_H

#include <stddef.h>
#include <stdint.h>
#ifndef KILN_NO_SHORT_NAMES
#include <stdarg.h> /* log_printf */
#include <stdio.h>  /* vsnprintf: the plugin's own libc (glibc, wasi-libc) formats; no host table change */
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_ABI_VERSION 1u

#if defined(_WIN32)
#define KILN_EXPORT __declspec(dllexport)
#define KILN_HIDDEN
#else
#define KILN_EXPORT __attribute__((visibility("default")))
#define KILN_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The entry symbol every plugin exports (KILN_PLUGIN defines it). */
#define KILN_ENTRY_SYMBOL "kiln_plugin_entry"

typedef uint32_t kiln_color; /* 0xRRGGBBAA */

/* Key codes: ASCII for letters (upper case), digits and space; named keys above 255. */
enum kiln_key {
    KEY_SPACE = ' ',
    KEY_0 = '0', KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9,
    KEY_A = 'A', KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K,
    KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W,
    KEY_X, KEY_Y, KEY_Z,
    KEY_UP = 256, KEY_DOWN, KEY_LEFT, KEY_RIGHT, KEY_ENTER, KEY_ESCAPE, KEY_SHIFT,
    KEY_CONTROL, KEY_TAB, KEY_BACKSPACE,
    KEY_COUNT = 512
};

/* Mouse buttons (also the bits of kiln_set_mouse's `buttons`). */
enum kiln_mouse_button { MOUSE_LEFT = 1, MOUSE_RIGHT = 2, MOUSE_MIDDLE = 4 };

/* Gamepads pad_down() and friends can read: pads 0..KILN_PAD_COUNT-1, in the browser's order. */
#define KILN_PAD_COUNT 4
/* Gamepad buttons, the W3C Gamepad "standard" mapping (an Xbox-style layout; A is the bottom face button). */
enum kiln_pad_button {
    PAD_A = 0, PAD_B, PAD_X, PAD_Y,
    PAD_LB, PAD_RB, PAD_LT, PAD_RT,      /* shoulders, then triggers (also as buttons) */
    PAD_SELECT, PAD_START,               /* back/view, start/menu */
    PAD_LSTICK, PAD_RSTICK,              /* stick presses */
    PAD_UP, PAD_DOWN, PAD_LEFT, PAD_RIGHT, /* d-pad */
    PAD_HOME,
    PAD_BUTTON_COUNT
};
/* Stick axes, -1..1: x to the right, y down (a stick pushed up reads y < 0). */
enum kiln_pad_axis { PAD_AXIS_LX = 0, PAD_AXIS_LY, PAD_AXIS_RX, PAD_AXIS_RY, PAD_AXIS_COUNT };

/* draw_sprite_part flag: mirror the part left-right. */
#define SPRITE_FLIP_X 1
/* draw_sprite_part flag: mirror the part upside down (SPRITE_FLIP_X | SPRITE_FLIP_Y turns it half a turn). */
#define SPRITE_FLIP_Y 2

enum kiln_log_level { KILN_LOG_INFO = 0, KILN_LOG_WARN = 1, KILN_LOG_ERROR = 2 };
/* sfx_tone waves */
enum kiln_sfx_wave {
    /* A square wave: the classic chiptune beep. */
    SFX_SQUARE = 0,
    /* A triangle wave: soft, flute-like. */
    SFX_TRIANGLE = 1,
    /* A sawtooth wave: bright and buzzy. */
    SFX_SAW = 2,
    /* White noise: hits, explosions, wind. */
    SFX_NOISE = 3
};

/* Field types for the optional state field table (used to migrate state by name). */
enum kiln_field_type {
    KILN_I32 = 1, KILN_U32, KILN_F32, KILN_F64, KILN_I64, KILN_U8, KILN_BOOL
};

typedef struct kiln_field {
    const char *name;
    uint32_t type;   /* enum kiln_field_type */
    uint32_t offset; /* offsetof(State, field) */
    uint32_t count;  /* 1 for scalars, N for arrays */
} kiln_field;

/* An entity of the world: index in the low 32 bits, generation in the high 32 (0 is never an entity). A destroyed
   entity's id stays dead: its slot is reused under a new generation, so an old id never reaches the new entity. */
typedef uint64_t kiln_entity;

#define KILN_QUERY_MAX 8
/* Iterates the entities that have every component in comps[0..count-1]:
       kiln_query q = {.comps = {pos, vel}, .count = 2};
       while (query_next(&q)) { Position *p = q.data[0]; Velocity *v = q.data[1]; ... }
   Despawning q.entity (or removing its components) inside the loop is safe; entities spawned in it are not visited. */
typedef struct kiln_query {
    int32_t comps[KILN_QUERY_MAX];  /* in: component ids (component_id("Position")) */
    uint32_t count;                 /* in: how many of comps[] */
    uint32_t cursor_, driver_, started_; /* the host's: leave zero */
    kiln_entity entity;             /* out: the entity */
    void *data[KILN_QUERY_MAX];     /* out: data[i] is its comps[i] */
} kiln_query;

/* A component a system owns: its name, size, field table (for migration by field name and the inspector) and
   the value a new component (and a field added later) starts with. */
typedef struct kiln_component {
    const char *name;
    uint32_t size;
    const kiln_field *fields;
    uint32_t field_count;
    const void *defaults;           /* size bytes, or NULL for zero */
} kiln_component;

/* When a system runs in the frame: phases in this order, then `order`, then kiln.json order. A plugin without
   KILN_SYSTEM runs in SYSTEM_UPDATE. */
enum kiln_system_phase { SYSTEM_INPUT = 1, SYSTEM_UPDATE = 2, SYSTEM_PHYSICS = 3, SYSTEM_RENDER = 4 };

/* What a system plugin declares besides KILN_PLUGIN: its phase, the components it owns (registers and migrates),
   and the names of the components it reads and writes. Exported as its own symbol, so kiln_plugin is unchanged. */
typedef struct kiln_system {
    uint32_t size;                  /* sizeof(kiln_system) (KILN_SYSTEM fills it in) */
    int32_t phase, order;
    const kiln_component *components;
    uint32_t component_count;
    const char *const *reads;
    uint32_t read_count;
    const char *const *writes;
    uint32_t write_count;
} kiln_system;

#define KILN_SYSTEM_SYMBOL "kiln_system_desc"
#define KILN_SYSTEM(...) \
    KILN_EXPORT const kiln_system kiln_system_desc = {.size = sizeof(kiln_system), __VA_ARGS__};

/*
 * What the host gives a plugin. Passed to the entry function on every load.
 * `size` is sizeof(kiln_host) as the host built it: new members are only ever
 * appended, so a plugin built against an older header keeps working.
 */
typedef struct kiln_host {
    uint32_t abi_version;
    uint32_t size;
    int32_t width, height; /* framebuffer size in pixels */

    void (*clear)(kiln_color c);
    void (*pixel)(int32_t x, int32_t y, kiln_color c);
    void (*line)(int32_t x0, int32_t y0, int32_t x1, int32_t y1, kiln_color c);
    void (*rect)(int32_t x, int32_t y, int32_t w, int32_t h, kiln_color c);      /* outline */
    void (*fill_rect)(int32_t x, int32_t y, int32_t w, int32_t h, kiln_color c);
    void (*circle)(int32_t cx, int32_t cy, int32_t r, kiln_color c);             /* filled */
    /* Built-in 8x8 font; scale 1 = 8 px tall glyphs. */
    void (*text)(const char *s, size_t len, int32_t x, int32_t y, int32_t scale, kiln_color c);

    int32_t (*key_down)(int32_t key);    /* held now */
    int32_t (*key_pressed)(int32_t key); /* went down since the previous frame */

    double (*time)(void);                /* seconds since the game started */
    uint32_t (*random)(void);            /* host PRNG, deterministic per run */
    void (*log)(int32_t level, const char *msg, size_t len);

    /* --- appended in Kiln 0.2 (check `size` with KILN_HOST_HAS before calling these from raw C) --- */
    int32_t (*key_released)(int32_t key);   /* went up since the previous frame */
    int32_t (*mouse_x)(void);               /* framebuffer pixels; may be outside the screen */
    int32_t (*mouse_y)(void);
    int32_t (*mouse_down)(int32_t button);  /* button: MOUSE_LEFT, MOUSE_RIGHT or MOUSE_MIDDLE */
    int32_t (*mouse_pressed)(int32_t button);
    /* Draws a w*h image of 0xRRGGBBAA pixels (row-major) with its top-left at (x, y), alpha-blended, clipped. */
    void (*blit)(const uint32_t *rgba_pixels, int32_t w, int32_t h, int32_t x, int32_t y);
    /* Memory that survives reloads: a pointer kept in the state block stays valid after a reload, a crash
       rollback and (when its address can be mapped again, which is the normal case) a runner restart.
       16-byte aligned, zeroed; NULL when the plugin's 64 MiB arena is full. Freed with `free`. */
    void *(*alloc)(size_t size);
    void (*free)(void *ptr);
    int32_t (*mouse_released)(int32_t button);

    /* --- appended in Kiln 0.3: images, gamepads, sound (issue 13). Order is the ABI: never reorder. --- */
    /* Images: paths relative to the project folder; a handle >= 0, or < 0 (logged with the file and the reason). */
    int32_t (*image_load)(const char *path);
    void (*draw_sprite)(int32_t image, int32_t x, int32_t y);
    /* Draws the sw*sh part of image at (sx, sy) with its top-left at (x, y); flags: SPRITE_FLIP_X | SPRITE_FLIP_Y. */
    void (*draw_sprite_part)(int32_t image, int32_t sx, int32_t sy, int32_t sw, int32_t sh, int32_t x, int32_t y, int32_t flags);
    int32_t (*image_width)(int32_t image);
    int32_t (*image_height)(int32_t image);
    /* Gamepads (W3C "standard" mapping): pad 0..KILN_PAD_COUNT-1, buttons PAD_A.., axes PAD_AXIS_LX... */
    int32_t (*pad_connected)(int32_t pad);
    int32_t (*pad_down)(int32_t pad, int32_t button);
    int32_t (*pad_pressed)(int32_t pad, int32_t button);
    int32_t (*pad_released)(int32_t pad, int32_t button);
    float (*pad_axis)(int32_t pad, int32_t axis);
    /* Sound, played by the editor: WAV/OGG relative to the project folder; a handle >= 0, or < 0 (logged). */
    int32_t (*sound_load)(const char *path);
    void (*sound_play)(int32_t sound, float volume, float pan);
    void (*music_play)(int32_t sound, float volume); /* loops until music_stop */
    void (*music_stop)(void);
    void (*sfx_tone)(float hz, int32_t ms, int32_t wave, float volume); /* wave: SFX_SQUARE, SFX_TRIANGLE, SFX_SAW, SFX_NOISE */

    /* --- appended in Kiln 0.3: the world (issue 15) --- */
    /* A world of entities shared by every plugin, owned by the host (it survives reloads, crashes and restarts).
       Components are declared with KILN_SYSTEM(...) by the plugin that owns them; any plugin uses them by id. */
    int32_t (*component_id)(const char *name);                  /* < 0: no component of that name yet */
    kiln_entity (*spawn)(void);                                 /* 0 when the world is full */
    int32_t (*despawn)(kiln_entity e);                          /* 0, or < 0 for a stale / unknown id */
    int32_t (*entity_alive)(kiln_entity e);
    void *(*add_component)(kiln_entity e, int32_t component);   /* set to the owner's defaults; NULL: stale id */
    int32_t (*remove_component)(kiln_entity e, int32_t component);
    void *(*get_component)(kiln_entity e, int32_t component);   /* NULL: no such component on e */
    int32_t (*query_next)(kiln_query *q);                       /* 1 with q->entity and q->data set, 0 at the end */
    uint32_t (*entity_count)(void);
} kiln_host;

/* 1 if the host that loaded this plugin provides `member` (hosts older than this header lack the newer ones). */
#define KILN_HOST_HAS(member) \
    (kiln->size >= offsetof(kiln_host, member) + sizeof(kiln->member) && kiln->member != NULL)

/* What a plugin gives the host. Zero-initialise; unset callbacks are skipped. */
typedef struct kiln_plugin {
    uint32_t abi_version;   /* KILN_ABI_VERSION (KILN_PLUGIN fills it in) */
    const char *name;
    uint32_t state_size;    /* bytes of host-owned state this plugin needs */
    uint32_t state_version; /* bump when the layout changes */
    const kiln_field *fields; /* optional: describe the state for migration by name */
    uint32_t field_count;

    void (*init)(void *state);                 /* fresh state (zeroed before the call) */
    void (*update)(void *state, float dt);     /* dt in seconds */
    void (*draw)(void *state);
    void (*on_reload)(void *state);            /* after new code is swapped in */
    /* Layout changed and no field table: convert old -> new. Return 0 on success. */
    int32_t (*migrate)(const void *old_state, uint32_t old_size, uint32_t old_version, void *new_state);
    void (*shutdown)(void *state);
} kiln_plugin;

typedef const kiln_plugin *(*kiln_entry_fn)(const kiln_host *host);

/* The host table for this plugin image; KILN_PLUGIN defines it. */
extern KILN_HIDDEN const kiln_host *kiln;

#define KILN_PLUGIN(...)                                                          \
    KILN_HIDDEN const kiln_host *kiln;                                            \
    static const kiln_plugin kiln_plugin_desc_ = {.abi_version = KILN_ABI_VERSION, \
                                                  __VA_ARGS__};                   \
    KILN_EXPORT const kiln_plugin *kiln_plugin_entry(const kiln_host *host) {     \
        kiln = host;                                                              \
        return &kiln_plugin_desc_;                                                \
    }

#define KILN_FIELD(State, member, ftype, n) \
    { #member, (ftype), (uint32_t)offsetof(State, member), (n) }

/* Short names, raylib style. Define KILN_NO_SHORT_NAMES to keep only `kiln->...`. */
#ifndef KILN_NO_SHORT_NAMES
static inline size_t kiln_strlen_(const char *s) { size_t n = 0; while (s && s[n]) n++; return n; }
/* Fills the whole screen with colour c (0xRRGGBBAA). */
static inline void clear(kiln_color c) { kiln->clear(c); }
/* Sets the pixel at (x, y) to colour c. */
static inline void draw_pixel(int x, int y, kiln_color c) { kiln->pixel(x, y, c); }
/* Draws a one-pixel line from (x0, y0) to (x1, y1). */
static inline void draw_line(int x0, int y0, int x1, int y1, kiln_color c) { kiln->line(x0, y0, x1, y1, c); }
/* Draws the outline of a w*h rectangle with its top-left at (x, y). */
static inline void draw_rect(int x, int y, int w, int h, kiln_color c) { kiln->rect(x, y, w, h, c); }
/* Fills a w*h rectangle with its top-left at (x, y) with colour c. */
static inline void fill_rect(int x, int y, int w, int h, kiln_color c) { kiln->fill_rect(x, y, w, h, c); }
/* Fills a circle of radius r centred on (cx, cy). */
static inline void fill_circle(int cx, int cy, int r, kiln_color c) { kiln->circle(cx, cy, r, c); }
/* Draws the text s with its top-left at (x, y) in the built-in 8x8 font; scale 2 = 16 px tall. */
static inline void draw_text(const char *s, int x, int y, int scale, kiln_color c) { kiln->text(s, kiln_strlen_(s), x, y, scale, c); }
/* 1 while key (KEY_LEFT, KEY_A, ...) is held down. */
static inline int key_down(int key) { return kiln->key_down(key); }
/* 1 on the frame key went down (since the previous frame). */
static inline int key_pressed(int key) { return kiln->key_pressed(key); }
/* Seconds since the game started. */
static inline double game_time(void) { return kiln->time(); }
/* A random 32-bit number from the host PRNG (deterministic per run, so loop replays repeat). */
static inline uint32_t random_u32(void) { return kiln->random(); }
/* Writes msg to the game log as info. */
static inline void log_info(const char *msg) { kiln->log(KILN_LOG_INFO, msg, kiln_strlen_(msg)); }
/* Writes msg to the game log as a warning. */
static inline void log_warn(const char *msg) { kiln->log(KILN_LOG_WARN, msg, kiln_strlen_(msg)); }
static inline void log_error(const char *msg) { kiln->log(KILN_LOG_ERROR, msg, kiln_strlen_(msg)); }
/* printf-style info line: log_printf("score %d", g->score). Formatted into a 1000-byte buffer (longer text is cut).
   The same line logged every frame shows once in the game log with a count ("x60"). printf() works too. */
#if defined(__GNUC__) || defined(__clang__)
static inline void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
static inline void log_printf(const char *fmt, ...) {
    char buf[1000];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    kiln->log(KILN_LOG_INFO, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}
/* 1 on the frame key went up (since the previous frame). */
static inline int key_released(int key) { return KILN_HOST_HAS(key_released) ? kiln->key_released(key) : 0; }
/* Mouse x in framebuffer pixels (may be outside the screen). */
static inline int mouse_x(void) { return KILN_HOST_HAS(mouse_x) ? kiln->mouse_x() : 0; }
/* Mouse y in framebuffer pixels (may be outside the screen). */
static inline int mouse_y(void) { return KILN_HOST_HAS(mouse_y) ? kiln->mouse_y() : 0; }
/* 1 while button (MOUSE_LEFT, MOUSE_RIGHT, MOUSE_MIDDLE) is held down. */
static inline int mouse_down(int button) { return KILN_HOST_HAS(mouse_down) ? kiln->mouse_down(button) : 0; }
/* 1 on the frame button went down. */
static inline int mouse_pressed(int button) { return KILN_HOST_HAS(mouse_pressed) ? kiln->mouse_pressed(button) : 0; }
/* 1 on the frame button went up. */
static inline int mouse_released(int button) { return KILN_HOST_HAS(mouse_released) ? kiln->mouse_released(button) : 0; }
/* Draws a w*h image of 0xRRGGBBAA pixels (row-major) with its top-left at (x, y), alpha-blended. */
static inline void draw_image(const uint32_t *rgba, int w, int h, int x, int y) { if (KILN_HOST_HAS(blit)) kiln->blit(rgba, w, h, x, y); }
/* Zeroed memory that survives reloads and crashes (keep the pointer in the state block); NULL when full. */
static inline void *mem_alloc(size_t size) { return KILN_HOST_HAS(alloc) ? kiln->alloc(size) : NULL; }
/* Frees memory from mem_alloc. */
static inline void mem_free(void *ptr) { if (KILN_HOST_HAS(free)) kiln->free(ptr); }
/* Loads a WAV or OGG file (path relative to the project folder): a handle >= 0, or < 0 with the reason logged. */
static inline int sound_load(const char *path) { return KILN_HOST_HAS(sound_load) ? kiln->sound_load(path) : -1; }
/* Plays a loaded sound once: volume 0..1, pan -1 (left) .. 1 (right). */
static inline void sound_play(int sound, float volume, float pan) { if (KILN_HOST_HAS(sound_play)) kiln->sound_play(sound, volume, pan); }
/* Plays a loaded sound as music, looping, in place of the music playing. */
static inline void music_play(int sound, float volume) { if (KILN_HOST_HAS(music_play)) kiln->music_play(sound, volume); }
/* Stops the music. */
static inline void music_stop(void) { if (KILN_HOST_HAS(music_stop)) kiln->music_stop(); }
/* Plays a synthesized tone: hz 20..20000, ms long, wave SFX_SQUARE/SFX_TRIANGLE/SFX_SAW/SFX_NOISE, volume 0..1. */
static inline void sfx_tone(float hz, int ms, int wave, float volume) { if (KILN_HOST_HAS(sfx_tone)) kiln->sfx_tone(hz, ms, wave, volume); }
/* The id of the world component called name ("Position"), or < 0 if no loaded system declares it. */
static inline int component_id(const char *name) { return KILN_HOST_HAS(component_id) ? kiln->component_id(name) : -1; }
/* A new entity in the shared world (no components yet); 0 if the world is full. */
static inline kiln_entity spawn(void) { return KILN_HOST_HAS(spawn) ? kiln->spawn() : 0; }
/* Destroys entity e and its components; its id never matches a later entity. */
static inline int despawn(kiln_entity e) { return KILN_HOST_HAS(despawn) ? kiln->despawn(e) : -1; }
/* 1 while entity e exists (0 after despawn: a stale id). */
static inline int entity_alive(kiln_entity e) { return KILN_HOST_HAS(entity_alive) ? kiln->entity_alive(e) : 0; }
/* Gives e the component (set to its owner's defaults) and returns it; an existing one is returned as it is. */
static inline void *add_component(kiln_entity e, int component) { return KILN_HOST_HAS(add_component) ? kiln->add_component(e, component) : NULL; }
/* Takes the component off entity e. */
static inline int remove_component(kiln_entity e, int component) { return KILN_HOST_HAS(remove_component) ? kiln->remove_component(e, component) : -1; }
/* Entity e's component, or NULL if it has none (or e is stale). */
static inline void *get_component(kiln_entity e, int component) { return KILN_HOST_HAS(get_component) ? kiln->get_component(e, component) : NULL; }
/* Next entity having every component of q: while (query_next(&q)) { ... q.data[0] ... }. */
static inline int query_next(kiln_query *q) { return KILN_HOST_HAS(query_next) ? kiln->query_next(q) : 0; }
/* How many entities the world holds. */
static inline unsigned entity_count(void) { return KILN_HOST_HAS(entity_count) ? kiln->entity_count() : 0; }
/* Width of the framebuffer in pixels. */
static inline int screen_width(void) { return kiln->width; }
/* Height of the framebuffer in pixels. */
static inline int screen_height(void) { return kiln->height; }
/* Loads an image (PNG, JPEG, BMP, TGA, GIF) from the project folder, e.g. "sprites.png"; returns its handle (>= 0).
   The same path gives the same handle; a missing or broken file draws a checkered placeholder (the log says why) until
   it is fixed on disk; saving the file redraws it at once. < 0: refused (a path outside the project; logged). */
static inline int image_load(const char *path) { return KILN_HOST_HAS(image_load) ? kiln->image_load(path) : -1; }
/* Draws the whole image with its top-left at (x, y), alpha-blended. */
static inline void draw_sprite(int image, int x, int y) { if (KILN_HOST_HAS(draw_sprite)) kiln->draw_sprite(image, x, y); }
/* Draws the sw*sh part of image at (sx, sy) with its top-left at (x, y); flags: 0, SPRITE_FLIP_X, SPRITE_FLIP_Y or both. */
static inline void draw_sprite_part(int image, int sx, int sy, int sw, int sh, int x, int y, int flags) {
    if (KILN_HOST_HAS(draw_sprite_part)) kiln->draw_sprite_part(image, sx, sy, sw, sh, x, y, flags);
}
/* Width of image in pixels (0 for a bad handle). */
static inline int image_width(int image) { return KILN_HOST_HAS(image_width) ? kiln->image_width(image) : 0; }
/* Height of image in pixels (0 for a bad handle). */
static inline int image_height(int image) { return KILN_HOST_HAS(image_height) ? kiln->image_height(image) : 0; }
/* 1 while gamepad pad (0..KILN_PAD_COUNT-1) is connected. */
static inline int pad_connected(int pad) { return KILN_HOST_HAS(pad_connected) ? kiln->pad_connected(pad) : 0; }
/* 1 while button (PAD_A, PAD_UP, ...) of gamepad pad is held down. */
static inline int pad_down(int pad, int button) { return KILN_HOST_HAS(pad_down) ? kiln->pad_down(pad, button) : 0; }
/* 1 on the frame button of gamepad pad went down. */
static inline int pad_pressed(int pad, int button) { return KILN_HOST_HAS(pad_pressed) ? kiln->pad_pressed(pad, button) : 0; }
/* 1 on the frame button of gamepad pad went up. */
static inline int pad_released(int pad, int button) { return KILN_HOST_HAS(pad_released) ? kiln->pad_released(pad, button) : 0; }
/* Stick axis (PAD_AXIS_LX, PAD_AXIS_LY, PAD_AXIS_RX, PAD_AXIS_RY) of gamepad pad, -1..1 (y down); 0 when not connected. */
static inline float pad_axis(int pad, int axis) { return KILN_HOST_HAS(pad_axis) ? kiln->pad_axis(pad, axis) : 0.0f; }
#endif

#ifdef __cplusplus
}
#endif
#endif /* KILN_H */
