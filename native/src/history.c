/* history.c — the last seconds back: a memory-bounded ring of past frames for the timeline (seek, step, replay).

   Each kept frame is an entry: the frame's input (compact: the keys down, this frame's presses and releases, the
   mouse) and dt, plus a kiln_snapshot taken after the frame (every plugin's state and arena, clock, PRNG, frame
   count: snapshot.c's format, so a seek is a kiln_restore). Snapshots are stored XOR'd against the previous
   entry's and run-length coded in 8-byte words (a frame of pong changes a few words of ~3 KiB); a whole frame
   ("keyframe") is stored again when the deltas since the last one add up to its size, so a seek decodes at most
   about two frames' worth of bytes. Eviction drops whole groups (a keyframe and its deltas) from the front.

   Entries are consecutive frames. Those with a snapshot come first; after a seek + replay start, the entries
   past the replay point keep only their input (the recorded future that replay runs again). All of it is
   touched only under rt->lock. */
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

typedef struct hist_entry {
    double dt;
    uint8_t *input;              /* compact input (hist_input + key lists) */
    uint8_t *data;               /* encoded snapshot after the frame; NULL: input only */
    uint32_t input_len, data_len, raw_len;
    int key;                     /* 1: coded against zeros, 0: against the previous entry's snapshot */
} hist_entry;

typedef struct hist_input {
    int32_t mouse_x, mouse_y;
    uint32_t buttons, buttons_pressed, buttons_released;
    uint16_t nkeys, npressed, nreleased, reserved;
    /* gamepads, as kiln_input has them */
    uint8_t pad_connected[KILN_PAD_COUNT];
    uint32_t pad_buttons[KILN_PAD_COUNT], pad_pressed[KILN_PAD_COUNT], pad_released[KILN_PAD_COUNT];
    float pad_axes[KILN_PAD_COUNT][PAD_AXIS_COUNT];
} hist_input;

#define TIMINGS 256

typedef struct kiln_history {
    uint64_t budget, bytes;
    hist_entry *e;
    size_t cap, head, n;         /* ring: entry i is e[(head + i) % cap], frame first_frame + i */
    size_t nstate;               /* entries [0, nstate) have a snapshot */
    uint64_t first_frame;
    uint8_t *last; uint64_t last_len, last_cap, last_frame; /* decoded snapshot of frame last_frame (delta base) */
    int last_valid;
    uint8_t *snap; uint64_t snap_cap;    /* the new snapshot */
    uint8_t *enc; uint64_t enc_cap;      /* its coding */
    uint8_t input[sizeof(hist_input) + 3 * KEY_COUNT * 2]; uint32_t input_len; /* this frame's, from frame_begin */
    uint64_t since_key;          /* coded bytes since the last keyframe */
    uint64_t cursor;             /* the frame shown */
    int replaying;               /* frame_end fills the existing entry instead of appending */
    double timings[TIMINGS]; uint32_t ntimings, tpos;
} kiln_history;

static hist_entry *E(kiln_history *h, size_t i) { return &h->e[(h->head + i) % h->cap]; }

static int grow(uint8_t **buf, uint64_t *cap, uint64_t need) {
    if (*cap >= need) return 0;
    uint64_t c = need + need / 4 + 64;
    uint8_t *p = realloc(*buf, (size_t)c);
    if (!p) return -1;
    *buf = p; *cap = c;
    return 0;
}

/* --- XOR + run-length in 8-byte words: ops of (zero words varint, literal words varint, literal bytes) ------------ */
static uint8_t *put_varint(uint8_t *p, uint64_t v) {
    while (v >= 0x80) { *p++ = (uint8_t)(v | 0x80); v >>= 7; }
    *p++ = (uint8_t)v;
    return p;
}

static const uint8_t *get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v) {
    uint64_t r = 0;
    for (int s = 0; p < end && s < 64; s += 7) {
        uint8_t b = *p++;
        r |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) { *v = r; return p; }
    }
    return NULL;
}

