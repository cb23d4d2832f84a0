/* commit.c — per-frame commits and pre-swap checkpoints (see commit.h).

   The live state file and arena are written by the plugin in place, so after a process death they may hold half
   a frame. What a restarted runner starts from is instead the commit store of the plugin:

     state/<name>.commit      4 KiB: header + two copies of a small "meta" record; `active` says which is in
                              force and is flipped with one atomic store after the other copy was written
     state/<name>.commit.<i>  slot i (KILN_CHECKPOINTS + 2 of them): one complete frame = slot header, state
                              bytes, field records, the arena's used bytes

   A commit writes a slot that the meta in force does not reference, then the other meta copy (naming that slot
   as committed), then flips `active`. A process killed at any instant leaves `active` naming a meta whose slots
   were completely written before it: the store always holds the last committed frame. All files are MAP_SHARED,
   so a write that happened is in the page cache even if the process dies right after; a machine crash (power
   loss, kernel panic) is out of scope: nothing here calls fsync.

   A checkpoint is a meta entry pinning the committed slot under the incoming version's number: no bytes are
   copied under the frame lock, and later commits go to other slots until the pin is evicted (newest
   KILN_CHECKPOINTS kept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"

#define COMMIT_MAGIC "KILNCMIT"
#define SLOT_MAGIC "KILNSLOT"
#define COMMIT_FORMAT 1u
#define COMMIT_SLOTS (KILN_CHECKPOINTS + 2) /* every pin + the committed frame + the one being written */
#define COMMIT_FILE_SIZE 4096u
#define SLOT_DATA 64u                        /* slot header size; the state bytes start here */
/* Above this many bytes per commit the frame loop commits less often (state and arena always together): one
   commit every bytes/COMMIT_BYTES_PER_FRAME frames, at most COMMIT_MAX_SPACING. By size, not by measured time, so
   the same game commits the same frames on a busy machine. */
#define COMMIT_BYTES_PER_FRAME ((uint64_t)2 << 20)
#define COMMIT_MAX_SPACING 30u

typedef struct ckpt_rec {
    int32_t version;       /* the incoming version this is the "before" of; 0: empty */
    int32_t slot;
    uint64_t seq;          /* the pinned slot's seq */
    uint64_t pinned_at;    /* meta gen when pinned (eviction order) */
} ckpt_rec;

typedef struct commit_meta {
    uint64_t gen;          /* +1 at every update */
    int32_t committed;     /* slot of the last committed frame, -1: none yet */
    uint32_t reserved;
    uint64_t committed_seq;
    ckpt_rec ckpt[KILN_CHECKPOINTS];
    uint32_t check;        /* FNV-1a of the bytes before it */
    uint32_t reserved2;
} commit_meta;

typedef struct commit_header {
    char magic[8];
    uint32_t header_size, format, slots;
    uint32_t active;       /* 0 or 1: meta[active] is in force */
    commit_meta meta[2];
} commit_header;

typedef struct slot_header {
    char magic[8];
    uint32_t header_size, format;
    uint64_t seq;
    int32_t plugin_version;
    uint32_t state_size, state_version, field_count, layout_hash, reserved;
    uint64_t arena_bytes;
    uint64_t total;        /* bytes of this frame from the start of the file */
} slot_header;

_Static_assert(sizeof(commit_header) <= COMMIT_FILE_SIZE, "commit header");
_Static_assert(sizeof(slot_header) <= SLOT_DATA, "slot header");
_Static_assert(sizeof(kiln_field_rec) % 16 == 0, "field records keep 16-byte alignment");

typedef struct kiln_commit {
    kiln_plat_map head;
    kiln_plat_map slot[COMMIT_SLOTS];
    char path[KILN_PATH_MAX];
    int broken;            /* a write failed: commits stop until the next load (warned once) */
    uint64_t last_ns;      /* cost of the last commit */
    uint32_t spacing, since; /* commit every `spacing` frames (1 normally); complete frames not committed yet */
    int32_t version;       /* the version that ran the last complete frame */
} kiln_commit;

