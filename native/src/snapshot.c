/* snapshot.c — kiln_snapshot / kiln_restore: the whole replayable game in one buffer, for loop recording.

   Format (native byte order; a snapshot is for this machine and this session's plugins, not a save file):
     snap_header | kiln_input | per plugin: snap_slot, state bytes, arena bytes (each padded to 8) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"

#define SNAP_MAGIC "KILNSNAP"
#define SNAP_VERSION KILN_SNAP_VERSION

typedef struct snap_header {
    char magic[8];
    uint32_t version, header_size, nslots, input_size;
    double time;
    uint64_t frame_count;
    uint64_t total;
    uint32_t rng, reserved;
} snap_header;

typedef struct snap_slot {
    char name[KILN_NAME_MAX];
    uint32_t state_size, state_version, layout_hash, reserved;
    uint64_t arena_bytes;
} snap_slot;

static uint64_t pad8(uint64_t n) { return (n + 7) & ~7ull; }

static uint64_t snapshot_size(const kiln_runtime *rt) {
    uint64_t n = sizeof(snap_header) + pad8(sizeof(kiln_input));
    for (int i = 0; i < rt->nslots; i++) {
        const kiln_slot *s = rt->slots[i];
        n += sizeof(snap_slot) + pad8(s->state_size) + pad8(kiln__arena_used(s->arena));
    }
    return n;
}

/* The snapshot itself, rt->lock held (kiln_snapshot, and history.c once per frame). */
int64_t kiln__snapshot_locked(kiln_runtime *rt, uint8_t *buf, uint64_t cap) {
    uint64_t need = snapshot_size(rt);
    if (!buf || cap < need) return -(int64_t)need;
    memset(buf, 0, (size_t)need);
    snap_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SNAP_MAGIC, 8);
    h.version = SNAP_VERSION;
    h.header_size = sizeof h;
    h.nslots = (uint32_t)rt->nslots;
    h.input_size = sizeof(kiln_input);
    h.time = rt->time;
    h.frame_count = rt->frame_count;
    h.total = need;
    h.rng = rt->rng;
    uint8_t *p = buf;
    memcpy(p, &h, sizeof h); p += sizeof h;
    memcpy(p, &rt->in, sizeof rt->in); p += pad8(sizeof rt->in);
    for (int i = 0; i < rt->nslots; i++) {
        kiln_slot *s = rt->slots[i];
        snap_slot ss;
        memset(&ss, 0, sizeof ss);
        memcpy(ss.name, s->name, sizeof ss.name);
        ss.state_size = s->state_size;
        ss.state_version = s->state_version;
        ss.layout_hash = s->layout_hash;
        ss.arena_bytes = kiln__arena_used(s->arena);
        memcpy(p, &ss, sizeof ss); p += sizeof ss;
        memcpy(p, s->state, s->state_size); p += pad8(s->state_size);
        if (ss.arena_bytes) { memcpy(p, kiln__arena_base(s->arena), (size_t)ss.arena_bytes); p += pad8(ss.arena_bytes); }
    }
    return (int64_t)need;
}

int32_t kiln_snapshot(kiln_runtime *rt, uint8_t *buf, int32_t cap) {
    if (!rt || cap < 0 || (cap > 0 && !buf)) return KILN_ERR_INVALID;
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "kiln_snapshot was called from inside a plugin callback."); return KILN_ERR_INVALID; }
    pthread_mutex_lock(&rt->lock);
    uint64_t need = snapshot_size(rt);
    if (need > 0x7fffffffull) {
        pthread_mutex_unlock(&rt->lock);
        kiln__set_error(rt, "kiln_snapshot: the game needs %llu bytes, more than a snapshot can hold (2 GiB); free "
                        "memory from alloc() that the game no longer uses.", (unsigned long long)need);
        return KILN_ERR_INVALID;
    }
    int64_t n = kiln__snapshot_locked(rt, buf, (uint64_t)cap);
    pthread_mutex_unlock(&rt->lock);
    return (int32_t)n;
}

static kiln_slot *find(kiln_runtime *rt, const char *name) {
    for (int i = 0; i < rt->nslots; i++) if (strncmp(rt->slots[i]->name, name, KILN_NAME_MAX) == 0) return rt->slots[i];
    return NULL;
}

