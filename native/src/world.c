/* world.c — the shared world of entities (issue 15).

   Storage: sparse sets (EnTT style). Each component has a dense array of rows (its data, and the entity index of each
   row) and a sparse array, per entity index, of row + 1. Add and remove are O(1) (remove moves the last row into the
   hole); a query walks the smallest pool of its components backwards and checks the others' sparse arrays, so
   despawning the entity being visited is safe. Chosen over archetypes because a component layout change (the thing
   hot reload does all day) touches one pool, and add/remove never moves an entity's other components.

   Where it lives: the root (entity and component tables) is the state block of a host-owned slot "@world", every
   array is in that slot's alloc() arena (mapped at a fixed address, so the pointers stay valid across restarts).
   The commit store, snapshots and the timeline take it like any plugin's state. Before each system's turn the root
   and the arena's used bytes are copied; a crash puts them back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "world.h"

#define WORLD_MAGIC KILN_WORLD_MAGIC
#define WORLD_FORMAT KILN_WORLD_FORMAT
#define ALIVE KILN_WORLD_ALIVE
#define MIGRATIONS 32

/* The runtime's view of its world (heap; the world itself is in the slot). */
typedef struct kiln_world {
    kiln_slot *slot;
    uint8_t *turn; uint64_t turn_len, turn_cap;   /* root + arena before the current system's turn */
    const kiln_slot *turn_of;
    uint8_t *before_load; uint64_t before_len;    /* root + arena before the load in progress */
    int load_migrated;
    kiln_world_migration migs[MIGRATIONS];
    int mig_head, mig_count, migs_before;
} kiln_world;

/* A copy of the world kept with an image that migrated it. */
typedef struct world_copy { uint8_t *bytes; uint64_t len; } world_copy;

static world_root *root_of(kiln_world *w) { return w && w->slot ? (world_root *)(void *)w->slot->state : NULL; }

/* --- copies: root + arena bytes -------------------------------------------------------------------------------- */
static uint64_t copy_size(kiln_world *w) { return sizeof(world_root) + kiln__arena_used(w->slot->arena); }

static int copy_into(kiln_world *w, uint8_t **buf, uint64_t *cap, uint64_t *len) {
    uint64_t n = copy_size(w);
    if (*cap < n) {
        uint8_t *p = realloc(*buf, (size_t)n);
        if (!p) return -1;
        *buf = p; *cap = n;
    }
    memcpy(*buf, w->slot->state, sizeof(world_root));
    if (w->slot->arena) memcpy(*buf + sizeof(world_root), kiln__arena_base(w->slot->arena), (size_t)(n - sizeof(world_root)));
    *len = n;
    return 0;
}

static void copy_back(kiln_world *w, const uint8_t *bytes, uint64_t len) {
    memcpy(w->slot->state, bytes, sizeof(world_root));
    if (w->slot->arena && len > sizeof(world_root))
        kiln__arena_restore(w->slot->arena, bytes + sizeof(world_root), len - sizeof(world_root));
}

/* --- the store's memory: the slot's arena -------------------------------------------------------------------- */
static void *arena_alloc(void *arena, size_t bytes) { return kiln__arena_alloc(arena, bytes); }
static void arena_free(void *arena, void *p) { kiln__arena_free(arena, p); }
static world_mem mem_of(kiln_world *w) { return (world_mem){arena_alloc, arena_free, w->slot->arena}; }
static void *world_get(kiln_world *w, uint64_t e, int32_t c) { return kiln__component_get(root_of(w), e, c); }

/* --- the host table -------------------------------------------------------------------------------------------- */
static kiln_world *host_world(void) {
    kiln_runtime *rt = kiln__host_runtime();
    return rt && rt->world && kiln__host_slot() ? rt->world : NULL;
}

