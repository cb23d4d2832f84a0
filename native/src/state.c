/* state.c — host-owned state blocks: the mmap'd state file of each plugin, and what happens to it when a new
   version arrives: kept, restored, migrated by field table, migrated by migrate(), or reset (never silently
   reused with another layout). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "world.h"

#define KILN_STATE_MAGIC "KILNSTAT"

/* --- field tables ------------------------------------------------------------------------------------------- */
uint32_t kiln__field_type_size(uint32_t t) {
    switch (t) {
    case KILN_I32: case KILN_U32: case KILN_F32: return 4;
    case KILN_F64: case KILN_I64: return 8;
    case KILN_U8: case KILN_BOOL: return 1;
    default: return 0;
    }
}
static const char *type_name(uint32_t t) {
    static const char *const names[] = {"?", "i32", "u32", "f32", "f64", "i64", "u8", "bool"};
    return t <= KILN_BOOL ? names[t] : "?";
}

uint32_t kiln__layout_hash(const kiln_field_rec *f, uint32_t n) {
    if (!f || !n) return 0;
    uint32_t h = 2166136261u; /* FNV-1a over names, types, offsets, counts */
    for (uint32_t i = 0; i < n; i++) {
        for (int c = 0; c < KILN_FIELD_NAME && f[i].name[c]; c++) { h ^= (uint8_t)f[i].name[c]; h *= 16777619u; }
        uint32_t v[3] = {f[i].type, f[i].offset, f[i].count};
        for (int k = 0; k < 3; k++) for (int b = 0; b < 4; b++) { h ^= (v[k] >> (8 * b)) & 0xFF; h *= 16777619u; }
    }
    return h ? h : 1;
}

static void drop_fields(kiln_callbacks *cb) {
    kiln_plat_defer_begin();
    free(cb->fields);
    cb->fields = NULL;
    kiln_plat_defer_end();
}

/* Runs inside a guarded call (a wild pointer in the plugin's table faults into the guard): every read of plugin
   memory is bounded, and cb->fields is set before the first such read so the caller frees it after a fault.
   calloc/free sit in deferred sections: a watchdog stop never leaves malloc's lock taken. */
int kiln__copy_fields(kiln_runtime *rt, const char *name, const kiln_plugin *desc, kiln_callbacks *cb) {
    cb->fields = NULL; cb->field_count = 0; cb->layout_hash = 0;
    const kiln_field *table = desc->fields;
    uint32_t count = desc->field_count, state_size = desc->state_size;
    if (!table || count == 0) return 0;
    if (count > KILN_FIELDS_MAX) {
        kiln__set_error(rt, "%s: the field table has %u entries; at most %d are supported.", name, count, KILN_FIELDS_MAX);
        return -1;
    }
    kiln_plat_defer_begin();
    kiln_field_rec *recs = calloc(count, sizeof *recs);
    cb->fields = recs;
    kiln_plat_defer_end();
    if (!recs) { kiln__set_error(rt, "%s: out of memory.", name); return -1; }
    for (uint32_t i = 0; i < count; i++) {
        kiln_field f = table[i];
        uint32_t sz = kiln__field_type_size(f.type);
        size_t nl = f.name ? strnlen(f.name, KILN_FIELD_NAME) : 0;
        if (nl == 0 || nl >= KILN_FIELD_NAME || sz == 0 || f.count == 0 ||
            (uint64_t)f.offset + (uint64_t)sz * f.count > state_size) {
            kiln__set_error(rt, "%s: state field #%u (\"%.*s\"%s, type %u, offset %u, count %u) is invalid: names are 1-%d "
                            "chars, types are KILN_I32..KILN_BOOL, and offset + size * count must fit in the %u-byte state. "
                            "Use KILN_FIELD(State, member, type, count).", name, i, (int)(nl < 40 ? nl : 40),
                            f.name ? f.name : "", !f.name ? "(null)" : nl >= 40 ? "..." : "", f.type, f.offset, f.count,
                            KILN_FIELD_NAME - 1, state_size);
            drop_fields(cb);
            return -1;
        }
        memcpy(recs[i].name, f.name, nl);
        recs[i].type = f.type; recs[i].offset = f.offset; recs[i].count = f.count;
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(recs[j].name, recs[i].name) == 0) {
                kiln__set_error(rt, "field \"%s\" appears twice in the field table of %s (entries #%u and #%u); each "
                                "KILN_FIELD must name a different member.", recs[i].name, name, j, i);
                drop_fields(cb);
                return -1;
            }
        }
    }
    cb->field_count = count;
    cb->layout_hash = kiln__layout_hash(recs, count);
    return 0;
}