static uint64_t word(const uint8_t *a, const uint8_t *base, uint64_t i) {
    uint64_t x, y = 0;
    memcpy(&x, a + i * 8, 8);
    if (base) memcpy(&y, base + i * 8, 8);
    return x ^ y;
}

/* Codes cur (len a multiple of 8) against base (NULL: zeros) into out (room for encode_bound). Returns its length. */
static uint64_t encode_bound(uint64_t len) { return len + (len / 8 + 1) * 20; }
static uint64_t encode(const uint8_t *cur, const uint8_t *base, uint64_t len, uint8_t *out) {
    uint64_t nw = len / 8, i = 0;
    uint8_t *p = out;
    while (i < nw) {
        uint64_t z = i;
        while (z < nw && word(cur, base, z) == 0) z++;
        if (z == nw) break; /* trailing zeros are implied */
        uint64_t l = z;     /* a literal ends at 2+ zero words (one zero word costs less inside it) */
        while (l < nw && (word(cur, base, l) != 0 || (l + 1 < nw && word(cur, base, l + 1) != 0))) l++;
        p = put_varint(p, z - i);
        p = put_varint(p, l - z);
        for (uint64_t k = z; k < l; k++) { uint64_t w = word(cur, base, k); memcpy(p, &w, 8); p += 8; }
        i = l;
    }
    return (uint64_t)(p - out);
}

/* XORs a coding into buf (len bytes). 0, or -1 if the coding does not fit buf. */
static int apply(uint8_t *buf, uint64_t len, const uint8_t *code, uint64_t code_len) {
    const uint8_t *p = code, *end = code + code_len;
    uint64_t nw = len / 8, i = 0;
    while (p < end) {
        uint64_t z, l;
        if (!(p = get_varint(p, end, &z)) || !(p = get_varint(p, end, &l))) return -1;
        if (z > nw - i || l > nw - i - z || (uint64_t)(end - p) < l * 8) return -1;
        i += z;
        for (uint64_t k = 0; k < l; k++, i++, p += 8) {
            uint64_t a, b;
            memcpy(&a, buf + i * 8, 8);
            memcpy(&b, p, 8);
            a ^= b;
            memcpy(buf + i * 8, &a, 8);
        }
    }
    return 0;
}

/* Decodes entry idx's snapshot into h->snap (grown). Returns its length, or 0 if the chain is broken. */
static uint64_t decode(kiln_history *h, size_t idx) {
    size_t k = idx;
    while (k > 0 && !E(h, k)->key) k--;
    hist_entry *key = E(h, k);
    if (!key->key || !key->data || grow(&h->snap, &h->snap_cap, key->raw_len) != 0) return 0;
    memset(h->snap, 0, key->raw_len);
    for (size_t i = k; i <= idx; i++) {
        hist_entry *e = E(h, i);
        if (!e->data || e->raw_len != key->raw_len || apply(h->snap, e->raw_len, e->data, e->data_len) != 0) return 0;
    }
    return key->raw_len;
}

/* --- input -------------------------------------------------------------------------------------------------------- */
static uint32_t input_encode(const kiln_input *in, uint8_t *out) {
    hist_input hi;
    memset(&hi, 0, sizeof hi);
    hi.mouse_x = in->mouse_x; hi.mouse_y = in->mouse_y;
    hi.buttons = in->buttons; hi.buttons_pressed = in->buttons_pressed; hi.buttons_released = in->buttons_released;
    memcpy(hi.pad_connected, in->pad_connected, sizeof hi.pad_connected);
    memcpy(hi.pad_buttons, in->pad_buttons, sizeof hi.pad_buttons);
    memcpy(hi.pad_pressed, in->pad_pressed, sizeof hi.pad_pressed);
    memcpy(hi.pad_released, in->pad_released, sizeof hi.pad_released);
    memcpy(hi.pad_axes, in->pad_axes, sizeof hi.pad_axes);
    uint16_t *list = (uint16_t *)(void *)(out + sizeof hi);
    int n = 0;
    for (int k = 0; k < KEY_COUNT; k++) if (in->keys[k]) list[n++] = (uint16_t)k;
    hi.nkeys = (uint16_t)n;
    for (int k = 0; k < KEY_COUNT; k++) if (in->pressed[k]) list[n++] = (uint16_t)k;
    hi.npressed = (uint16_t)(n - hi.nkeys);
    for (int k = 0; k < KEY_COUNT; k++) if (in->released[k]) list[n++] = (uint16_t)k;
    hi.nreleased = (uint16_t)(n - hi.nkeys - hi.npressed);
    memcpy(out, &hi, sizeof hi);
    return (uint32_t)(sizeof hi + (size_t)n * 2);
}

