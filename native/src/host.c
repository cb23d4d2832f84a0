/* host.c — the kiln_host table: what plugins call to draw, read input, time, random numbers and log.
   The table's functions carry no context pointer (the ABI keeps plugin calls short), so the runtime
   that is running a plugin callback is kept in a thread-local for the duration of the call. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "output.h"
#include "rng.h"
#include "runtime_internal.h"
#include "world.h"

static __thread kiln_runtime *tl_rt;
static __thread kiln_slot *tl_slot;

void kiln__host_enter(kiln_runtime *rt, kiln_slot *slot) { tl_rt = rt; tl_slot = slot; }
void kiln__host_leave(void) { tl_rt = NULL; tl_slot = NULL; }
kiln_runtime *kiln__host_runtime(void) { return tl_rt; }
kiln_slot *kiln__host_slot(void) { return tl_slot; }

/* --- pixels: the drawing itself is draw.c (shared with the web export's WebAssembly host) ----------- */
static inline int canvas_of(kiln_canvas *cv) {
    kiln_runtime *rt = tl_rt;
    if (!rt) return 0;
    cv->fb = rt->fb; cv->width = rt->width; cv->height = rt->height;
    return 1;
}
static void host_clear(kiln_color c) { kiln_canvas cv; if (canvas_of(&cv)) kiln_draw_clear(&cv, c); }
static void host_pixel(int32_t x, int32_t y, kiln_color c) { kiln_canvas cv; if (canvas_of(&cv)) kiln_draw_pixel(&cv, x, y, c); }
static void host_fill_rect(int32_t x, int32_t y, int32_t w, int32_t h, kiln_color c) {
    kiln_canvas cv;
    if (canvas_of(&cv)) kiln_draw_fill_rect(&cv, x, y, w, h, c);
}
static void host_rect(int32_t x, int32_t y, int32_t w, int32_t h, kiln_color c) {
    kiln_canvas cv;
    if (canvas_of(&cv)) kiln_draw_rect(&cv, x, y, w, h, c);
}
static void host_line(int32_t x0, int32_t y0, int32_t x1, int32_t y1, kiln_color c) {
    kiln_canvas cv;
    if (canvas_of(&cv)) kiln_draw_line(&cv, x0, y0, x1, y1, c);
}
static void host_circle(int32_t cx, int32_t cy, int32_t r, kiln_color c) {
    kiln_canvas cv;
    if (canvas_of(&cv)) kiln_draw_circle(&cv, cx, cy, r, c);
}
static void host_text(const char *s, size_t len, int32_t x, int32_t y, int32_t scale, kiln_color c) {
    kiln_canvas cv;
    if (canvas_of(&cv)) kiln_draw_text(&cv, s, len, x, y, scale, c);
}

/* --- input, time, random, log ---------------------------------------------------------------------------- */
static int32_t host_key_down(int32_t key) {
    kiln_runtime *rt = tl_rt;
    return rt && key >= 0 && key < KEY_COUNT ? __atomic_load_n(&rt->in.keys[key], __ATOMIC_RELAXED) : 0;
}

static int32_t host_key_pressed(int32_t key) {
    kiln_runtime *rt = tl_rt;
    return rt && key >= 0 && key < KEY_COUNT ? rt->in.pressed[key] : 0;
}

static int32_t host_key_released(int32_t key) {
    kiln_runtime *rt = tl_rt;
    return rt && key >= 0 && key < KEY_COUNT ? rt->in.released[key] : 0;
}

static int32_t host_mouse_x(void) { return tl_rt ? __atomic_load_n(&tl_rt->in.mouse_x, __ATOMIC_RELAXED) : 0; }
static int32_t host_mouse_y(void) { return tl_rt ? __atomic_load_n(&tl_rt->in.mouse_y, __ATOMIC_RELAXED) : 0; }
static int32_t host_mouse_down(int32_t b) {
    return tl_rt && b > 0 ? (__atomic_load_n(&tl_rt->in.buttons, __ATOMIC_RELAXED) & (uint32_t)b) != 0 : 0;
}
static int32_t host_mouse_pressed(int32_t b) { return tl_rt && b > 0 ? (tl_rt->in.buttons_pressed & (uint32_t)b) != 0 : 0; }
static int32_t host_mouse_released(int32_t b) { return tl_rt && b > 0 ? (tl_rt->in.buttons_released & (uint32_t)b) != 0 : 0; }