int kiln__fields_check(const kiln_field_rec *f, uint32_t n, uint32_t state_size, char *why, size_t why_len) {
    if (n > KILN_FIELDS_MAX) { snprintf(why, why_len, "%u field records, more than %d", n, KILN_FIELDS_MAX); return -1; }
    for (uint32_t i = 0; i < n; i++) {
        size_t nl = strnlen(f[i].name, KILN_FIELD_NAME);
        uint32_t sz = kiln__field_type_size(f[i].type);
        if (nl == 0 || nl >= KILN_FIELD_NAME) { snprintf(why, why_len, "record #%u has no terminated name of 1-%d chars", i, KILN_FIELD_NAME - 1); return -1; }
        if (sz == 0) { snprintf(why, why_len, "record #%u (\"%s\") has unknown type %u", i, f[i].name, f[i].type); return -1; }
        if (f[i].count == 0 || f[i].count > KILN_STATE_SIZE_MAX || (uint64_t)f[i].offset + (uint64_t)sz * f[i].count > state_size) {
            snprintf(why, why_len, "record #%u (\"%s\": offset %u, %u x %u bytes) does not fit in the %u-byte state", i,
                     f[i].name, f[i].offset, f[i].count, sz, state_size);
            return -1;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(f[j].name, f[i].name) == 0) { snprintf(why, why_len, "field \"%s\" appears twice", f[i].name); return -1; }
    }
    return 0;
}

static int same_layout(uint32_t size_a, uint32_t ver_a, uint32_t hash_a, const kiln_callbacks *cb) {
    return size_a == cb->state_size && ver_a == cb->state_version &&
           (hash_a == 0 || cb->layout_hash == 0 || hash_a == cb->layout_hash);
}

typedef struct num { int is_float; double d; int64_t i; } num;
static num read_elem(const uint8_t *p, uint32_t t) {
    num v = {0, 0, 0};
    switch (t) {
    case KILN_I32: { int32_t x; memcpy(&x, p, 4); v.i = x; break; }
    case KILN_U32: { uint32_t x; memcpy(&x, p, 4); v.i = x; break; }
    case KILN_I64: { int64_t x; memcpy(&x, p, 8); v.i = x; break; }
    case KILN_U8: v.i = *p; break;
    case KILN_BOOL: v.i = *p != 0; break;
    case KILN_F32: { float x; memcpy(&x, p, 4); v.is_float = 1; v.d = x; break; }
    case KILN_F64: { double x; memcpy(&x, p, 8); v.is_float = 1; v.d = x; break; }
    }
    return v;
}
static int64_t clamp_i(num v, double lo, double hi) {
    if (v.is_float) {
        if (isnan(v.d)) return 0;
        double d = v.d < lo ? lo : v.d > hi ? hi : v.d;
        return (int64_t)d;
    }
    return (double)v.i < lo ? (int64_t)lo : (double)v.i > hi ? (int64_t)hi : v.i;
}
static void write_elem(uint8_t *p, uint32_t t, num v) {
    switch (t) {
    case KILN_I32: { int32_t x = (int32_t)clamp_i(v, -2147483648.0, 2147483647.0); memcpy(p, &x, 4); break; }
    case KILN_U32: { uint32_t x = (uint32_t)clamp_i(v, 0, 4294967295.0); memcpy(p, &x, 4); break; }
    case KILN_I64: { int64_t x = v.is_float ? clamp_i(v, -9.2e18, 9.2e18) : v.i; memcpy(p, &x, 8); break; }
    case KILN_U8: *p = (uint8_t)clamp_i(v, 0, 255); break;
    case KILN_BOOL: *p = v.is_float ? v.d != 0 : v.i != 0; break;
    case KILN_F32: { float x = v.is_float ? (float)v.d : (float)v.i; memcpy(p, &x, 4); break; }
    case KILN_F64: { double x = v.is_float ? v.d : (double)v.i; memcpy(p, &x, 8); break; }
    }
}