static uint64_t pad16(uint64_t n) { return (n + 15) & ~15ull; }

static uint32_t meta_check(const commit_meta *m) {
    const uint8_t *p = (const uint8_t *)m;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < offsetof(commit_meta, check); i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}

static void slot_path(const kiln_commit *c, int i, char out[KILN_PATH_MAX]) { snprintf(out, KILN_PATH_MAX, "%s.%d", c->path, i); }

static const commit_meta *active_meta(const kiln_commit *c) {
    const commit_header *h = c->head.base;
    return &h->meta[__atomic_load_n(&h->active, __ATOMIC_ACQUIRE) & 1];
}

/* The only way the store changes: write the copy not in force, then flip. */
static void publish(kiln_commit *c, commit_meta *m) {
    commit_header *h = c->head.base;
    uint32_t next = (__atomic_load_n(&h->active, __ATOMIC_ACQUIRE) & 1) ^ 1;
    m->gen++;
    m->check = meta_check(m);
    h->meta[next] = *m;
    __atomic_store_n(&h->active, next, __ATOMIC_SEQ_CST);
}

static void fresh_header(commit_header *h) {
    memset(h, 0, sizeof *h);
    memcpy(h->magic, COMMIT_MAGIC, 8);
    h->header_size = sizeof *h;
    h->format = COMMIT_FORMAT;
    h->slots = COMMIT_SLOTS;
    for (int k = 0; k < 2; k++) { h->meta[k].committed = -1; h->meta[k].check = meta_check(&h->meta[k]); }
}

/* Why the mapped header is unusable, or NULL. */
static const char *header_problem(const kiln_plat_map *m) {
    if (m->size < sizeof(commit_header)) return "it is truncated";
    const commit_header *h = m->base;
    if (memcmp(h->magic, COMMIT_MAGIC, 8) != 0 || h->header_size != sizeof *h || h->format != COMMIT_FORMAT ||
        h->slots != COMMIT_SLOTS || h->active > 1)
        return "it is not a Kiln commit file of this format";
    const commit_meta *mt = &h->meta[h->active];
    if (mt->check != meta_check(mt)) return "its checksum does not match";
    if (mt->committed < -1 || mt->committed >= COMMIT_SLOTS) return "it names a slot that does not exist";
    for (int k = 0; k < KILN_CHECKPOINTS; k++)
        if (mt->ckpt[k].version && (mt->ckpt[k].slot < 0 || mt->ckpt[k].slot >= COMMIT_SLOTS))
            return "a checkpoint names a slot that does not exist";
    return NULL;
}

static void close_store(kiln_commit *c) {
    kiln_plat_unmap(&c->head);
    for (int i = 0; i < COMMIT_SLOTS; i++) kiln_plat_unmap(&c->slot[i]);
}

/* Opens (creating if needed) the slot's store. A damaged store is replaced by an empty one; *why says so. One
   that could not be created is said once and then stays closed (NULL, silently) until the next load retries. */
static kiln_commit *store(kiln_runtime *rt, kiln_slot *slot, char *why, size_t why_len) {
    if (why_len) why[0] = '\0';
    if (slot->commit) return slot->commit->head.base ? slot->commit : NULL;
    kiln_commit *c = calloc(1, sizeof *c);
    if (!c) { snprintf(why, why_len, "out of memory"); return NULL; }
    c->spacing = 1;
    snprintf(c->path, sizeof c->path, "%s/%s.commit", rt->state_dir, slot->name);
    char err[KILN_PLAT_ERR];
    if (kiln_plat_exists(c->path)) {
        if (kiln_plat_map_file(c->path, &c->head, err) != 0) {
            snprintf(why, why_len, "the commit file %s could not be mapped (%s), so it was replaced", c->path, err);
        } else {
            const char *bad = header_problem(&c->head);
            if (!bad) { slot->commit = c; return c; }
            snprintf(why, why_len, "the commit file %s was ignored because %s", c->path, bad);
            kiln_plat_unmap(&c->head);
        }
    }
    commit_header h;
    fresh_header(&h);
    static const uint8_t zero[COMMIT_FILE_SIZE];
    if (kiln_plat_write_file_atomic(c->path, &h, sizeof h, zero, COMMIT_FILE_SIZE - sizeof h, err) != 0 ||
        kiln_plat_map_file(c->path, &c->head, err) != 0) {
        size_t n = strlen(why);
        snprintf(why + n, why_len - n, "%scould not create the commit file %s (%s), so frames are not saved; check "
                 "that the folder is writable and the disk is not full, then reload the plugin", n ? "; " : "", c->path, err);
        slot->commit = c; /* closed: remembered so frames do not retry (and warn) every time */
        return NULL;
    }
    slot->commit = c;
    return c;
}

