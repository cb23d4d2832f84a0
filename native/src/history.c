/* history.c — the last seconds back: a memory-bounded ring of past frames for the timeline (seek, step, replay).

   Each kept frame is an entry: the frame's input (compact: the keys down, this frame's presses and releases, the
   mouse) and dt, plus a kiln_snapshot taken after the frame (every plugin's state and arena, clock, PRNG, frame
   count: snapshot.c's format, so a seek is a kiln_restore). Snapshots are stored XOR'd against the previous
   entry's and run-length coded in 8-byte words (a frame of pong changes a few words of ~3 KiB); a whole frame
   ("keyframe") is stored again when the deltas since the last one add up to its size, so a seek decodes at most
   about two frames' worth of bytes. Eviction drops whole groups (a keyframe and its deltas) from the front.

   Entries are consecutive frames. Those with a snapshot come first; after a seek + replay start, the entries
   past the replay point keep only their input (the recorded future that replay runs again). All of it is
   touched only under rt->lock.

   The bytes live in a byte ring in a shared file mapping, work_dir/state/history.ring (budget-sized, allocated on
   disk up front), so a runner that dies (SIGKILL, exit() in a plugin, OOM) leaves its frames to the next runtime on
   the same work_dir: "what led to the crash?" is asked right after one. Each entry is one chunk (ring_chunk, its
   input, its coded snapshot); a chunk is written first and published by a release store of the ring's tail, so a
   frame half-written at the death is never seen. Freed chunks are flagged dead and the head moves past them.
   A clean kiln_destroy (or budget 0) removes the file: only a death leaves frames behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

typedef struct hist_entry {
    double dt;
    uint8_t *input;              /* compact input (hist_input + key lists), in the ring */
    uint8_t *data;               /* encoded snapshot after the frame, in the ring; NULL: input only */
    uint32_t input_len, data_len, raw_len;
    int key;                     /* 1: coded against zeros, 0: against the previous entry's snapshot */
    uint64_t off;                /* its chunk's offset in the ring */
} hist_entry;

/* --- the ring file: header, then `capacity` bytes of chunks ---------------------------------------------------- */
#define RING_MAGIC "KILNHIST"
#define RING_VERSION 1u
#define RING_HEADER 4096u
#define CHUNK_MAGIC 0x4b48434bu      /* a frame's chunk */
#define CHUNK_PAD 0x4b484150u        /* the rest of the ring is unused: the next chunk is at 0 */
#define CHUNK_KEY 1u
#define CHUNK_DROPPED 2u             /* its snapshot was forgotten (a replay runs it again): input only */
#define CHUNK_DEAD 4u                /* freed: the head moves past it */

typedef struct ring_header {
    char magic[8];
    uint32_t version, header_size;
    uint32_t format;                 /* ring_format(): the layouts of chunks, inputs and snapshots */
    uint32_t reserved;
    uint64_t budget, capacity;
    uint64_t head, tail;             /* chunks live in [head, tail), following each other, wrapping at a pad */
} ring_header;

typedef struct ring_chunk {
    uint32_t magic, flags;
    uint64_t frame;
    double dt;
    uint32_t input_len, data_len, raw_len, reserved;
} ring_chunk;

_Static_assert(sizeof(ring_header) <= RING_HEADER, "ring header");
_Static_assert(sizeof(ring_chunk) % 8 == 0, "chunks keep 8-byte alignment");

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
    kiln_plat_map map;           /* the ring file's mapping; base NULL: anon (no file could be made) */
    void *anon; size_t anon_size;
    ring_header *hdr;
    uint8_t *ring; uint64_t rcap, rhead, rtail; /* rhead/rtail: this process's copies of hdr->head/tail */
    char path[KILN_PATH_MAX];
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
    uint32_t recovered; uint64_t recovered_last; /* what ring_open took in from a dead runtime */
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