void kiln__convert_elems(uint8_t *dst, uint32_t dt, const uint8_t *src, uint32_t st, uint32_t n) {
    uint32_t ds = kiln__field_type_size(dt), ss = kiln__field_type_size(st);
    for (uint32_t k = 0; k < n; k++) write_elem(dst + k * ds, dt, read_elem(src + k * ss, st));
}

static void append(char *buf, size_t len, const char *fmt, const char *a, const char *b, const char *c) {
    size_t n = strlen(buf);
    if (n + 1 < len) snprintf(buf + n, len - n, fmt, a, b, c);
}

static const kiln_field_rec *find_field(const kiln_field_rec *f, uint32_t n, const char *name) {
    for (uint32_t j = 0; j < n; j++) if (strcmp(f[j].name, name) == 0) return &f[j];
    return NULL;
}

/* Copies every field of the new table from the old block by name; an added field takes its bytes from `defaults`
   (what init() gave a scratch block) when there is one, else stays zero. Returns the summary for the log. */
static void migrate_fields(const uint8_t *old, const kiln_field_rec *of, uint32_t on, uint8_t *fresh,
                           const kiln_field_rec *nf, uint32_t nn, const uint8_t *defaults, const char *no_defaults_why,
                           char *out, size_t out_len) {
    char kept[400] = "", added[300] = "", removed[300] = "", changed[400] = "";
    for (uint32_t i = 0; i < nn; i++) {
        const kiln_field_rec *o = find_field(of, on, nf[i].name);
        if (!o) {
            if (defaults) memcpy(fresh + nf[i].offset, defaults + nf[i].offset, (size_t)kiln__field_type_size(nf[i].type) * nf[i].count);
            append(added, sizeof added, "%s%s%s", added[0] ? ", " : "", nf[i].name, "");
            continue;
        }
        uint32_t n = o->count < nf[i].count ? o->count : nf[i].count;
        kiln__convert_elems(fresh + nf[i].offset, nf[i].type, old + o->offset, o->type, n);
        if (o->type != nf[i].type) {
            char what[80];
            snprintf(what, sizeof what, " (%s -> %s, converted)", type_name(o->type), type_name(nf[i].type));
            append(changed, sizeof changed, "%s%s%s", changed[0] ? ", " : "", nf[i].name, what);
        } else if (o->count != nf[i].count) {
            char what[80];
            snprintf(what, sizeof what, " (%u -> %u elements%s)", o->count, nf[i].count, o->count > nf[i].count ? ", truncated" : ", rest zeroed");
            append(changed, sizeof changed, "%s%s%s", changed[0] ? ", " : "", nf[i].name, what);
        } else {
            append(kept, sizeof kept, "%s%s%s", kept[0] ? ", " : "", nf[i].name, "");
        }
    }
    for (uint32_t j = 0; j < on; j++) {
        int found = 0;
        for (uint32_t i = 0; i < nn && !found; i++) found = strcmp(of[j].name, nf[i].name) == 0;
        if (!found) append(removed, sizeof removed, "%s%s%s", removed[0] ? ", " : "", of[j].name, "");
    }
    char how[300] = "";
    if (added[0]) snprintf(how, sizeof how, defaults ? " (set as init() sets them)" : " (zeroed%s%s)",
                           no_defaults_why && no_defaults_why[0] ? ": " : "", no_defaults_why ? no_defaults_why : "");
    snprintf(out, out_len, "kept %s; added %s%s; removed %s; type changed %s", kept[0] ? kept : "none",
             added[0] ? added : "none", how, removed[0] ? removed : "none", changed[0] ? changed : "none");
}

/* What init() gives the fields a migration adds: init runs on a zeroed scratch block, guarded like any call. Its
   alloc()s are released when it returns (the arena transaction is aborted: a scratch pointer must not outlive the
   scratch) and the PRNG is put back, so the running game sees no side effect but its log lines. Returns the
   scratch block (caller frees) or NULL with *why set. */