/* Checks the whole snapshot against the running game; on success fills the per-slot pointers. */
static int32_t check(kiln_runtime *rt, const uint8_t *buf, uint64_t len, const snap_slot **slots, const uint8_t **states) {
    snap_header h;
    if (len < sizeof h) goto damaged;
    memcpy(&h, buf, sizeof h);
    if (memcmp(h.magic, SNAP_MAGIC, 8) != 0 || h.version != SNAP_VERSION || h.header_size != sizeof h ||
        h.input_size != sizeof(kiln_input) || h.total != len || h.nslots > KILN_MAX_PLUGINS)
        goto damaged;
    uint64_t off = sizeof h + pad8(sizeof(kiln_input));
    for (uint32_t i = 0; i < h.nslots; i++) {
        if (off + sizeof(snap_slot) > len) goto damaged;
        const snap_slot *ss = (const snap_slot *)(const void *)(buf + off);
        off += sizeof *ss;
        if (ss->state_size > KILN_STATE_SIZE_MAX || ss->arena_bytes > KILN_ARENA_SIZE ||
            off + pad8(ss->state_size) + pad8(ss->arena_bytes) > len || memchr(ss->name, 0, sizeof ss->name) == NULL)
            goto damaged;
        slots[i] = ss;
        states[i] = buf + off;
        off += pad8(ss->state_size) + pad8(ss->arena_bytes);
        kiln_slot *s = find(rt, ss->name);
        if (!s) {
            kiln__set_error(rt, "kiln_restore: the snapshot has plugin \"%s\", which is not loaded now; take a new "
                            "snapshot (restart the loop recording).", ss->name);
            return KILN_ERR_STATE;
        }
        if (s->state_size != ss->state_size || s->state_version != ss->state_version ||
            (ss->layout_hash && s->layout_hash && ss->layout_hash != s->layout_hash)) {
            kiln__set_error(rt, "kiln_restore: %s's state layout changed since the snapshot (v%u, %u bytes then; v%u, %u "
                            "bytes%s now); the snapshot cannot be replayed. Take a new snapshot (restart the loop "
                            "recording).", ss->name, ss->state_version, ss->state_size, s->state_version, s->state_size,
                            ss->layout_hash != s->layout_hash ? ", other fields" : "");
            return KILN_ERR_STATE;
        }
        if (ss->arena_bytes && !s->arena) goto damaged;
    }
    if (off != len) goto damaged;
    for (int i = 0; i < rt->nslots; i++) {
        int found = 0;
        for (uint32_t k = 0; k < h.nslots && !found; k++) found = strcmp(slots[k]->name, rt->slots[i]->name) == 0;
        if (!found) {
            kiln__set_error(rt, "kiln_restore: plugin \"%s\" was loaded after the snapshot was taken, so the snapshot "
                            "has no state for it; take a new snapshot.", rt->slots[i]->name);
            return KILN_ERR_STATE;
        }
    }
    return KILN_OK;
damaged:
    kiln__set_error(rt, "kiln_restore: the buffer is not a complete snapshot from kiln_snapshot of this Kiln (%llu "
                    "bytes); pass exactly the bytes kiln_snapshot returned.", (unsigned long long)len);
    return KILN_ERR_INVALID;
}

int32_t kiln_restore(kiln_runtime *rt, const uint8_t *buf, int32_t len) {
    if (!rt) return KILN_ERR_INVALID;
    if (!buf || len <= 0) { kiln__set_error(rt, "kiln_restore: no snapshot given (NULL or empty)."); return KILN_ERR_INVALID; }
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "kiln_restore was called from inside a plugin callback."); return KILN_ERR_INVALID; }
    pthread_mutex_lock(&rt->lock);
    int32_t rc = kiln__restore_locked(rt, buf, (uint64_t)len);
    pthread_mutex_unlock(&rt->lock);
    if (rc == KILN_OK) rt->last_error[0] = '\0';
    return rc;
}

/* The restore itself, rt->lock held (kiln_restore, and history.c's seeks). */
int32_t kiln__restore_locked(kiln_runtime *rt, const uint8_t *buf, uint64_t len) {
    const snap_slot *slots[KILN_MAX_PLUGINS];
    const uint8_t *states[KILN_MAX_PLUGINS];
    int32_t rc = check(rt, buf, len, slots, states);
    if (rc != KILN_OK) return rc;
    snap_header h;
    memcpy(&h, buf, sizeof h);
    for (uint32_t i = 0; i < h.nslots; i++) {
        kiln_slot *s = find(rt, slots[i]->name);
        memcpy(s->state, states[i], s->state_size);
        if (slots[i]->arena_bytes) kiln__arena_restore(s->arena, states[i] + pad8(s->state_size), slots[i]->arena_bytes);
        else if (s->arena) kiln__arena_wipe(s->arena);
        /* a snapshot is a complete frame: a runner that dies before the next frame comes back on it */
        kiln__commit_now(rt, s, s->current ? s->current->version : 0);
    }
    memcpy(&rt->in, buf + sizeof h, sizeof rt->in);
    rt->time = h.time;
    rt->frame_count = h.frame_count;
    rt->rng = h.rng;
    return KILN_OK;
}