/* --- the byte ring (in the mapped file) --------------------------------------------------------------------------- */
static uint64_t pad8(uint64_t n) { return (n + 7) & ~7ull; }
static uint64_t chunk_size(uint64_t input_len, uint64_t data_len) { return sizeof(ring_chunk) + pad8(input_len) + pad8(data_len); }
static ring_chunk *C(kiln_history *h, uint64_t off) { return (ring_chunk *)(void *)(h->ring + off); }
/* Where a chunk at off would be: 0 past the end of the ring or at a pad. */
static uint64_t at(kiln_history *h, uint64_t off) {
    return h->rcap - off < sizeof(ring_chunk) || C(h, off)->magic == CHUNK_PAD ? 0 : off;
}
static void publish(kiln_history *h) {
    __atomic_store_n(&h->hdr->tail, h->rtail, __ATOMIC_RELEASE); /* after the chunk's bytes */
    __atomic_store_n(&h->hdr->head, h->rhead, __ATOMIC_RELEASE);
}
static void write_pad(kiln_history *h, uint64_t off) {
    if (h->rcap - off >= sizeof(ring_chunk)) { memset(C(h, off), 0, sizeof(ring_chunk)); C(h, off)->magic = CHUNK_PAD; }
}

/* The head moves past dead chunks; an empty ring starts again at 0 (a pad first, so no moment shows stale chunks). */
static void reclaim(kiln_history *h) {
    while (h->rhead != h->rtail) {
        uint64_t p = at(h, h->rhead);
        if (p != h->rhead) { h->rhead = p; continue; }
        if (!(C(h, p)->flags & CHUNK_DEAD)) break;
        h->rhead = p + chunk_size(C(h, p)->input_len, C(h, p)->data_len);
    }
    if (h->rhead == h->rtail && h->rtail != 0) {
        write_pad(h, h->rtail);
        h->rtail = 0;
        __atomic_store_n(&h->hdr->tail, 0, __ATOMIC_RELEASE);
        h->rhead = 0;
    }
    __atomic_store_n(&h->hdr->head, h->rhead, __ATOMIC_RELEASE);
}

/* Room for `size` bytes at the tail without evicting: its offset (the tail moved, not yet published), or -1. The
   tail never reaches the head from behind: head == tail means empty. */
static int64_t take(kiln_history *h, uint64_t size) {
    uint64_t t = h->rtail, hd = h->rhead;
    if (t >= hd) {
        if (h->rcap - t >= size) {
            uint64_t nt = t + size;
            if (h->rcap - nt < sizeof(ring_chunk)) nt = 0;
            if (nt != hd) { h->rtail = nt; return (int64_t)t; }
        }
        if (hd > size) { write_pad(h, t); h->rtail = size; return 0; }
        return -1;
    }
    if (hd - t > size) { h->rtail = t + size; return (int64_t)t; }
    return -1;
}

static void chunk_flag(kiln_history *h, const hist_entry *e, uint32_t flag) {
    if (e->input) __atomic_fetch_or(&C(h, e->off)->flags, flag, __ATOMIC_RELEASE);
}

/* --- the entries -------------------------------------------------------------------------------------------------- */
/* What an entry's frame takes (as before the ring: its chunk's 40-byte header is not counted, as malloc's was not;
   the ring itself is never larger than the budget). */
static uint64_t entry_bytes(const hist_entry *e) { return sizeof *e + e->input_len + e->data_len; }

static void drop_data(kiln_history *h, hist_entry *e) {
    h->bytes -= e->data_len;
    chunk_flag(h, e, CHUNK_DROPPED);
    e->data = NULL; e->data_len = 0; e->raw_len = 0; e->key = 0;
}

static void drop_entry(kiln_history *h, hist_entry *e) {
    h->bytes -= entry_bytes(e);
    chunk_flag(h, e, CHUNK_DEAD);
    memset(e, 0, sizeof *e);
}

/* Drops entries [from, n) entirely. */
static void truncate_to(kiln_history *h, size_t from) {
    while (h->n > from) { drop_entry(h, E(h, h->n - 1)); h->n--; }
    if (h->nstate > h->n) h->nstate = h->n;
}

/* Drops the snapshots of entries [from, nstate), keeping their input (replay runs them again). */
static void forget_states_from(kiln_history *h, size_t from) {
    while (h->nstate > from) drop_data(h, E(h, --h->nstate));
}

static void drop_front(kiln_history *h, size_t count) {
    for (size_t i = 0; i < count && h->n; i++) {
        drop_entry(h, E(h, 0));
        h->head = (h->head + 1) % h->cap;
        h->n--;
        if (h->nstate) h->nstate--;
        h->first_frame++;
    }
}