static int32_t host_component_id(const char *name) {
    kiln_world *w = host_world();
    char n[KILN_FIELD_NAME] = "";
    if (name) for (size_t i = 0; i < sizeof n - 1 && name[i]; i++) n[i] = name[i]; /* bounded read of plugin memory */
    return w ? kiln__component_find(root_of(w), n) : -1;
}
static kiln_entity host_spawn(void) {
    kiln_world *w = host_world();
    world_mem m = w ? mem_of(w) : (world_mem){0};
    return w ? kiln__entity_spawn(root_of(w), &m) : 0;
}
static int32_t host_despawn(kiln_entity e) { kiln_world *w = host_world(); return w ? kiln__entity_despawn(root_of(w), e) : KILN_ERR_NOT_FOUND; }
static int32_t host_alive(kiln_entity e) { uint32_t i; kiln_world *w = host_world(); return w && kiln__entity_index(root_of(w), e, &i); }
static void *host_add(kiln_entity e, int32_t c) {
    kiln_world *w = host_world();
    world_mem m = w ? mem_of(w) : (world_mem){0};
    return w ? kiln__component_add(root_of(w), &m, e, c) : NULL;
}
static void *host_get(kiln_entity e, int32_t c) { kiln_world *w = host_world(); return w ? world_get(w, e, c) : NULL; }
static uint32_t host_count(void) { kiln_world *w = host_world(); return w ? root_of(w)->alive : 0; }
static int32_t host_remove(kiln_entity e, int32_t c) { kiln_world *w = host_world(); return w ? kiln__component_remove(root_of(w), e, c) : KILN_ERR_NOT_FOUND; }
static int32_t host_query_next(kiln_query *q) {
    kiln_world *w = host_world();
    return w ? kiln__query_next(root_of(w), q) : 0;
}

void kiln__world_host_init(kiln_host *h) {
    h->component_id = host_component_id;
    h->spawn = host_spawn;
    h->despawn = host_despawn;
    h->entity_alive = host_alive;
    h->add_component = host_add;
    h->remove_component = host_remove;
    h->get_component = host_get;
    h->query_next = host_query_next;
    h->entity_count = host_count;
}

/* --- systems: a plugin's KILN_SYSTEM --------------------------------------------------------------------------- */
void kiln__system_free(kiln_system_copy *s) {
    if (!s) return;
    kiln_plat_defer_begin();
    for (uint32_t i = 0; i < s->ncomps; i++) { free(s->comps[i].fields); free(s->comps[i].defaults); }
    free(s);
    kiln_plat_defer_end();
}

static int copy_name(char out[KILN_FIELD_NAME], const char *name) {
    size_t n = name ? strnlen(name, KILN_FIELD_NAME) : 0;
    if (n == 0 || n >= KILN_FIELD_NAME) return -1;
    memcpy(out, name, n);
    out[n] = '\0';
    return 0;
}