static uint8_t *init_defaults(kiln_runtime *rt, kiln_slot *slot, const kiln_callbacks *cb, const kiln_field_rec *of,
                              uint32_t on, char *why, size_t why_len) {
    why[0] = '\0';
    int adds = 0;
    for (uint32_t i = 0; i < cb->field_count && !adds; i++) adds = !find_field(of, on, cb->fields[i].name);
    if (!adds) return NULL;
    if (!cb->init) { snprintf(why, why_len, "the plugin has no init()"); return NULL; }
    uint8_t *scratch = calloc(1, cb->state_size ? cb->state_size : 1);
    if (!scratch) { snprintf(why, why_len, "out of memory for init()'s trial run"); return NULL; }
    uint32_t rng = rt->rng;
    int sig = kiln__call(rt, slot, CALL_INIT, cb, scratch, 0, KILN_TXN_ABORT);
    rt->rng = rng;
    if (sig) {
        char fault[200];
        kiln__describe_fault(rt, sig, fault, sizeof fault);
        snprintf(why, why_len, "init() %s in its trial run", fault);
        free(scratch);
        return NULL;
    }
    return scratch;
}

/* Warns when a field table leaves bytes of the state uncovered: those bytes are zeroed by a migration, silently
   losing what the forgotten member held. A gap that only aligns the next field (or the struct's end) to its type's
   size is padding and not counted. */
static void coverage_warning(kiln_runtime *rt, const char *name, const kiln_callbacks *cb) {
    uint32_t n = cb->field_count, size = cb->state_size;
    if (!cb->fields || !n || !size) return;
    uint32_t *order = malloc(n * sizeof *order);
    if (!order) return;
    for (uint32_t i = 0; i < n; i++) { /* by offset (insertion sort: at most KILN_FIELDS_MAX) */
        uint32_t k = i;
        while (k > 0 && cb->fields[order[k - 1]].offset > cb->fields[i].offset) { order[k] = order[k - 1]; k--; }
        order[k] = i;
    }
    char ranges[200] = "";
    uint32_t pos = 0, missing = 0, align = 1, shown = 0;
    for (uint32_t k = 0; k <= n; k++) {
        const kiln_field_rec *f = k < n ? &cb->fields[order[k]] : NULL;
        uint32_t a = f ? kiln__field_type_size(f->type) : align, at = f ? f->offset : size;
        if (f && a > align) align = a;
        uint32_t aligned = a ? (pos + a - 1) / a * a : pos;
        if (at > pos && !(aligned == at && at - pos < a)) {
            missing += at - pos;
            size_t used = strlen(ranges);
            if (shown < 4) snprintf(ranges + used, sizeof ranges - used, "%s%u\u2013%u", shown ? ", " : "", pos, at - 1);
            else if (shown == 4) snprintf(ranges + used, sizeof ranges - used, ", ...");
            shown++;
        }
        if (f) {
            uint32_t end = f->offset + kiln__field_type_size(f->type) * f->count;
            if (end > pos) pos = end;
        }
    }
    free(order);
    if (!missing) return;
    kiln__queue_messagef_from(rt, name, KILN_LOG_WARN, "%s: the field table covers %u of %u bytes (missing bytes %s); a "
                              "member left out of KILN_FIELD is zeroed when the state is migrated. Add it to the table.",
                              name, size - missing, size, ranges);
}

/* --- state files ---------------------------------------------------------------------------------------------- */
static void state_path(const kiln_runtime *rt, const char *name, char out[KILN_PATH_MAX]) {
    snprintf(out, KILN_PATH_MAX, "%s/%s.state", rt->state_dir, name);
}

/* Maps an existing state file. Returns 1 if it is a valid Kiln state file, 0 if there is none, -1 if it
   exists but is unusable (*why says why; the caller starts fresh). */