/* The front group (a keyframe and its deltas) goes; without a later keyframe, everything does. */
static void evict_group(kiln_history *h) {
    size_t g = 1;
    while (g < h->nstate && !E(h, g)->key) g++;
    if (g >= h->nstate) { truncate_to(h, 0); h->last_valid = 0; }
    else drop_front(h, g);
}

/* Whole groups go from the front until the budget holds; a lone group over it goes entirely. */
static void evict(kiln_history *h) {
    while (h->bytes > h->budget && h->n) evict_group(h);
    if (h->ring) reclaim(h);
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

/* The entry for chunk off (flags, input and data as the chunk has them). */
static void entry_from_chunk(kiln_history *h, hist_entry *e, uint64_t off) {
    ring_chunk *c = C(h, off);
    memset(e, 0, sizeof *e);
    e->off = off;
    e->dt = c->dt;
    e->input = h->ring + off + sizeof *c;
    e->input_len = c->input_len;
    if (c->data_len && !(c->flags & CHUNK_DROPPED)) {
        e->data = e->input + pad8(c->input_len);
        e->data_len = c->data_len;
        e->raw_len = c->raw_len;
        e->key = (c->flags & CHUNK_KEY) != 0;
    }
}

/* A format number for the ring's records: a libkiln whose chunks, inputs or snapshots differ does not read them. */
static uint32_t ring_format(void) {
    uint32_t parts[] = {RING_VERSION, KILN_SNAP_VERSION, (uint32_t)sizeof(ring_chunk), (uint32_t)sizeof(hist_input),
                        (uint32_t)sizeof(kiln_input), KEY_COUNT, KILN_PAD_COUNT, PAD_AXIS_COUNT};
    uint32_t x = 2166136261u;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) { x ^= parts[i]; x *= 16777619u; }
    return x;
}

/* Rebuilds the entries from the chunks between head and tail (a runner that died left them). 0, or -1 with why. */
static int ring_recover(kiln_history *h, char *why, size_t why_len) {
    uint64_t head = __atomic_load_n(&h->hdr->head, __ATOMIC_ACQUIRE), tail = __atomic_load_n(&h->hdr->tail, __ATOMIC_ACQUIRE);
    if (head > h->rcap || tail > h->rcap || head % 8 || tail % 8) { snprintf(why, why_len, "its head or tail is out of range"); return -1; }
    h->rhead = head; h->rtail = tail;
    uint64_t *offs = NULL, lo = UINT64_MAX, hi = 0;
    size_t n = 0, ncap = 0;
    uint64_t p = head, steps = 0, limit = h->rcap / sizeof(ring_chunk) + 2;
    int rc = 0;
    while (p != tail) {
        if (++steps > limit) { snprintf(why, why_len, "its chunks do not lead to the tail"); rc = -1; break; }
        uint64_t q = at(h, p);
        if (q != p) { if (p < tail) { snprintf(why, why_len, "a pad lies before the tail"); rc = -1; break; } p = q; continue; }
        ring_chunk *c = C(h, p);
        uint64_t size = chunk_size(c->input_len, c->data_len);
        if (c->magic != CHUNK_MAGIC || c->input_len < sizeof(hist_input) || size > h->rcap - p ||
            (p < tail && size > tail - p) || (c->data_len && (c->raw_len == 0 || c->raw_len % 8))) {
            snprintf(why, why_len, "a damaged chunk at byte %llu", (unsigned long long)p); rc = -1; break;
        }
        if (!(c->flags & CHUNK_DEAD)) {
            if (n == ncap) {
                uint64_t *o = realloc(offs, (ncap = ncap ? ncap * 2 : 1024) * sizeof *o);
                if (!o) { snprintf(why, why_len, "out of memory"); rc = -1; break; }
                offs = o;
            }
            offs[n++] = p;
            if (c->frame < lo) lo = c->frame;
            if (c->frame > hi) hi = c->frame;
        }
        p += size;
    }
    if (rc == 0 && n) {
        /* frames lo..hi, one chunk each; a newer chunk of the same frame (a replay's) wins over the older */
        uint64_t span = hi - lo + 1;
        uint64_t *by = span <= n ? calloc((size_t)span, sizeof *by) : NULL;
        if (!by) { snprintf(why, why_len, span > n ? "its frames are not consecutive" : "out of memory"); rc = -1; }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            uint64_t f = C(h, offs[i])->frame - lo;
            if (by[f]) C(h, by[f] - 1)->flags |= CHUNK_DEAD;
            by[f] = offs[i] + 1;
        }
        h->cap = 0;
        for (uint64_t f = 0; rc == 0 && f < span; f++) {
            if (!by[f]) { snprintf(why, why_len, "frame %llu is missing", (unsigned long long)(lo + f)); rc = -1; break; }
            if (ensure_slot(h) != 0) { snprintf(why, why_len, "out of memory"); rc = -1; break; }
            hist_entry *e = E(h, h->n++);
            entry_from_chunk(h, e, by[f] - 1);
            h->bytes += entry_bytes(e);
        }
        free(by);
        if (rc == 0) {
            h->first_frame = lo;
            while (h->nstate < h->n && E(h, h->nstate)->data) h->nstate++;
            for (size_t i = h->nstate; i < h->n; i++) if (E(h, i)->data) drop_data(h, E(h, i));
            size_t k = 0; /* a chain starts at a keyframe */
            while (k < h->nstate && !E(h, k)->key) k++;
            if (k == h->nstate) truncate_to(h, 0);
            else drop_front(h, k);
            if (h->nstate && !decode(h, h->nstate - 1)) { snprintf(why, why_len, "its newest frame does not decode"); rc = -1; }
        }
    }
    free(offs);
    if (rc != 0) { truncate_to(h, 0); return -1; }
    for (size_t i = h->nstate; i-- > 0 && !E(h, i)->key;) h->since_key += E(h, i)->data_len;
    h->cursor = h->nstate ? h->first_frame + h->nstate - 1 : 0;
    reclaim(h);
    return 0;
}