int32_t kiln__system_copy(kiln_runtime *rt, const char *plugin, void *lib, kiln_system_copy **out) {
    *out = NULL;
    const kiln_system *desc = kiln_plat_lib_symbol(lib, KILN_SYSTEM_SYMBOL);
    if (!desc) return KILN_OK;
    kiln_system d;
    memset(&d, 0, sizeof d);
    uint32_t size = desc->size < sizeof d ? desc->size : sizeof d;
    memcpy(&d, desc, size);
    if (size < offsetof(kiln_system, components) || d.component_count > KILN_SYSTEM_COMPONENTS ||
        d.read_count > KILN_SYSTEM_ACCESS || d.write_count > KILN_SYSTEM_ACCESS) {
        kiln__set_error(rt, "%s: its KILN_SYSTEM is invalid (size %u, %u components, %u reads, %u writes; at most %d "
                        "components and %d of each access). Use KILN_SYSTEM(...) from kiln.h.", plugin, desc->size,
                        d.component_count, d.read_count, d.write_count, KILN_SYSTEM_COMPONENTS, KILN_SYSTEM_ACCESS);
        return KILN_ERR_ABI;
    }
    kiln_plat_defer_begin();
    kiln_system_copy *s = calloc(1, sizeof *s);
    kiln_plat_defer_end();
    if (!s) { kiln__set_error(rt, "%s: out of memory.", plugin); return KILN_ERR_ABI; }
    *out = s; /* set before reading plugin memory: a fault leaves it for the caller to free */
    s->phase = d.phase ? d.phase : SYSTEM_UPDATE;
    s->order = d.order;
    for (uint32_t i = 0; i < d.read_count; i++)
        if (copy_name(s->reads[s->nreads], d.reads[i]) == 0) s->nreads++;
    for (uint32_t i = 0; i < d.write_count; i++)
        if (copy_name(s->writes[s->nwrites], d.writes[i]) == 0) s->nwrites++;
    for (uint32_t i = 0; i < d.component_count; i++) {
        kiln_component c = d.components[i];
        kiln_component_copy *k = &s->comps[i];
        if (copy_name(k->name, c.name) != 0 || c.size == 0 || c.size > (1u << 20)) {
            kiln__set_error(rt, "%s: component #%u of its KILN_SYSTEM needs a name of 1-%d chars and a size of 1 byte to "
                            "1 MiB (it has size %u).", plugin, i, KILN_FIELD_NAME - 1, c.size);
            return KILN_ERR_ABI;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(s->comps[j].name, k->name) == 0) {
                kiln__set_error(rt, "%s: component \"%s\" is declared twice in its KILN_SYSTEM.", plugin, k->name);
                return KILN_ERR_ABI;
            }
        k->size = c.size;
        kiln_plugin pd; /* kiln__copy_fields checks a table against a block size: the component is that block */
        memset(&pd, 0, sizeof pd);
        pd.fields = c.fields; pd.field_count = c.field_count; pd.state_size = c.size;
        kiln_callbacks cb;
        memset(&cb, 0, sizeof cb);
        char what[KILN_NAME_MAX + KILN_FIELD_NAME + 16];
        snprintf(what, sizeof what, "%s (component %s)", plugin, k->name);
        if (kiln__copy_fields(rt, what, &pd, &cb) != 0) return KILN_ERR_ABI;
        k->fields = cb.fields; k->field_count = cb.field_count; k->layout_hash = cb.layout_hash;
        kiln_plat_defer_begin();
        k->defaults = calloc(1, c.size);
        kiln_plat_defer_end();
        if (!k->defaults) { kiln__set_error(rt, "%s: out of memory.", plugin); return KILN_ERR_ABI; }
        s->ncomps = i + 1;
        if (c.defaults) memcpy(k->defaults, c.defaults, c.size);
    }
    return KILN_OK;
}

int32_t kiln__system_phase(const kiln_slot *s) {
    return s->current && s->current->sys ? s->current->sys->phase : SYSTEM_UPDATE;
}

/* --- opening the world ----------------------------------------------------------------------------------------- */
static const kiln_callbacks world_layout = {.state_size = sizeof(world_root), .state_version = WORLD_FORMAT};