/* gamepads: the state latched for this frame by kiln_frame (kiln_set_pad writes it from any thread) */
static int pad_ok(int32_t pad) { return tl_rt && pad >= 0 && pad < KILN_PAD_COUNT; }
static uint32_t pad_bit(int32_t button) { return button >= 0 && button < PAD_BUTTON_COUNT ? 1u << button : 0; }
static int32_t host_pad_connected(int32_t pad) { return pad_ok(pad) ? __atomic_load_n(&tl_rt->in.pad_connected[pad], __ATOMIC_RELAXED) : 0; }
static int32_t host_pad_down(int32_t pad, int32_t b) {
    return pad_ok(pad) ? (__atomic_load_n(&tl_rt->in.pad_buttons[pad], __ATOMIC_RELAXED) & pad_bit(b)) != 0 : 0;
}
static int32_t host_pad_pressed(int32_t pad, int32_t b) { return pad_ok(pad) ? (tl_rt->in.pad_pressed[pad] & pad_bit(b)) != 0 : 0; }
static int32_t host_pad_released(int32_t pad, int32_t b) { return pad_ok(pad) ? (tl_rt->in.pad_released[pad] & pad_bit(b)) != 0 : 0; }
static float host_pad_axis(int32_t pad, int32_t axis) {
    return pad_ok(pad) && axis >= 0 && axis < PAD_AXIS_COUNT ? tl_rt->in.pad_axes[pad][axis] : 0.0f;
}

static void host_blit(const uint32_t *px, int32_t w, int32_t h, int32_t x, int32_t y) {
    kiln_canvas cv;
    if (canvas_of(&cv)) kiln_draw_blit(&cv, px, w, h, x, y);
}

/* --- sound: checked and queued by sound.c, played by the editor ------------------------------------------------ */
static const char *slot_name(void) { return tl_slot ? tl_slot->name : NULL; }
static int32_t host_sound_load(const char *path) { return tl_rt ? kiln__sound_load(tl_rt, slot_name(), path) : KILN_ERR_INVALID; }
static void host_sound_play(int32_t sound, float volume, float pan) {
    kiln__sound_request(tl_rt, slot_name(), (kiln_sound_command){.op = KILN_SOUND_PLAY, .sound = sound, .volume = volume, .pan = pan});
}
static void host_music_play(int32_t sound, float volume) {
    kiln__sound_request(tl_rt, slot_name(), (kiln_sound_command){.op = KILN_SOUND_MUSIC, .sound = sound, .volume = volume});
}
static void host_music_stop(void) { kiln__sound_request(tl_rt, slot_name(), (kiln_sound_command){.op = KILN_SOUND_MUSIC_STOP, .sound = -1}); }
static void host_sfx_tone(float hz, int32_t ms, int32_t wave, float volume) {
    kiln__sound_request(tl_rt, slot_name(), (kiln_sound_command){.op = KILN_SOUND_TONE, .sound = -1, .hz = hz, .ms = ms, .wave = wave, .volume = volume});
}

/* --- host arena ------------------------------------------------------------------------------------------- */
static void *host_alloc(size_t size) {
    kiln_runtime *rt = tl_rt;
    kiln_slot *s = tl_slot;
    if (!rt) return NULL;
    if (s && size > KILN_ARENA_SIZE - 4096) { /* SIZE_MAX and its neighbours: no arithmetic on it below */
        char m[300];
        int n = snprintf(m, sizeof m, "%s: alloc(%zu) is too large: the plugin's arena holds at most %zu bytes "
                         "(%zu MiB); it returned NULL. Allocate less, or keep big data in files.", s->name, size,
                         (size_t)KILN_ARENA_SIZE, (size_t)KILN_ARENA_SIZE >> 20);
        kiln__queue_message_from(rt, s->name, KILN_LOG_WARN, m, n > 0 ? (size_t)n : 0);
        return NULL;
    }
    if (!s) {
        kiln__queue_messagef(rt, KILN_LOG_WARN, "%s", "alloc() was called outside init/update/draw (in the entry "
                             "function?); it returned NULL. Allocate in init() instead.");
        return NULL;
    }
    if (!s->arena) {
        char path[KILN_PATH_MAX], why[600];
        snprintf(path, sizeof path, "%s/%s.heap", rt->state_dir, s->name);
        kiln_plat_defer_begin();
        int rc = kiln__arena_open(path, 1, &s->arena, why, sizeof why);
        if (rc >= 0) kiln__arena_begin(s->arena); /* we are inside a guarded call: it is a transaction */
        kiln_plat_defer_end();
        if (rc < 0) {
            kiln__queue_messagef(rt, KILN_LOG_ERROR, "%s: alloc() failed: %s. Check that the project's .kiln folder is "
                                 "writable.", s->name, why);
            return NULL;
        }
    }
    void *p = kiln__arena_alloc(s->arena, size);
    if (!p) kiln__queue_messagef(rt, KILN_LOG_WARN, "%s: alloc(%zu) returned NULL: the plugin's %zu MiB arena is full.",
                                 s->name, size, KILN_ARENA_SIZE >> 20);
    return p;
}