/* Maps slot file i if it exists. 0 or -1. */
static int map_slot(kiln_commit *c, int i) {
    if (c->slot[i].base) return 0;
    char p[KILN_PATH_MAX], err[KILN_PLAT_ERR];
    slot_path(c, i, p);
    if (!kiln_plat_exists(p)) return -1;
    return kiln_plat_map_file(p, &c->slot[i], err) == 0 ? 0 : -1;
}

/* Reads slot i as the frame with sequence `seq`; 1 valid, 0 with why. */
static int read_slot(kiln_commit *c, int i, uint64_t seq, kiln_commit_image *out, char *why, size_t why_len) {
    char p[KILN_PATH_MAX];
    slot_path(c, i, p);
    if (map_slot(c, i) != 0) { snprintf(why, why_len, "%s is missing or unreadable", p); return 0; }
    const kiln_plat_map *m = &c->slot[i];
    slot_header sh;
    if (m->size < SLOT_DATA) { snprintf(why, why_len, "%s is truncated", p); return 0; }
    memcpy(&sh, m->base, sizeof sh);
    if (memcmp(sh.magic, SLOT_MAGIC, 8) != 0 || sh.header_size != SLOT_DATA || sh.format != COMMIT_FORMAT) {
        snprintf(why, why_len, "%s is not a Kiln commit slot", p);
        return 0;
    }
    if (sh.seq != seq) { snprintf(why, why_len, "%s holds frame %llu, not %llu", p, (unsigned long long)sh.seq, (unsigned long long)seq); return 0; }
    if (sh.state_size > KILN_STATE_SIZE_MAX || sh.field_count > KILN_FIELDS_MAX || sh.arena_bytes > KILN_ARENA_SIZE) {
        snprintf(why, why_len, "%s has sizes out of range", p);
        return 0;
    }
    uint64_t fields_at = SLOT_DATA + pad16(sh.state_size);
    uint64_t arena_at = fields_at + (uint64_t)sh.field_count * sizeof(kiln_field_rec);
    uint64_t total = arena_at + sh.arena_bytes;
    if (sh.total != total || total > m->size) { snprintf(why, why_len, "%s is truncated (%llu of %llu bytes)", p, (unsigned long long)m->size, (unsigned long long)total); return 0; }
    const uint8_t *b = m->base;
    const kiln_field_rec *f = sh.field_count ? (const kiln_field_rec *)(const void *)(b + fields_at) : NULL;
    char fw[300];
    if (f && kiln__fields_check(f, sh.field_count, sh.state_size, fw, sizeof fw) != 0) {
        snprintf(why, why_len, "%s has a bad field record: %s", p, fw);
        return 0;
    }
    if (f && kiln__layout_hash(f, sh.field_count) != sh.layout_hash) { snprintf(why, why_len, "%s: its field table does not match its hash", p); return 0; }
    out->state = b + SLOT_DATA;
    out->state_size = sh.state_size;
    out->state_version = sh.state_version;
    out->fields = f;
    out->field_count = sh.field_count;
    out->layout_hash = sh.layout_hash;
    out->arena = sh.arena_bytes ? b + arena_at : NULL;
    out->arena_bytes = sh.arena_bytes;
    out->plugin_version = sh.plugin_version;
    out->seq = sh.seq;
    return 1;
}