static int32_t world_open(kiln_runtime *rt) {
    if (rt->world) return KILN_OK;
    if (rt->nslots >= KILN_MAX_PLUGINS - 1) { /* room for the world and the plugin loading now */
        kiln__set_error(rt, "too many plugins (at most %d per game, the world takes one); merge some modules.", KILN_MAX_PLUGINS - 1);
        return KILN_ERR_INVALID;
    }
    kiln_world *w = calloc(1, sizeof *w);
    kiln_slot *slot = calloc(1, sizeof *slot);
    if (!w || !slot) { free(w); free(slot); kiln__set_error(rt, "out of memory for the world."); return KILN_ERR_STATE; }
    snprintf(slot->name, sizeof slot->name, "%s", KILN_WORLD_SLOT);
    int32_t action;
    char note[700];
    int32_t rc = kiln__state_prepare(rt, slot, &world_layout, 0, &action, note, sizeof note);
    if (rc != KILN_OK) { kiln__slot_free(slot); free(w); return rc; }
    if (note[0]) kiln__queue_message_from(rt, KILN_WORLD_SLOT, KILN_LOG_WARN, note, strlen(note));
    if (!slot->arena) {
        char path[KILN_PATH_MAX], why[600];
        snprintf(path, sizeof path, "%s/%s.heap", rt->state_dir, slot->name);
        if (kiln__arena_open(path, 1, &slot->arena, why, sizeof why) < 0) {
            kiln__slot_free(slot); free(w);
            kiln__set_error(rt, "the world's memory could not be opened (%s); check that the project's .kiln folder is "
                            "writable.", why);
            return KILN_ERR_STATE;
        }
    }
    world_root *r = (world_root *)(void *)slot->state;
    if (memcmp(r->magic, WORLD_MAGIC, 8) != 0 || r->format != WORLD_FORMAT || action == KILN_STATE_RESET) {
        memset(r, 0, sizeof *r); /* a fresh world: its arrays are allocated as it grows */
        memcpy(r->magic, WORLD_MAGIC, 8);
        r->format = WORLD_FORMAT;
        kiln__arena_wipe(slot->arena);
    }
    w->slot = slot;
    rt->world = w;
    rt->slots[rt->nslots++] = slot;
    return KILN_OK;
}

/* The world's schema as the slot's layout hash: a snapshot or timeline frame from before a component changed
   layout is refused (its bytes would be read with the new struct). */
static void schema_hash(kiln_world *w) {
    world_root *r = root_of(w);
    uint32_t h = 2166136261u;
    for (uint32_t c = 0; c < r->ncomps; c++) {
        uint32_t v[2] = {r->comps[c].size, r->comps[c].layout_hash};
        for (const char *p = r->comps[c].name; *p; p++) { h ^= (uint8_t)*p; h *= 16777619u; }
        for (int k = 0; k < 2; k++) for (int b = 0; b < 4; b++) { h ^= (v[k] >> (8 * b)) & 0xFF; h *= 16777619u; }
    }
    w->slot->layout_hash = r->ncomps ? (h ? h : 1) : 0;
}

/* --- migration ------------------------------------------------------------------------------------------------- */
static const char *const type_names[] = {"?", "i32", "u32", "f32", "f64", "i64", "u8", "bool"};
static const char *tname(uint32_t t) { return t <= KILN_BOOL ? type_names[t] : "?"; }

static void list_add(char *buf, size_t cap, const char *item) {
    size_t n = strlen(buf);
    if (n + 1 < cap) snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", item);
}

/* One pass over every row of k: the new row starts as the owner's defaults, then each field of the new table that
   the old one had is copied (same type and count) or converted. */