static int state_map_existing(const char *path, kiln_plat_map *map, kiln_state_header *hdr, char *why, size_t why_len) {
    if (!kiln_plat_exists(path)) return 0;
    char err[KILN_PLAT_ERR];
    if (kiln_plat_map_file(path, map, err) != 0) { snprintf(why, why_len, "could not map it (%s)", err); return -1; }
    if (map->size < sizeof *hdr) { snprintf(why, why_len, "it is truncated"); kiln_plat_unmap(map); return -1; }
    memcpy(hdr, map->base, sizeof *hdr);
    if (memcmp(hdr->magic, KILN_STATE_MAGIC, 8) != 0 || hdr->header_size != sizeof *hdr) {
        snprintf(why, why_len, "it is not a Kiln state file");
        kiln_plat_unmap(map);
        return -1;
    }
    /* an empty state still has 8 bytes of payload (see the writer), and the field table follows the payload */
    uint64_t payload = hdr->state_size ? hdr->state_size : 8;
    uint64_t want = (uint64_t)hdr->header_size + payload + (uint64_t)hdr->field_count * sizeof(kiln_field_rec);
    if (hdr->state_size > KILN_STATE_SIZE_MAX || hdr->field_count > KILN_FIELDS_MAX || map->size != want ||
        (hdr->field_count && !hdr->state_size)) {
        snprintf(why, why_len, "its sizes do not add up (%u-byte state, %u field records, %zu-byte file)",
                 hdr->state_size, hdr->field_count, map->size);
        kiln_plat_unmap(map);
        return -1;
    }
    if (hdr->field_count) {
        char bad[300] = "";
        const kiln_field_rec *f = (const kiln_field_rec *)((const uint8_t *)map->base + hdr->header_size + hdr->state_size);
        int broken = kiln__fields_check(f, hdr->field_count, hdr->state_size, bad, sizeof bad) != 0;
        if (!broken && kiln__layout_hash(f, hdr->field_count) != hdr->layout_hash)
            broken = 1, snprintf(bad, sizeof bad, "the layout hash does not match the records");
        if (broken) {
            snprintf(why, why_len, "its field table is damaged: %s", bad);
            kiln_plat_unmap(map);
            return -1;
        }
    }
    return 1;
}

static const kiln_field_rec *file_fields(const kiln_plat_map *map, const kiln_state_header *hdr) {
    return hdr->field_count ? (const kiln_field_rec *)((const uint8_t *)map->base + hdr->header_size + hdr->state_size) : NULL;
}

static int set_slot_fields(kiln_slot *slot, const kiln_field_rec *f, uint32_t n) {
    kiln_field_rec *copy = NULL;
    if (f && n) {
        copy = malloc(n * sizeof *copy);
        if (!copy) return -1;
        memcpy(copy, f, n * sizeof *copy);
    }
    free(slot->fields);
    slot->fields = copy;
    slot->field_count = copy ? n : 0;
    slot->layout_hash = kiln__layout_hash(copy, slot->field_count);
    return 0;
}

/* Points slot at `map` (a mapped valid state file), releasing what it had. */
static int slot_adopt_map(kiln_slot *slot, kiln_plat_map *map) {
    kiln_state_header hdr;
    memcpy(&hdr, map->base, sizeof hdr);
    uint8_t *snap = malloc(hdr.state_size ? hdr.state_size : 1);
    if (!snap) return -1;
    if (set_slot_fields(slot, file_fields(map, &hdr), hdr.field_count) != 0) { free(snap); return -1; }
    kiln_plat_unmap(&slot->state_map);
    free(slot->snapshot);
    slot->state_map = *map;
    slot->state = (uint8_t *)map->base + hdr.header_size;
    slot->state_size = hdr.state_size;
    slot->state_version = hdr.state_version;
    slot->snapshot = snap;
    return 0;
}

void kiln__slot_free(kiln_slot *s) {
    if (!s) return;
    kiln__commit_close(s);
    kiln_plat_unmap(&s->state_map);
    kiln__arena_close(s->arena);
    free(s->snapshot);
    free(s->fields);
    free(s);
}

/* Gives `slot` a state block for the layout in `cb`: keeps, restores, migrates or resets. On failure
   nothing about the slot's state changes and rt->last_error says why.

   Where the old block comes from: the live block (a reload in this runtime); else the commit store (the last
   committed frame: what a restarted runner resumes); else, for a work_dir from before commits existed, the
   state file. With restore_before > 0, the checkpoint pinned before that version's swap replaces both. A block
   built from disk is committed at once, so the next restart finds it even if no frame completes. */