/* The frame sees exactly the recorded input; nothing latched live in between leaks into it. */
static void input_apply(kiln_input *in, const uint8_t *bytes) {
    hist_input hi;
    memcpy(&hi, bytes, sizeof hi);
    memset(in, 0, sizeof *in);
    in->mouse_x = hi.mouse_x; in->mouse_y = hi.mouse_y;
    in->buttons = hi.buttons; in->buttons_pressed = hi.buttons_pressed; in->buttons_released = hi.buttons_released;
    memcpy(in->pad_connected, hi.pad_connected, sizeof hi.pad_connected);
    memcpy(in->pad_buttons, hi.pad_buttons, sizeof hi.pad_buttons);
    memcpy(in->pad_pressed, hi.pad_pressed, sizeof hi.pad_pressed);
    memcpy(in->pad_released, hi.pad_released, sizeof hi.pad_released);
    memcpy(in->pad_axes, hi.pad_axes, sizeof hi.pad_axes);
    const uint8_t *p = bytes + sizeof hi;
    for (int i = 0; i < hi.nkeys + hi.npressed + hi.nreleased; i++, p += 2) {
        uint16_t k;
        memcpy(&k, p, 2);
        if (k >= KEY_COUNT) continue;
        if (i < hi.nkeys) in->keys[k] = 1;
        else if (i < hi.nkeys + hi.npressed) in->pressed[k] = 1;
        else in->released[k] = 1;
    }
}

/* --- the ring ----------------------------------------------------------------------------------------------------- */
static uint64_t entry_bytes(const hist_entry *e) { return sizeof *e + e->input_len + e->data_len; }

static void drop_data(kiln_history *h, hist_entry *e) {
    h->bytes -= e->data_len;
    free(e->data);
    e->data = NULL; e->data_len = 0; e->raw_len = 0; e->key = 0;
}

/* Drops entries [from, n) entirely. */
static void truncate_to(kiln_history *h, size_t from) {
    while (h->n > from) {
        hist_entry *e = E(h, h->n - 1);
        h->bytes -= entry_bytes(e);
        free(e->data); free(e->input);
        memset(e, 0, sizeof *e);
        h->n--;
    }
    if (h->nstate > h->n) h->nstate = h->n;
}

/* Drops the snapshots of entries [from, nstate), keeping their input (replay runs them again). */
static void forget_states_from(kiln_history *h, size_t from) {
    while (h->nstate > from) drop_data(h, E(h, --h->nstate));
}

static void drop_front(kiln_history *h, size_t count) {
    for (size_t i = 0; i < count && h->n; i++) {
        hist_entry *e = E(h, 0);
        h->bytes -= entry_bytes(e);
        free(e->data); free(e->input);
        memset(e, 0, sizeof *e);
        h->head = (h->head + 1) % h->cap;
        h->n--;
        if (h->nstate) h->nstate--;
        h->first_frame++;
    }
}

/* Whole groups go from the front until the budget holds; a lone group over it goes entirely. */
static void evict(kiln_history *h) {
    while (h->bytes > h->budget && h->n) {
        size_t g = 1;
        while (g < h->nstate && !E(h, g)->key) g++;
        if (g >= h->nstate) { truncate_to(h, 0); h->last_valid = 0; break; }
        drop_front(h, g);
    }
}