static int32_t migrate_comp(kiln_world *w, world_comp *k, const kiln_component_copy *nc, kiln_field_rec *nf_arena,
                            kiln_world_migration *m) {
    const kiln_field_rec *of = k->fields, *nf = nc->fields;
    uint32_t on = k->field_count, nn = nc->field_count;
    char kept[160] = "", added[160] = "", removed[160] = "", converted[200] = "";
    typedef struct plan { uint32_t from, to, bytes, ot, nt, n; int same; } plan;
    plan p[KILN_FIELDS_MAX];
    uint32_t np = 0;
    for (uint32_t i = 0; i < nn; i++) {
        const kiln_field_rec *o = NULL;
        for (uint32_t j = 0; j < on && !o; j++) if (strcmp(of[j].name, nf[i].name) == 0) o = &of[j];
        if (!o) { m->added++; list_add(added, sizeof added, nf[i].name); continue; }
        uint32_t n = o->count < nf[i].count ? o->count : nf[i].count;
        plan q = {o->offset, nf[i].offset, n * kiln__field_type_size(o->type), o->type, nf[i].type, n, o->type == nf[i].type};
        p[np++] = q;
        if (o->type != nf[i].type || o->count != nf[i].count) {
            char what[120];
            snprintf(what, sizeof what, "%s (%s[%u] -> %s[%u])", nf[i].name, tname(o->type), o->count, tname(nf[i].type), nf[i].count);
            m->converted++; list_add(converted, sizeof converted, what);
        } else {
            m->kept++; list_add(kept, sizeof kept, nf[i].name);
        }
    }
    for (uint32_t j = 0; j < on; j++) {
        int found = 0;
        for (uint32_t i = 0; i < nn && !found; i++) found = strcmp(of[j].name, nf[i].name) == 0;
        if (!found) { m->removed++; list_add(removed, sizeof removed, of[j].name); }
    }
    uint32_t size = nc->size;
    uint8_t *data = k->cap ? kiln__arena_alloc(w->slot->arena, (size_t)k->cap * size) : NULL;
    if (k->cap && !data) return KILN_ERR_STATE;
    for (uint32_t row = 0; row < k->count; row++) {
        uint8_t *dst = data + (size_t)row * size;
        const uint8_t *src = k->data + (size_t)row * k->size;
        memcpy(dst, nc->defaults, size);
        for (uint32_t f = 0; f < np; f++) {
            if (p[f].same) memcpy(dst + p[f].to, src + p[f].from, p[f].bytes);
            else kiln__convert_elems(dst + p[f].to, p[f].nt, src + p[f].from, p[f].ot, p[f].n);
        }
    }
    if (k->data) kiln__arena_free(w->slot->arena, k->data);
    k->data = data;
    if (k->fields) kiln__arena_free(w->slot->arena, k->fields);
    k->fields = nf_arena;
    snprintf(m->detail, sizeof m->detail, "kept %s; added %s%s; removed %s; converted %s", kept[0] ? kept : "none",
             added[0] ? added : "none", added[0] ? " (the owner's defaults)" : "", removed[0] ? removed : "none",
             converted[0] ? converted : "none");
    return KILN_OK;
}

static void push_migration(kiln_world *w, const kiln_world_migration *m) {
    if (w->mig_count == MIGRATIONS) { w->mig_head = (w->mig_head + 1) % MIGRATIONS; w->mig_count--; }
    w->migs[(w->mig_head + w->mig_count++) % MIGRATIONS] = *m;
}