int32_t kiln__state_prepare(kiln_runtime *rt, kiln_slot *slot, const kiln_callbacks *cb, int32_t restore_before, int32_t *action, char *note,
                            size_t note_len) {
    const char *name = slot->name;
    char path[KILN_PATH_MAX], heap[KILN_PATH_MAX], fault[200];
    state_path(rt, name, path);
    snprintf(heap, sizeof heap, "%s/%s.heap", rt->state_dir, name);
    note[0] = '\0';
    if (cb->fields && cb->layout_hash != slot->layout_hash) coverage_warning(rt, name, cb); /* a table new here */

    const uint8_t *old = NULL;
    const kiln_field_rec *old_fields = NULL;
    uint32_t old_size = 0, old_version = 0, old_field_count = 0, old_hash = 0;
    kiln_plat_map old_map = {0};
    int arena_moved = 0, from_disk = 0;
    kiln_commit_image img;
    int have = 0;            /* 1: the last committed frame, 2: a checkpoint */
    char pre[900] = "";      /* where the state came from / what was ignored: the note starts with it */
    char arena_why[700] = ""; /* why the saved arena was refused */

    if (restore_before > 0) {
        char why[600];
        if (kiln__commit_find(rt, slot, restore_before, &img, why, sizeof why) == 1) {
            have = 2;
            snprintf(pre, sizeof pre, "%s: started from the checkpoint taken before version %d was swapped in (the frame "
                     "committed by version %d).", name, (int)restore_before, (int)img.plugin_version);
        } else {
            snprintf(pre, sizeof pre, "%s: there is no checkpoint from before version %d (%s); started from the last "
                     "committed frame instead.", name, (int)restore_before, why[0] ? why : "none was kept");
        }
    }

    if (slot->state && !have) {
        if (same_layout(slot->state_size, slot->state_version, slot->layout_hash, cb)) {
            *action = KILN_STATE_KEPT;
            if (cb->on_reload) {
                memcpy(slot->snapshot, slot->state, slot->state_size);
                int sig = kiln__call(rt, slot, CALL_ON_RELOAD, cb, slot->state, 0, KILN_TXN_COMMIT);
                if (sig) {
                    memcpy(slot->state, slot->snapshot, slot->state_size);
                    kiln__describe_fault(rt, sig, fault, sizeof fault);
                    kiln__set_error(rt, "%s: on_reload %s; the new version was not loaded and the old one keeps running "
                                    "with its state. Fix on_reload and save again.", name, fault);
                    return KILN_ERR_CRASH;
                }
            }
            if (!slot->fields && cb->fields) set_slot_fields(slot, cb->fields, cb->field_count);
            snprintf(note, note_len, "%s", pre);
            return KILN_OK;
        }
        old = slot->state; old_size = slot->state_size; old_version = slot->state_version;
        old_fields = slot->fields; old_field_count = slot->field_count; old_hash = slot->layout_hash;
    } else {
        from_disk = 1;
        char why[600] = "";
        if (!have && kiln__commit_find(rt, slot, 0, &img, why, sizeof why) == 1) have = 1;
        else if (!have && why[0]) {
            size_t n = strlen(pre);
            snprintf(pre + n, sizeof pre - n, "%s%s: %s.", n ? " " : "", name, why);
        }
        if (have) {
            if (img.arena) {
                char aw[600] = "";
                int ar = kiln__arena_load(&slot->arena, heap, img.arena, img.arena_bytes, aw, sizeof aw);
                arena_moved = ar != KILN_ARENA_OPENED;
                if (ar < 0) snprintf(arena_why, sizeof arena_why, "the saved memory from alloc() was refused (%s)", aw);
            } else if (slot->arena) {
                kiln__arena_wipe(slot->arena);
            } else {
                kiln_plat_remove(heap); /* only allocations no committed frame knows of */
            }
            old = img.state; old_size = img.state_size; old_version = img.state_version;
            old_fields = img.fields; old_field_count = img.field_count; old_hash = img.layout_hash;
        } else {
            /* no commit store yet (a work_dir from before commits): the state file, as the last runner left it */
            kiln_state_header hdr;
            if (!slot->arena) {
                int ar = kiln__arena_open(heap, 0, &slot->arena, why, sizeof why);
                arena_moved = ar == KILN_ARENA_MOVED;
            }
            int found = state_map_existing(path, &old_map, &hdr, why, sizeof why);
            if (found == 1 && !slot->state && !arena_moved && same_layout(hdr.state_size, hdr.state_version, hdr.layout_hash, cb)) {
                if (slot_adopt_map(slot, &old_map) != 0) {
                    kiln_plat_unmap(&old_map);
                    kiln__set_error(rt, "%s: out of memory while restoring the state block.", name);
                    return KILN_ERR_STATE;
                }
                if (!slot->fields && cb->fields) set_slot_fields(slot, cb->fields, cb->field_count);
                *action = KILN_STATE_RESTORED;
                kiln__commit_now(rt, slot, 0);
                snprintf(note, note_len, "%s", pre);
                return KILN_OK;
            }
            if (found == 1) {
                old = (const uint8_t *)old_map.base + hdr.header_size;
                old_size = hdr.state_size; old_version = hdr.state_version;
                old_fields = file_fields(&old_map, &hdr); old_field_count = hdr.field_count; old_hash = hdr.layout_hash;
            } else if (found < 0) {
                size_t n = strlen(pre);
                snprintf(pre + n, sizeof pre - n, "%s%s: the saved state in %s was ignored because %s; the game starts "
                         "fresh.", n ? " " : "", name, path, why);
            }
        }
    }

    /* A new block: the saved one copied, migrated from the old one, or zeroed + init(). Built in memory first so
       a crash in migrate/init leaves everything as it was. */
    size_t n = cb->state_size;
    uint8_t *fresh = calloc(1, n ? n : 1);
    if (!fresh) { kiln_plat_unmap(&old_map); kiln__set_error(rt, "%s: out of memory for a %zu-byte state block.", name, n); return KILN_ERR_STATE; }
    int migrated = 0; /* 1 by field table, 2 by migrate(), 3 the same layout copied from a commit / checkpoint */
    char migrate_note[1500] = "";
    if (have && old && !arena_moved && same_layout(old_size, old_version, old_hash, cb)) {
        memcpy(fresh, old, n);
        migrated = 3;
    } else if (old && !arena_moved && old_fields && cb->fields) {
        char why[300];
        uint8_t *defaults = init_defaults(rt, slot, cb, old_fields, old_field_count, why, sizeof why);
        migrate_fields(old, old_fields, old_field_count, fresh, cb->fields, cb->field_count, defaults, why, migrate_note,
                       sizeof migrate_note);
        free(defaults);
        migrated = 1;
    } else if (old && !arena_moved && cb->migrate) {
        int32_t result = 0;
        int sig = kiln__call_migrate(rt, slot, cb, fresh, old, old_size, old_version, &result);
        if (sig) {
            free(fresh);
            kiln_plat_unmap(&old_map);
            kiln__describe_fault(rt, sig, fault, sizeof fault);
            kiln__set_error(rt, "%s: migrate %s while converting state v%u (%u bytes) to v%u (%u bytes); the new "
                            "version was not loaded. Fix migrate() and save again.", name, fault,
                            old_version, old_size, cb->state_version, cb->state_size);
            return KILN_ERR_CRASH;
        }
        if (result == 0) migrated = 2;
        else snprintf(migrate_note, sizeof migrate_note, "migrate() returned %d", (int)result);
    }
    if (!migrated) {
        memset(fresh, 0, n ? n : 1);
        if (cb->init) {
            /* init's allocations are all the new state can point at: the rest of the arena goes */
            int sig = kiln__call(rt, slot, CALL_INIT, cb, fresh, 0, KILN_TXN_KEEP_ONLY_NEW);
            if (sig) {
                free(fresh);
                kiln_plat_unmap(&old_map);
                kiln__describe_fault(rt, sig, fault, sizeof fault);
                kiln__set_error(rt, "%s: init %s; the new version was not loaded%s. Fix init() and save again.",
                                name, fault, slot->state ? " and the old one keeps running" : "");
                return KILN_ERR_CRASH;
            }
        } else if (slot->arena) {
            kiln__arena_wipe(slot->arena);
        }
    }

    kiln_state_header hdr;
    memset(&hdr, 0, sizeof hdr);
    memcpy(hdr.magic, KILN_STATE_MAGIC, 8);
    hdr.header_size = sizeof hdr;
    hdr.state_size = cb->state_size;
    hdr.state_version = cb->state_version;
    hdr.field_count = cb->field_count;
    hdr.layout_hash = cb->layout_hash;
    char err[KILN_PLAT_ERR];
    /* at least 8 bytes of payload so the state pointer always points into the file; the field table after it */
    size_t payload = (n ? n : 8) + (size_t)cb->field_count * sizeof(kiln_field_rec);
    uint8_t *body = calloc(1, payload);
    int rc = body ? 0 : -1;
    if (body) {
        memcpy(body, fresh, n);
        if (!n && cb->field_count) hdr.field_count = 0, hdr.layout_hash = 0, payload = 8; /* empty states: no table */
        else if (cb->field_count) memcpy(body + n, cb->fields, cb->field_count * sizeof(kiln_field_rec));
        rc = kiln_plat_write_file_atomic(path, &hdr, sizeof hdr, body, payload, err);
    } else {
        snprintf(err, sizeof err, "out of memory");
    }
    free(body);
    free(fresh);
    kiln_plat_map map = {0};
    if (rc == 0) rc = kiln_plat_map_file(path, &map, err);
    if (rc == 0 && slot_adopt_map(slot, &map) != 0) { kiln_plat_unmap(&map); rc = -1; snprintf(err, sizeof err, "out of memory"); }
    kiln_plat_unmap(&old_map);
    if (rc != 0) {
        kiln__set_error(rt, "%s: could not write the state file %s (%s). Check that the folder is writable and the disk "
                        "is not full.", name, path, err);
        return KILN_ERR_STATE;
    }
    if (!slot->fields && cb->fields && n) set_slot_fields(slot, cb->fields, cb->field_count);
    if (from_disk) kiln__commit_now(rt, slot, 0);

    char body_note[1800] = "";
    if (migrated == 3) {
        *action = KILN_STATE_RESTORED;
    } else if (migrated == 1) {
        *action = KILN_STATE_MIGRATED;
        snprintf(body_note, sizeof body_note, "%s: state migrated by field table from v%u (%u bytes) to v%u (%u bytes): %s.", name,
                 old_version, old_size, cb->state_version, cb->state_size, migrate_note);
    } else if (migrated == 2) {
        *action = KILN_STATE_MIGRATED;
        snprintf(body_note, sizeof body_note, "%s: state migrated from v%u (%u bytes) to v%u (%u bytes) by migrate().", name,
                 old_version, old_size, cb->state_version, cb->state_size);
    } else if (arena_moved && arena_why[0]) {
        *action = KILN_STATE_RESET;
        snprintf(body_note, sizeof body_note, "%s: state was reset: %s, so pointers in the state would be wrong; it was "
                 "zeroed and init() ran.", name, arena_why);
    } else if (arena_moved) {
        *action = KILN_STATE_RESET;
        snprintf(body_note, sizeof body_note, "%s: state was reset: the memory it had from alloc() could not be mapped at its old "
                 "address in this process, so pointers in the state would be wrong; it was zeroed and init() ran.", name);
    } else if (old) {
        *action = KILN_STATE_RESET;
        snprintf(body_note, sizeof body_note, "%s: state was reset: its layout changed from v%u (%u bytes) to v%u (%u bytes) and %s, "
                 "so it was zeroed and init() ran. Add a migrate() callback or a KILN_FIELD table to keep state across "
                 "layout changes.", name, old_version, old_size, cb->state_version, cb->state_size,
                 migrate_note[0] ? migrate_note : "the plugin has no migrate()");
    } else {
        *action = KILN_STATE_NEW;
    }
    snprintf(note, note_len, "%s%s%s", pre, pre[0] && body_note[0] ? " " : "", body_note);
    return KILN_OK;
}