int kiln__commit_find(kiln_runtime *rt, kiln_slot *slot, int32_t checkpoint_of, kiln_commit_image *out, char *why,
                      size_t why_len) {
    memset(out, 0, sizeof *out);
    if (slot->commit && !slot->commit->head.base) kiln__commit_close(slot); /* a load retries a store that failed */
    char w[600];
    kiln_commit *c = store(rt, slot, w, sizeof w);
    snprintf(why, why_len, "%s", w);
    if (!c) return 0;
    const commit_meta *m = active_meta(c);
    int i = -1;
    uint64_t seq = 0;
    if (checkpoint_of > 0) {
        for (int k = 0; k < KILN_CHECKPOINTS; k++)
            if (m->ckpt[k].version == checkpoint_of) { i = m->ckpt[k].slot; seq = m->ckpt[k].seq; }
        if (i < 0) {
            if (!why[0]) snprintf(why, why_len, "no checkpoint was pinned before version %d", (int)checkpoint_of);
            return 0;
        }
    } else {
        if (m->committed < 0) return 0;
        i = m->committed; seq = m->committed_seq;
    }
    return read_slot(c, i, seq, out, why, why_len);
}

static int referenced(const commit_meta *m, int i) {
    if (m->committed == i) return 1;
    for (int k = 0; k < KILN_CHECKPOINTS; k++) if (m->ckpt[k].version && m->ckpt[k].slot == i) return 1;
    return 0;
}

/* Writes the slot's block + arena into a free slot and makes it the committed frame. 0 or -1 (err). */
static int write_commit(kiln_slot *slot, kiln_commit *c, int32_t plugin_version, char err[KILN_PLAT_ERR]) {
    commit_meta m = *active_meta(c);
    int target = -1;
    /* the lowest free slot: without pins two slots alternate, so a big arena pays for creating (first-touching)
       two slot files, and one more per pin, instead of six at once */
    for (int k = 0; k < COMMIT_SLOTS && target < 0; k++) if (!referenced(&m, k)) target = k;
    if (target < 0) { snprintf(err, KILN_PLAT_ERR, "no free commit slot"); return -1; }
    uint64_t arena_bytes = slot->arena ? kiln__arena_used(slot->arena) : 0;
    uint32_t fc = slot->fields ? slot->field_count : 0;
    uint64_t fields_at = SLOT_DATA + pad16(slot->state_size);
    uint64_t arena_at = fields_at + (uint64_t)fc * sizeof(kiln_field_rec);
    slot_header sh;
    memset(&sh, 0, sizeof sh);
    memcpy(sh.magic, SLOT_MAGIC, 8);
    sh.header_size = SLOT_DATA;
    sh.format = COMMIT_FORMAT;
    sh.seq = m.gen + 1;
    sh.plugin_version = plugin_version;
    sh.state_size = slot->state_size;
    sh.state_version = slot->state_version;
    sh.field_count = fc;
    sh.layout_hash = fc ? slot->layout_hash : 0;
    sh.arena_bytes = arena_bytes;
    sh.total = arena_at + arena_bytes;

    kiln_plat_map *sm = &c->slot[target];
    map_slot(c, target);
    if (!sm->base || sm->size < sh.total) {
        /* grow with room to spare, disk space allocated (not sparse): later stores into the mapping cannot meet a
           full disk as SIGBUS on the game thread */
        kiln_plat_unmap(sm);
        uint64_t cap = (sh.total + sh.total / 2 + 4095) & ~4095ull;
        char p[KILN_PATH_MAX];
        slot_path(c, target, p);
        if (kiln_plat_file_reserve(p, cap, err) != 0 || kiln_plat_map_file(p, sm, err) != 0) return -1;
    }
    uint8_t *b = sm->base;
    memcpy(b, &sh, sizeof sh);
    memcpy(b + SLOT_DATA, slot->state, slot->state_size);
    if (fc) memcpy(b + fields_at, slot->fields, (size_t)fc * sizeof(kiln_field_rec));
    if (arena_bytes) memcpy(b + arena_at, kiln__arena_base(slot->arena), (size_t)arena_bytes);
    m.committed = target;
    m.committed_seq = sh.seq;
    publish(c, &m);
    return 0;
}