/* Maps (or makes) the ring file for `budget` and takes in the frames a dead runner left in it; a file of another
   budget or format, or a damaged one, is replaced and the log says why. Without a file the ring is plain memory. */
static void ring_open(kiln_runtime *rt, kiln_history *h, uint64_t budget) {
    uint64_t cap = budget & ~7ull;
    size_t size = (size_t)(RING_HEADER + cap);
    char err[KILN_PLAT_ERR] = "", why[600] = "";
    snprintf(h->path, sizeof h->path, "%s/history.ring", rt->state_dir);
    int found = kiln_plat_exists(h->path);
    if (found && kiln_plat_map_file(h->path, &h->map, err) == 0) {
        ring_header hd;
        memcpy(&hd, h->map.base, h->map.size >= sizeof hd ? sizeof hd : 0);
        if (h->map.size < RING_HEADER || memcmp(hd.magic, RING_MAGIC, 8) != 0 || hd.header_size != RING_HEADER)
            snprintf(why, sizeof why, "its header is damaged");
        else if (hd.version != RING_VERSION || hd.format != ring_format())
            snprintf(why, sizeof why, "another libkiln wrote it (format %u.%08x, this one reads %u.%08x)", hd.version, hd.format, RING_VERSION, ring_format());
        else if (hd.budget != budget || hd.capacity != cap || h->map.size != size)
            snprintf(why, sizeof why, "it was recorded with a %llu-byte budget, this one is %llu", (unsigned long long)hd.budget, (unsigned long long)budget);
        if (!why[0]) {
            h->hdr = h->map.base; h->ring = (uint8_t *)h->map.base + RING_HEADER; h->rcap = cap;
            char rwhy[300] = "";
            if (ring_recover(h, rwhy, sizeof rwhy) == 0) {
                if (h->nstate) {
                    h->recovered = (uint32_t)h->nstate;
                    h->recovered_last = h->first_frame + h->nstate - 1;
                    kiln__queue_messagef(rt, KILN_LOG_INFO, "history: %zu frames (%llu to %llu) recorded before the game runner stopped are kept on the timeline.",
                                         h->nstate, (unsigned long long)h->first_frame, (unsigned long long)(h->first_frame + h->nstate - 1));
                    /* frames go on from there, so the next one is appended rather than starting the history anew */
                    if (rt->frame_count < h->first_frame + h->nstate) rt->frame_count = h->first_frame + h->nstate;
                }
                return;
            }
            snprintf(why, sizeof why, "%s", rwhy);
            h->hdr = NULL; h->ring = NULL;
        }
        kiln_plat_unmap(&h->map);
    } else if (found) {
        snprintf(why, sizeof why, "it could not be mapped (%s)", err);
    }
    if (found) {
        kiln__queue_messagef(rt, KILN_LOG_WARN, "history: the frames of the previous game runner in %s are not used (%s); the timeline starts empty.", h->path, why);
        kiln_plat_remove(h->path);
    }
    memset(&h->map, 0, sizeof h->map);
    if (kiln_plat_file_reserve(h->path, size, err) != 0 || kiln_plat_map_file(h->path, &h->map, err) != 0) {
        kiln__queue_messagef(rt, KILN_LOG_WARN, "history: %s could not be made (%s); the timeline is kept in memory only and is lost if the game runner dies. Free some disk space or check the folder's permissions.", h->path, err);
        memset(&h->map, 0, sizeof h->map);
        kiln_plat_remove(h->path);
        h->path[0] = '\0';
        h->anon = kiln_plat_pages_alloc(size);
        if (!h->anon) return;
        h->anon_size = size;
    }
    h->hdr = h->map.base ? h->map.base : h->anon;
    h->ring = (uint8_t *)h->hdr + RING_HEADER;
    h->rcap = cap;
    h->rhead = h->rtail = 0;
    ring_header hd;
    memset(&hd, 0, sizeof hd);
    memcpy(hd.magic, RING_MAGIC, 8);
    hd.version = RING_VERSION; hd.header_size = RING_HEADER; hd.format = ring_format();
    hd.budget = budget; hd.capacity = cap;
    memcpy(h->hdr, &hd, sizeof hd);
}