/* Registers or updates one component of a loading system. */
static int32_t register_comp(kiln_runtime *rt, kiln_world *w, const char *plugin, int32_t version, const kiln_component_copy *nc) {
    world_root *r = root_of(w);
    int32_t c = kiln__component_find(r, nc->name);
    kiln_field_rec *nf = NULL;
    if (nc->field_count) {
        nf = kiln__arena_alloc(w->slot->arena, nc->field_count * sizeof *nf);
        if (!nf) goto full;
        memcpy(nf, nc->fields, nc->field_count * sizeof *nf);
    }
    uint8_t *defaults = kiln__arena_alloc(w->slot->arena, nc->size);
    if (!defaults) goto full;
    memcpy(defaults, nc->defaults, nc->size);
    if (c < 0) {
        if (r->ncomps == KILN_WORLD_COMPONENTS) {
            kiln__set_error(rt, "%s: the world holds at most %d components; \"%s\" is one too many.", plugin,
                            KILN_WORLD_COMPONENTS, nc->name);
            return KILN_ERR_STATE;
        }
        world_mem m = mem_of(w);
        if (!kiln__component_create(r, &m, nc->name)) goto full;
    }
    world_comp *k = &r->comps[c < 0 ? (int32_t)r->ncomps - 1 : c];
    int changed = c >= 0 && (k->size != nc->size || k->layout_hash != nc->layout_hash);
    if (changed) {
        kiln_world_migration m;
        memset(&m, 0, sizeof m);
        snprintf(m.component, sizeof m.component, "%s", nc->name);
        snprintf(m.plugin, sizeof m.plugin, "%s", plugin);
        m.version = version;
        m.entities = k->count;
        m.old_size = k->size; m.new_size = nc->size;
        double t0 = kiln_plat_now();
        if (!k->field_count || !nc->field_count) {
            /* no table on one side: nothing can be matched by name, every component starts from the defaults */
            uint8_t *data = k->cap ? kiln__arena_alloc(w->slot->arena, (size_t)k->cap * nc->size) : NULL;
            if (k->cap && !data) goto full;
            for (uint32_t row = 0; row < k->count; row++) memcpy(data + (size_t)row * nc->size, nc->defaults, nc->size);
            if (k->data) kiln__arena_free(w->slot->arena, k->data);
            if (k->fields) kiln__arena_free(w->slot->arena, k->fields);
            k->data = data; k->fields = nf;
            m.added = nc->field_count;
            snprintf(m.detail, sizeof m.detail, "reset to the owner's defaults: %s has no KILN_FIELD table, so no field "
                     "could be matched by name. Give the component a field table to keep its values.",
                     k->field_count ? "the new layout" : "the old layout");
        } else if (migrate_comp(w, k, nc, nf, &m) != KILN_OK) {
            goto full;
        }
        m.seconds = kiln_plat_now() - t0;
        push_migration(w, &m);
        w->load_migrated = 1;
        kiln__queue_messagef_from(rt, plugin, KILN_LOG_INFO, "world: %s migrated for %u entities (%u -> %u bytes): %s.",
                                  m.component, m.entities, m.old_size, m.new_size, m.detail);
    } else {
        if (k->fields) kiln__arena_free(w->slot->arena, k->fields);
        k->fields = nf;
    }
    if (k->defaults) kiln__arena_free(w->slot->arena, k->defaults);
    k->defaults = defaults;
    k->size = nc->size;
    k->field_count = nc->field_count;
    k->layout_hash = nc->layout_hash;
    if (!k->owner[0] || changed) snprintf(k->owner, sizeof k->owner, "%s", plugin); /* who set its layout */
    return KILN_OK;
full:
    kiln__set_error(rt, "%s: the world's memory (%zu MiB) is full while registering component %s; despawn entities.",
                    plugin, (size_t)KILN_ARENA_SIZE >> 20, nc->name);
    return KILN_ERR_STATE;
}

int32_t kiln__world_load(kiln_runtime *rt, kiln_slot *slot, kiln_image *img) {
    if (!img->sys) return KILN_OK;
    int32_t rc = world_open(rt);
    if (rc != KILN_OK) return rc;
    kiln_world *w = rt->world;
    uint64_t cap = 0;
    free(w->before_load);
    w->before_load = NULL;
    w->load_migrated = 0;
    w->migs_before = w->mig_count;
    if (copy_into(w, &w->before_load, &cap, &w->before_len) != 0) {
        kiln__set_error(rt, "%s: out of memory for a copy of the world.", slot->name);
        return KILN_ERR_STATE;
    }
    for (uint32_t i = 0; i < img->sys->ncomps; i++) {
        rc = register_comp(rt, w, slot->name, img->version, &img->sys->comps[i]);
        if (rc != KILN_OK) { kiln__world_load_failed(rt); return rc; }
    }
    schema_hash(w);
    return KILN_OK;
}

void kiln__world_load_failed(kiln_runtime *rt) {
    kiln_world *w = rt->world;
    if (!w || !w->before_load) return;
    copy_back(w, w->before_load, w->before_len);
    schema_hash(w);
    if (w->mig_count > w->migs_before) w->mig_count = w->migs_before; /* what the failed load migrated is undone */
    free(w->before_load);
    w->before_load = NULL;
}

void kiln__world_load_done(kiln_runtime *rt, kiln_image *img) {
    kiln_world *w = rt->world;
    if (!w || !w->before_load) return;
    if (w->load_migrated) {
        world_copy *c = malloc(sizeof *c);
        if (c) { c->bytes = w->before_load; c->len = w->before_len; img->world_before = c; w->before_load = NULL; }
    }
    free(w->before_load);
    w->before_load = NULL;
    kiln__commit_now(rt, w->slot, 0);
}

void kiln__world_image_free(kiln_image *img) {
    world_copy *c = img->world_before;
    if (c) { free(c->bytes); free(c); img->world_before = NULL; }
    kiln__system_free(img->sys);
    img->sys = NULL;
}