static void commit(kiln_runtime *rt, kiln_slot *slot, int32_t plugin_version, int force) {
    char why[600];
    kiln_commit *c = store(rt, slot, why, sizeof why);
    if (why[0]) kiln__queue_messagef(rt, KILN_LOG_WARN, "%s: %s.", slot->name, why);
    if (!c || c->broken || !slot->state) return;
    c->version = plugin_version;
    if (!force && ++c->since < c->spacing) return;
    c->since = 0;
    double t0 = kiln_plat_now();
    char err[KILN_PLAT_ERR];
    if (write_commit(slot, c, plugin_version, err) != 0) {
        c->broken = 1;
        kiln__queue_messagef(rt, KILN_LOG_ERROR, "%s: the frame could not be committed to %s (%s); a runner restart "
                             "would start from an older frame. Check that the disk is not full, then reload the plugin.",
                             slot->name, c->path, err);
        return;
    }
    c->last_ns = (uint64_t)((kiln_plat_now() - t0) * 1e9);
    uint64_t bytes = slot->state_size + (slot->arena ? kiln__arena_used(slot->arena) : 0);
    uint64_t s = bytes / COMMIT_BYTES_PER_FRAME + 1;
    c->spacing = (uint32_t)(s > COMMIT_MAX_SPACING ? COMMIT_MAX_SPACING : s);
}

void kiln__commit_frame(kiln_runtime *rt, kiln_slot *slot) {
    commit(rt, slot, slot->current ? slot->current->version : 0, 0);
}

void kiln__commit_now(kiln_runtime *rt, kiln_slot *slot, int32_t plugin_version) {
    if (slot->commit) slot->commit->broken = 0; /* a new load (or kiln_restore) tries writing again */
    commit(rt, slot, plugin_version, 1);
}

uint64_t kiln__commit_last_ns(const kiln_slot *slot) { return slot->commit ? slot->commit->last_ns : 0; }

void kiln__checkpoint_pin(kiln_runtime *rt, kiln_slot *slot, int32_t incoming_version) {
    (void)rt;
    kiln_commit *c = slot->commit;
    if (!c || !c->head.base || incoming_version <= 0) return;
    /* Not a commit of the live block here: the incoming version's state_prepare already ran (on_reload, a
       migration), so the live block is no longer the old version's. With spaced commits (big arena) the pin is
       the last committed frame, at most COMMIT_MAX_SPACING frames old. */
    commit_meta m = *active_meta(c);
    if (m.committed < 0) return;
    int k = -1;
    for (int j = 0; j < KILN_CHECKPOINTS && k < 0; j++) if (m.ckpt[j].version == incoming_version) k = j;
    for (int j = 0; j < KILN_CHECKPOINTS && k < 0; j++) if (m.ckpt[j].version == 0) k = j;
    if (k < 0) { /* evict the oldest pin */
        k = 0;
        for (int j = 1; j < KILN_CHECKPOINTS; j++) if (m.ckpt[j].pinned_at < m.ckpt[k].pinned_at) k = j;
    }
    m.ckpt[k].version = incoming_version;
    m.ckpt[k].slot = m.committed;
    m.ckpt[k].seq = m.committed_seq;
    m.ckpt[k].pinned_at = m.gen + 1;
    publish(c, &m);
}

void kiln__commit_close(kiln_slot *slot) {
    if (!slot || !slot->commit) return;
    /* spaced commits (big arena): the complete frames since the last one are saved when the runtime closes */
    kiln_commit *c = slot->commit;
    char err[KILN_PLAT_ERR];
    if (c->head.base && c->since && !c->broken && slot->state) write_commit(slot, c, c->version, err);
    close_store(slot->commit);
    free(slot->commit);
    slot->commit = NULL;
}