static void host_free(void *p) {
    kiln_runtime *rt = tl_rt;
    kiln_slot *s = tl_slot;
    if (!rt || !s || !p) return;
    if (!s->arena || kiln__arena_free(s->arena, p) != 0)
        kiln__queue_messagef(rt, KILN_LOG_WARN, "%s: free(%p) ignored: it is not a live block from alloc() (freed twice, "
                             "or memory from elsewhere).", s->name, p);
}

static double host_time(void) { return tl_rt ? tl_rt->time : 0.0; }

static uint32_t host_random(void) {
    kiln_runtime *rt = tl_rt;
    return rt ? kiln_rng_next(&rt->rng) : 0;
}

static void host_log(int32_t level, const char *msg, size_t len) {
    kiln_runtime *rt = tl_rt;
    if (!rt || !msg) return;
    if (level < KILN_LOG_INFO || level > KILN_LOG_ERROR) level = KILN_LOG_INFO;
    if (len > 4000) len = 4000;
    /* "name: text", so the reload log can say which plugin spoke */
    char line[KILN_NAME_MAX + 4002];
    size_t n = 0;
    if (tl_slot) {
        n = strlen(tl_slot->name);
        memcpy(line, tl_slot->name, n);
        line[n++] = ':';
        line[n++] = ' ';
    }
    memcpy(line + n, msg, len);
    kiln__queue_message_from(rt, tl_slot ? tl_slot->name : NULL, level, line, n + len);
}

void kiln__host_init(kiln_runtime *rt) {
    kiln_host *h = &rt->host;
    memset(h, 0, sizeof *h);
    h->abi_version = KILN_ABI_VERSION;
    h->size = sizeof *h;
    h->width = rt->width;
    h->height = rt->height;
    h->clear = host_clear;
    h->pixel = host_pixel;
    h->line = host_line;
    h->rect = host_rect;
    h->fill_rect = host_fill_rect;
    h->circle = host_circle;
    h->text = host_text;
    h->key_down = host_key_down;
    h->key_pressed = host_key_pressed;
    h->time = host_time;
    h->random = host_random;
    h->log = host_log;
    h->key_released = host_key_released;
    h->mouse_x = host_mouse_x;
    h->mouse_y = host_mouse_y;
    h->mouse_down = host_mouse_down;
    h->mouse_pressed = host_mouse_pressed;
    h->blit = host_blit;
    h->alloc = host_alloc;
    h->free = host_free;
    h->mouse_released = host_mouse_released;
    h->sound_load = host_sound_load;
    h->sound_play = host_sound_play;
    h->music_play = host_music_play;
    h->music_stop = host_music_stop;
    h->sfx_tone = host_sfx_tone;
    kiln__assets_host_init(h);
    h->pad_connected = host_pad_connected;
    h->pad_down = host_pad_down;
    h->pad_pressed = host_pad_pressed;
    h->pad_released = host_pad_released;
    h->pad_axis = host_pad_axis;
    kiln__world_host_init(h);
}

/* --- message queue ----------------------------------------------------------------------------------------- */
void kiln__queue_message(kiln_runtime *rt, int32_t level, const char *text, size_t len) {
    kiln__queue_message_from(rt, NULL, level, text, len);
}

static void queue_record(kiln_runtime *rt, const char *plugin, int32_t level, int32_t stream, const char *text, size_t len);

void kiln__queue_message_from(kiln_runtime *rt, const char *plugin, int32_t level, const char *text, size_t len) {
    queue_record(rt, plugin, level, KILN_STREAM_LOG, text, len);
}

/* stdout lines are info, stderr lines warnings: the level a reader filters by */
void kiln__queue_output(kiln_runtime *rt, const char *plugin, int stream, const char *text, size_t len) {
    queue_record(rt, plugin, stream == KILN_STREAM_STDERR ? KILN_LOG_WARN : KILN_LOG_INFO, stream, text, len);
}