/* --- frames ---------------------------------------------------------------------------------------------------- */
void kiln__world_turn_begin(kiln_runtime *rt, const kiln_slot *s) {
    kiln_world *w = rt->world;
    if (!w || !s->current || !s->current->sys) return;
    w->turn_of = copy_into(w, &w->turn, &w->turn_cap, &w->turn_len) == 0 ? s : NULL;
}

void kiln__world_turn_crashed(kiln_runtime *rt, const kiln_slot *s, kiln_image *bad, int rolled_back) {
    kiln_world *w = rt->world;
    if (!w) return;
    world_copy *before = bad ? bad->world_before : NULL;
    if (rolled_back && before) {
        /* the version that migrated the world crashed: the old code gets the world in the old layout */
        copy_back(w, before->bytes, before->len);
        schema_hash(w);
        kiln__queue_messagef_from(rt, s->name, KILN_LOG_WARN, "world: rolled back to before version %d migrated its "
                                  "components (%u entities).", bad->version, root_of(w)->alive);
    } else if (w->turn_of == s) {
        copy_back(w, w->turn, w->turn_len);
    }
    w->turn_of = NULL;
    kiln__commit_now(rt, w->slot, 0);
}

void kiln__world_turn_undo(kiln_runtime *rt, const kiln_slot *s) {
    kiln_world *w = rt->world;
    if (w && w->turn_of == s) copy_back(w, w->turn, w->turn_len);
    if (w) w->turn_of = NULL;
}

void kiln__world_frame_end(kiln_runtime *rt) {
    if (rt->world) { rt->world->turn_of = NULL; kiln__commit_frame(rt, rt->world->slot); }
}

void kiln__world_free(kiln_runtime *rt) {
    kiln_world *w = rt->world;
    if (!w) return;
    free(w->turn);
    free(w->before_load);
    free(w); /* the slot is freed with the others */
    rt->world = NULL;
}

/* --- the inspector and the log (kiln_runtime.h) ---------------------------------------------------------------- */
static int32_t outside_callbacks(kiln_runtime *rt, const char *what) {
    if (!rt) return KILN_ERR_INVALID;
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "%s was called from inside a plugin callback.", what); return KILN_ERR_INVALID; }
    return KILN_OK;
}

int32_t kiln_world_poll_migration(kiln_runtime *rt, kiln_world_migration *out) {
    if (outside_callbacks(rt, "kiln_world_poll_migration") != KILN_OK || !out) return 0;
    pthread_mutex_lock(&rt->lock);
    kiln_world *w = rt->world;
    int got = w && w->mig_count;
    if (got) { *out = w->migs[w->mig_head]; w->mig_head = (w->mig_head + 1) % MIGRATIONS; w->mig_count--; }
    pthread_mutex_unlock(&rt->lock);
    return got;
}

int32_t kiln_world_stats(kiln_runtime *rt, uint32_t *entities, uint32_t *components) {
    int32_t rc = outside_callbacks(rt, "kiln_world_stats");
    if (rc != KILN_OK) return rc;
    pthread_mutex_lock(&rt->lock);
    world_root *r = root_of(rt->world);
    if (entities) *entities = r ? r->alive : 0;
    if (components) *components = r ? r->ncomps : 0;
    pthread_mutex_unlock(&rt->lock);
    return KILN_OK;
}