static uint64_t chunks_total(kiln_history *h) {
    uint64_t total = 0;
    for (size_t i = 0; i < h->n; i++) total += chunk_size(E(h, i)->input_len, E(h, i)->data_len);
    return total;
}

/* A new budget: a new ring of that size holding the newest kept frames (the oldest groups go if their chunks do not
   fit), so the memory the ring maps follows the budget. */
static void ring_resize(kiln_runtime *rt, kiln_history *h, uint64_t budget) {
    uint64_t cap = budget & ~7ull, total;
    while ((total = chunks_total(h)) + 64 > cap && h->n) evict_group(h);
    uint8_t *tmp = total ? malloc((size_t)total) : NULL;
    if (total && !tmp) { truncate_to(h, 0); h->last_valid = 0; total = 0; }
    uint64_t p = 0;
    for (size_t i = 0; i < h->n; i++) { /* each chunk as it is, a forgotten snapshot left out */
        hist_entry *e = E(h, i);
        ring_chunk c = *C(h, e->off);
        c.data_len = e->data_len;
        c.flags = (e->key ? CHUNK_KEY : 0) | (e->data ? 0 : CHUNK_DROPPED);
        memcpy(tmp + p, &c, sizeof c);
        memcpy(tmp + p + sizeof c, e->input, e->input_len);
        if (e->data) memcpy(tmp + p + sizeof c + pad8(e->input_len), e->data, e->data_len);
        p += chunk_size(e->input_len, e->data_len);
    }
    if (h->map.base) { kiln_plat_unmap(&h->map); kiln_plat_remove(h->path); }
    if (h->anon) { kiln_plat_pages_free(h->anon, h->anon_size); h->anon = NULL; }
    h->hdr = NULL; h->ring = NULL;
    ring_open(rt, h, budget);
    p = 0;
    for (size_t i = 0; i < h->n; i++) {
        hist_entry *e = E(h, i);
        uint64_t size = chunk_size(e->input_len, e->data_len);
        int64_t off = h->ring ? take(h, size) : -1;
        if (off < 0) { truncate_to(h, 0); h->last_valid = 0; break; } /* no ring could be made */
        memcpy(h->ring + off, tmp + p, (size_t)size);
        entry_from_chunk(h, e, (uint64_t)off);
        p += size;
    }
    if (h->ring) publish(h);
    free(tmp);
}