static int ensure_slot(kiln_history *h) {
    if (h->n < h->cap) return 0;
    size_t cap = h->cap ? h->cap * 2 : 1024;
    hist_entry *e = calloc(cap, sizeof *e);
    if (!e) return -1;
    for (size_t i = 0; i < h->n; i++) e[i] = *E(h, i);
    free(h->e);
    h->e = e; h->cap = cap; h->head = 0;
    return 0;
}

static void history_destroy(kiln_history *h) {
    if (!h) return;
    truncate_to(h, 0);
    free(h->e); free(h->last); free(h->snap); free(h->enc);
    free(h);
}

void kiln__history_free(kiln_runtime *rt) {
    history_destroy(rt->history);
    rt->history = NULL;
}

void kiln__history_frame_begin(kiln_runtime *rt) {
    kiln_history *h = rt->history;
    if (h && !h->replaying) h->input_len = input_encode(&rt->in, h->input);
}

static void note_timing(kiln_history *h, double s) {
    h->timings[h->tpos] = s;
    h->tpos = (h->tpos + 1) % TIMINGS;
    if (h->ntimings < TIMINGS) h->ntimings++;
}

void kiln__history_frame_end(kiln_runtime *rt, double dt) {
    kiln_history *h = rt->history;
    if (!h || rt->nslots == 0) return; /* nothing to keep before the first plugin is loaded */
    double t0 = kiln_plat_now();
    uint64_t f = rt->frame_count - 1;
    int64_t need = kiln__snapshot_locked(rt, h->snap, h->snap_cap);
    if (need < 0) {
        if (grow(&h->snap, &h->snap_cap, (uint64_t)-need) != 0) return;
        need = kiln__snapshot_locked(rt, h->snap, h->snap_cap);
        if (need < 0) return;
    }
    uint64_t len = (uint64_t)need;
    hist_entry *e;
    if (h->replaying && h->n && f >= h->first_frame && f - h->first_frame < h->n && f - h->first_frame == h->nstate) {
        e = E(h, (size_t)(f - h->first_frame)); /* the recorded frame run again: its input stays */
    } else {
        if (h->n && (f < h->first_frame || f > h->first_frame + h->n)) { truncate_to(h, 0); h->last_valid = 0; }
        if (h->n == 0) h->first_frame = f;
        truncate_to(h, (size_t)(f - h->first_frame)); /* a frame after a seek: the old future is gone */
        if (ensure_slot(h) != 0) return;
        e = E(h, h->n++);
        memset(e, 0, sizeof *e);
        e->dt = dt;
        e->input = malloc(h->input_len);
        if (e->input) { memcpy(e->input, h->input, h->input_len); e->input_len = h->input_len; }
        h->bytes += entry_bytes(e);
    }
    size_t idx = (size_t)(f - h->first_frame);
    int delta = idx > 0 && idx == h->nstate && h->last_valid && h->last_frame + 1 == f && h->last_len == len &&
                E(h, idx - 1)->data && h->since_key < len && h->since_key < h->budget / 8;
    if (grow(&h->enc, &h->enc_cap, encode_bound(len)) == 0) {
        uint64_t n = encode(h->snap, delta ? h->last : NULL, len, h->enc);
        e->data = malloc(n ? (size_t)n : 1);
        if (e->data) {
            memcpy(e->data, h->enc, (size_t)n);
            e->data_len = (uint32_t)n;
            e->raw_len = (uint32_t)len;
            e->key = !delta;
            h->bytes += n;
            h->since_key = delta ? h->since_key + n : 0;
            h->nstate = idx + 1;
        }
    }
    /* the new snapshot becomes the delta base */
    uint8_t *t = h->last; h->last = h->snap; h->snap = t;
    uint64_t c = h->last_cap; h->last_cap = h->snap_cap; h->snap_cap = c;
    h->last_len = len; h->last_frame = f; h->last_valid = e->data != NULL;
    if (!e->data) forget_states_from(h, idx); /* out of memory: the chain ends before it */
    h->cursor = f;
    evict(h);
    note_timing(h, kiln_plat_now() - t0);
}