static void queue_record(kiln_runtime *rt, const char *plugin, int32_t level, int32_t stream, const char *text, size_t len) {
    /* copy before locking: a bad pointer from a plugin faults here, not while holding the lock */
    kiln_plat_defer_begin(); /* a watchdog stop must not leave malloc or the lock half-done */
    char *copy = malloc(len + 1);
    if (!copy) { kiln_plat_defer_end(); return; }
    memcpy(copy, text, len);
    copy[len] = '\0';
    pthread_mutex_lock(&rt->msg_lock);
    if (rt->msg_count == KILN_MSG_QUEUE) { /* drop the oldest */
        free(rt->msgs[rt->msg_head].text);
        rt->msg_head = (rt->msg_head + 1) % KILN_MSG_QUEUE;
        rt->msg_count--;
    }
    kiln_message *m = &rt->msgs[(rt->msg_head + rt->msg_count) % KILN_MSG_QUEUE];
    m->text = copy;
    m->level = level;
    m->stream = stream;
    snprintf(m->plugin, sizeof m->plugin, "%s", plugin ? plugin : "");
    rt->msg_count++;
    pthread_mutex_unlock(&rt->msg_lock);
    kiln_plat_defer_end();
}

static void queue_vmessagef(kiln_runtime *rt, const char *plugin, int32_t level, const char *fmt, va_list ap) {
    char buf[2048];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
    kiln__queue_message_from(rt, plugin, level, buf, (size_t)n);
}

void kiln__queue_messagef(kiln_runtime *rt, int32_t level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    queue_vmessagef(rt, NULL, level, fmt, ap);
    va_end(ap);
}

void kiln__queue_messagef_from(kiln_runtime *rt, const char *plugin, int32_t level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    queue_vmessagef(rt, plugin, level, fmt, ap);
    va_end(ap);
}

/* The oldest queued message (the caller frees m->text), or -1 when none is queued. */
static int pop_message(kiln_runtime *rt, kiln_message *m) {
    pthread_mutex_lock(&rt->msg_lock);
    if (rt->msg_count == 0) { pthread_mutex_unlock(&rt->msg_lock); return -1; }
    *m = rt->msgs[rt->msg_head];
    rt->msg_head = (rt->msg_head + 1) % KILN_MSG_QUEUE;
    rt->msg_count--;
    pthread_mutex_unlock(&rt->msg_lock);
    return 0;
}

int32_t kiln_poll_message(kiln_runtime *rt, char *buf, int32_t cap, int32_t *level) {
    if (!rt) return -1;
    kiln_message m;
    if (pop_message(rt, &m) != 0) return -1;
    size_t n = strlen(m.text);
    if (buf && cap > 0) {
        size_t k = n < (size_t)cap - 1 ? n : (size_t)cap - 1;
        memcpy(buf, m.text, k);
        buf[k] = '\0';
    }
    if (level) *level = m.level;
    free(m.text);
    return (int32_t)n;
}

int32_t kiln_poll_log(kiln_runtime *rt, kiln_log_message *out) {
    if (!rt || !out) return -1;
    kiln__output_collect(rt); /* printed between frames: untagged, queued before it is polled */
    kiln_message m;
    if (pop_message(rt, &m) != 0) return -1;
    memset(out, 0, sizeof *out);
    out->level = m.level;
    out->stream = m.stream;
    snprintf(out->plugin, sizeof out->plugin, "%s", m.plugin);
    snprintf(out->text, sizeof out->text, "%s", m.text);
    free(m.text);
    return 0;
}

/* --- crash records ---------------------------------------------------------------------------------------------- */
void kiln__queue_crash(kiln_runtime *rt, const kiln_crash *c) {
    kiln_plat_defer_begin();
    pthread_mutex_lock(&rt->msg_lock);
    if (rt->crash_count == KILN_CRASH_QUEUE) { /* drop the oldest */
        rt->crash_head = (rt->crash_head + 1) % KILN_CRASH_QUEUE;
        rt->crash_count--;
    }
    rt->crashes[(rt->crash_head + rt->crash_count) % KILN_CRASH_QUEUE] = *c;
    rt->crash_count++;
    pthread_mutex_unlock(&rt->msg_lock);
    kiln_plat_defer_end();
}

int32_t kiln_poll_crash(kiln_runtime *rt, kiln_crash *out) {
    if (!rt || !out) return -1;
    pthread_mutex_lock(&rt->msg_lock);
    if (rt->crash_count == 0) { pthread_mutex_unlock(&rt->msg_lock); return -1; }
    *out = rt->crashes[rt->crash_head];
    rt->crash_head = (rt->crash_head + 1) % KILN_CRASH_QUEUE;
    rt->crash_count--;
    pthread_mutex_unlock(&rt->msg_lock);
    return 0;
}