static void history_destroy(kiln_history *h) {
    if (!h) return;
    free(h->e); free(h->last); free(h->snap); free(h->enc);
    if (h->map.base) kiln_plat_unmap(&h->map);
    if (h->path[0]) kiln_plat_remove(h->path); /* a clean end keeps nothing: only a dead runner's frames are taken in */
    if (h->anon) kiln_plat_pages_free(h->anon, h->anon_size);
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
    if (!h || !h->ring || rt->nslots == 0) return; /* nothing to keep before the first plugin is loaded */
    double t0 = kiln_plat_now();
    uint64_t f = rt->frame_count - 1;
    int64_t need = kiln__snapshot_locked(rt, h->snap, h->snap_cap);
    if (need < 0) {
        if (grow(&h->snap, &h->snap_cap, (uint64_t)-need) != 0) return;
        need = kiln__snapshot_locked(rt, h->snap, h->snap_cap);
        if (need < 0) return;
    }
    uint64_t len = (uint64_t)need;
    int fill = h->replaying && h->n && f >= h->first_frame && f - h->first_frame < h->n && f - h->first_frame == h->nstate;
    if (fill) { /* the recorded frame run again: its input and dt stay */
        hist_entry *old = E(h, (size_t)(f - h->first_frame));
        memcpy(h->input, old->input, old->input_len);
        h->input_len = old->input_len;
        dt = old->dt;
    } else {
        if (h->n && (f < h->first_frame || f > h->first_frame + h->n)) { truncate_to(h, 0); h->last_valid = 0; }
        if (h->n == 0) h->first_frame = f;
        truncate_to(h, (size_t)(f - h->first_frame)); /* a frame after a seek: the old future is gone */
    }
    int64_t off = -1;
    uint64_t n = 0;
    int delta = 0;
    if (grow(&h->enc, &h->enc_cap, encode_bound(len)) == 0 && ensure_slot(h) == 0) {
        for (;;) {
            size_t idx = (size_t)(f - h->first_frame);
            delta = idx > 0 && idx == h->nstate && h->last_valid && h->last_frame + 1 == f && h->last_len == len &&
                    E(h, idx - 1)->data && h->since_key < len && h->since_key < h->budget / 8;
            n = encode(h->snap, delta ? h->last : NULL, len, h->enc);
            uint64_t size = chunk_size(h->input_len, n);
            if (size + 64 > h->rcap) break; /* one frame over the whole budget */
            reclaim(h);
            if ((off = take(h, size)) >= 0) break;
            evict_group(h); /* the ring is full: the oldest group makes room */
            if (h->n == 0) { fill = 0; h->first_frame = f; }
        }
    }
    hist_entry *e = NULL;
    if (off >= 0) {
        ring_chunk *c = C(h, (uint64_t)off);
        memset(c, 0, sizeof *c);
        c->magic = CHUNK_MAGIC;
        c->flags = delta ? 0 : CHUNK_KEY;
        c->frame = f;
        c->dt = dt;
        c->input_len = h->input_len; c->data_len = (uint32_t)n; c->raw_len = (uint32_t)len;
        memcpy((uint8_t *)(c + 1), h->input, h->input_len);
        memcpy((uint8_t *)(c + 1) + pad8(h->input_len), h->enc, (size_t)n);
        publish(h); /* the frame is seen from here on, complete */
        if (fill) drop_entry(h, E(h, (size_t)(f - h->first_frame)));
        else h->n++;
        e = E(h, (size_t)(f - h->first_frame));
        entry_from_chunk(h, e, (uint64_t)off);
        h->bytes += entry_bytes(e);
        h->since_key = delta ? h->since_key + n : 0;
        h->nstate = (size_t)(f - h->first_frame) + 1;
    } else if (!fill) {
        truncate_to(h, 0); /* not kept: the frames before it stay consecutive only if none is kept */
    } else {
        forget_states_from(h, (size_t)(f - h->first_frame)); /* the chain ends before it */
    }
    /* the new snapshot becomes the delta base */
    uint8_t *t = h->last; h->last = h->snap; h->snap = t;
    uint64_t cc = h->last_cap; h->last_cap = h->snap_cap; h->snap_cap = cc;
    h->last_len = len; h->last_frame = f; h->last_valid = e != NULL;
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
            rt->history->budget = bytes;
            ring_open(rt, rt->history, bytes);
        }
        rt->history->budget = bytes;
        evict(rt->history);
        if (rt->history->ring && rt->history->rcap != (bytes & ~7ull)) ring_resize(rt, rt->history, bytes);
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
        out->recovered = h->recovered;
        out->recovered_last = h->recovered_last;
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