/* --- API ---------------------------------------------------------------------------------------------------------- */
static int32_t enter(kiln_runtime *rt, const char *what) {
    if (!rt) return KILN_ERR_INVALID;
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "%s was called from inside a plugin callback.", what); return KILN_ERR_INVALID; }
    pthread_mutex_lock(&rt->lock);
    return KILN_OK;
}

int32_t kiln_history_set_budget(kiln_runtime *rt, uint64_t bytes) {
    int32_t rc = enter(rt, "kiln_history_set_budget");
    if (rc) return rc;
    if (bytes == 0) {
        kiln__history_free(rt);
    } else {
        if (!rt->history) {
            rt->history = calloc(1, sizeof *rt->history);
            if (!rt->history) { pthread_mutex_unlock(&rt->lock); kiln__set_error(rt, "kiln_history_set_budget: out of memory."); return KILN_ERR_INVALID; }
        }
        rt->history->budget = bytes;
        evict(rt->history);
    }
    pthread_mutex_unlock(&rt->lock);
    return KILN_OK;
}

int32_t kiln_history_get(kiln_runtime *rt, kiln_history_info *out) {
    if (!out) return KILN_ERR_INVALID;
    memset(out, 0, sizeof *out);
    int32_t rc = enter(rt, "kiln_history_get");
    if (rc) return rc;
    kiln_history *h = rt->history;
    out->cursor = rt->frame_count ? rt->frame_count - 1 : 0;
    if (h) {
        out->enabled = 1;
        out->budget = h->budget;
        out->bytes = h->bytes;
        if (h->nstate) {
            out->first = h->first_frame;
            out->last = h->first_frame + h->nstate - 1;
            out->frames = (uint32_t)h->nstate;
            out->cursor = h->cursor;
            out->scrubbed = h->cursor != out->last;
        }
        if (h->n) out->input_last = h->first_frame + h->n - 1;
        for (size_t i = 0; i < h->nstate; i++) {
            const hist_entry *e = E(h, i);
            out->keyframes += (uint32_t)e->key;
            out->raw_bytes += e->raw_len;
            out->seconds += e->dt;
        }
        double sum = 0;
        for (uint32_t i = 0; i < h->ntimings; i++) sum += h->timings[i];
        out->record_us = h->ntimings ? sum / h->ntimings * 1e6 : 0;
    }
    pthread_mutex_unlock(&rt->lock);
    return KILN_OK;
}

/* Puts the game back to the end of frame f (rt->lock held). Not drawn. */
static int32_t seek_locked(kiln_runtime *rt, kiln_history *h, uint64_t f) {
    if (!h || !h->nstate || f < h->first_frame || f - h->first_frame >= h->nstate) {
        if (h && h->nstate)
            kiln__set_error(rt, "history: frame %llu is not kept (frames %llu to %llu are); pick one of those.",
                            (unsigned long long)f, (unsigned long long)h->first_frame,
                            (unsigned long long)(h->first_frame + h->nstate - 1));
        else
            kiln__set_error(rt, "history: no frames are kept (%s); run the game a moment first.",
                            h ? "none recorded yet" : "history is off: set a budget with kiln_history_set_budget");
        return KILN_ERR_NOT_FOUND;
    }
    uint64_t len = decode(h, (size_t)(f - h->first_frame));
    if (!len) { kiln__set_error(rt, "history: frame %llu could not be decoded (a damaged entry); it is dropped.", (unsigned long long)f);
        forget_states_from(h, (size_t)(f - h->first_frame)); h->last_valid = 0; return KILN_ERR_STATE; }
    int32_t rc = kiln__restore_locked(rt, h->snap, len);
    if (rc != KILN_OK) return rc;
    kiln_input *in = &rt->in; /* no press from the past fires again in the next live frame */
    memset(in->press_latch, 0, sizeof in->press_latch);
    memset(in->release_latch, 0, sizeof in->release_latch);
    in->button_press_latch = in->button_release_latch = 0;
    memset(in->pad_press_latch, 0, sizeof in->pad_press_latch);
    memset(in->pad_release_latch, 0, sizeof in->pad_release_latch);
    uint8_t *t = h->last; h->last = h->snap; h->snap = t;
    uint64_t c = h->last_cap; h->last_cap = h->snap_cap; h->snap_cap = c;
    h->last_len = len; h->last_frame = f; h->last_valid = 1;
    h->cursor = f;
    return KILN_OK;
}