int32_t kiln_world_component(kiln_runtime *rt, int32_t id, kiln_world_component_info *info, kiln_state_field *fields,
                             int32_t field_cap) {
    int32_t rc = outside_callbacks(rt, "kiln_world_component");
    if (rc != KILN_OK || !info || field_cap < 0) return KILN_ERR_INVALID;
    memset(info, 0, sizeof *info);
    pthread_mutex_lock(&rt->lock);
    world_root *r = root_of(rt->world);
    if (!r || id < 0 || (uint32_t)id >= r->ncomps) { pthread_mutex_unlock(&rt->lock); return KILN_ERR_NOT_FOUND; }
    const world_comp *k = &r->comps[id];
    snprintf(info->name, sizeof info->name, "%s", k->name);
    snprintf(info->owner, sizeof info->owner, "%s", k->owner);
    info->id = id; info->size = k->size; info->count = k->count; info->field_count = k->field_count;
    if ((uint32_t)field_cap < k->field_count || (k->field_count && !fields)) rc = KILN_ERR_INVALID;
    else if (k->field_count) memcpy(fields, k->fields, k->field_count * sizeof *fields);
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int32_t kiln_world_entities(kiln_runtime *rt, int32_t with, uint32_t from_index, uint64_t *ids, int32_t cap) {
    int32_t rc = outside_callbacks(rt, "kiln_world_entities");
    if (rc != KILN_OK || cap < 0 || (cap && !ids)) return KILN_ERR_INVALID;
    pthread_mutex_lock(&rt->lock);
    world_root *r = root_of(rt->world);
    int32_t total = 0, copied = 0;
    if (r && (with < 0 || (uint32_t)with < r->ncomps)) {
        const world_comp *k = with >= 0 ? &r->comps[with] : NULL;
        for (uint32_t i = 0; i < r->top; i++) {
            if (!(r->gen[i] & ALIVE) || (k && !k->sparse[i])) continue;
            total++;
            if (i >= from_index && copied < cap) ids[copied++] = kiln__entity_id(r, i);
        }
    }
    pthread_mutex_unlock(&rt->lock);
    return total;
}

int32_t kiln_world_read(kiln_runtime *rt, uint64_t entity, int32_t id, uint8_t *bytes, int32_t cap) {
    int32_t rc = outside_callbacks(rt, "kiln_world_read");
    if (rc != KILN_OK || cap < 0) return KILN_ERR_INVALID;
    pthread_mutex_lock(&rt->lock);
    const uint8_t *p = rt->world ? world_get(rt->world, entity, id) : NULL;
    uint32_t size = p ? root_of(rt->world)->comps[id].size : 0;
    rc = !p ? KILN_ERR_NOT_FOUND : (uint32_t)cap < size || !bytes ? KILN_ERR_INVALID : (int32_t)size;
    if (rc > 0) memcpy(bytes, p, size);
    pthread_mutex_unlock(&rt->lock);
    return rc;
}

int32_t kiln_world_write(kiln_runtime *rt, uint64_t entity, int32_t id, const char *field, uint32_t index,
                         const kiln_state_value *value, kiln_state_write_result *out) {
    kiln_state_write_result scratch;
    if (!out) out = &scratch;
    memset(out, 0, sizeof *out);
    int32_t rc = outside_callbacks(rt, "kiln_world_write");
    if (rc != KILN_OK || !field || !value) {
        out->code = KILN_ERR_INVALID;
        snprintf(out->error, sizeof out->error, "kiln_world_write: a NULL argument, or a call from a plugin callback.");
        return out->code;
    }
    pthread_mutex_lock(&rt->lock);
    uint8_t *p = rt->world ? world_get(rt->world, entity, id) : NULL;
    if (!p) {
        out->code = rc = KILN_ERR_NOT_FOUND;
        snprintf(out->error, sizeof out->error, "entity %u (generation %u) has no component #%d: it was despawned, or "
                 "the component was removed; pick the entity again.", (uint32_t)entity, (uint32_t)(entity >> 32), (int)id);
    } else {
        const world_comp *k = &root_of(rt->world)->comps[id];
        char what[KILN_FIELD_NAME + 16];
        snprintf(what, sizeof what, "%s#%u", k->name, (uint32_t)entity);
        rc = kiln__field_write(rt, what, k->fields, k->field_count, p, field, index, value, out);
        if (rc == KILN_OK) kiln__commit_now(rt, rt->world->slot, 0);
    }
    pthread_mutex_unlock(&rt->lock);
    return rc;
}