int32_t kiln_history_seek(kiln_runtime *rt, uint64_t frame) {
    int32_t rc = enter(rt, "kiln_history_seek");
    if (rc) return rc;
    rc = seek_locked(rt, rt->history, frame);
    if (rc == KILN_OK && kiln__redraw_locked(rt)) rc = KILN_ERR_CRASH;
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int32_t kiln_history_redraw(kiln_runtime *rt) {
    int32_t rc = enter(rt, "kiln_history_redraw");
    if (rc) return rc;
    rc = kiln__redraw_locked(rt) ? KILN_ERR_CRASH : KILN_OK;
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

static int32_t replay_locked(kiln_runtime *rt, kiln_history *h, uint64_t to) {
    if (!h || !h->n) { kiln__set_error(rt, "history: nothing recorded to replay%s.", h ? "" : " (history is off)"); return KILN_ERR_NOT_FOUND; }
    uint64_t from = rt->frame_count; /* the next frame to run */
    uint64_t input_last = h->first_frame + h->n - 1;
    if (to > input_last) to = input_last;
    if (from < h->first_frame || from > input_last + 1) {
        kiln__set_error(rt, "history: the game is at frame %llu, outside the recorded frames (%llu to %llu); seek first.",
                        (unsigned long long)from, (unsigned long long)h->first_frame, (unsigned long long)input_last);
        return KILN_ERR_NOT_FOUND;
    }
    if (to < from) return 0;
    forget_states_from(h, (size_t)(from - h->first_frame));
    int32_t ran = 0;
    for (uint64_t f = from; f <= to; f++) {
        if (f < h->first_frame) break; /* evicted meanwhile (a budget smaller than the replay) */
        hist_entry *e = E(h, (size_t)(f - h->first_frame));
        if (e->input) input_apply(&rt->in, e->input);
        h->replaying = 1;
        kiln__frame_locked(rt, e->dt);
        h->replaying = 0;
        ran++;
    }
    return ran;
}

int32_t kiln_history_replay(kiln_runtime *rt, uint64_t to) {
    int32_t rc = enter(rt, "kiln_history_replay");
    if (rc) return rc;
    rc = replay_locked(rt, rt->history, to);
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int32_t kiln_history_step(kiln_runtime *rt, int32_t delta) {
    int32_t rc = enter(rt, "kiln_history_step");
    if (rc) return rc;
    kiln_history *h = rt->history;
    if (!h || !h->nstate) {
        rc = seek_locked(rt, h, 0); /* says why */
    } else {
        uint64_t last = h->first_frame + h->nstate - 1, input_last = h->first_frame + h->n - 1;
        int64_t target = (int64_t)h->cursor + delta;
        if (target < (int64_t)h->first_frame || (uint64_t)target > input_last) {
            kiln__set_error(rt, "history: frame %lld is not kept (frames %llu to %llu are).", (long long)target,
                            (unsigned long long)h->first_frame, (unsigned long long)input_last);
            rc = KILN_ERR_NOT_FOUND;
        } else if ((uint64_t)target <= last) {
            rc = seek_locked(rt, h, (uint64_t)target);
            if (rc == KILN_OK && kiln__redraw_locked(rt)) rc = KILN_ERR_CRASH;
        } else {
            rc = h->cursor == last ? KILN_OK : seek_locked(rt, h, last);
            if (rc == KILN_OK) rc = replay_locked(rt, h, (uint64_t)target) < 0 ? KILN_ERR_NOT_FOUND : KILN_OK;
        }
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}
