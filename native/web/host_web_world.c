/* host_web_world.c — the world in the browser: world_store.c, the entity storage libkiln runs, in the page's heap,
   and each plugin's KILN_SYSTEM registered at start (no reload on a page, so nothing to migrate). */
#define KILN_NO_SHORT_NAMES
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_web.h"
#include "world_store.h"

/* calloc'd, so arrays start zeroed as the arena gives them */
static world_root *world;
static void *heap_alloc(void *ctx, size_t n) { (void)ctx; return calloc(1, n ? n : 1); }
static void heap_free(void *ctx, void *p) { (void)ctx; free(p); }
static const world_mem heap = {heap_alloc, heap_free, NULL};
static int32_t h_component_id(const char *name) { return kiln__component_find(world, name); }
static kiln_entity h_spawn(void) { return world ? kiln__entity_spawn(world, &heap) : 0; }
static int32_t h_despawn(kiln_entity e) { return world ? kiln__entity_despawn(world, e) : KILN_ERR_NOT_FOUND; }
static int32_t h_alive(kiln_entity e) { uint32_t i; return kiln__entity_index(world, e, &i); }
static void *h_add(kiln_entity e, int32_t c) { return world ? kiln__component_add(world, &heap, e, c) : NULL; }
static void *h_get(kiln_entity e, int32_t c) { return world ? kiln__component_get(world, e, c) : NULL; }
static int32_t h_remove(kiln_entity e, int32_t c) { return world ? kiln__component_remove(world, e, c) : KILN_ERR_NOT_FOUND; }
static int32_t h_query_next(kiln_query *q) { return kiln__query_next(world, q); }
static uint32_t h_entity_count(void) { return world ? world->alive : 0; }

/* A plugin's KILN_SYSTEM: its phase and order (*phase, *order), and its components registered (a component another plugin declared
   first keeps its rows; a game exported fresh has no old layout to migrate). 0, or -1 with the reason logged. */
int kiln_web__system_load(const char *plugin, const kiln_system *sys, int32_t *phase, int32_t *order) {
    *phase = SYSTEM_UPDATE;
    *order = 0;
    if (!sys) return 0;
    if (sys->phase) *phase = sys->phase;
    *order = sys->order;
    if (!world && !(world = calloc(1, sizeof *world))) return -1;
    for (uint32_t i = 0; i < sys->component_count; i++) {
        const kiln_component *c = &sys->components[i];
        if (!c->name || !c->name[0] || strlen(c->name) >= KILN_FIELD_NAME || !c->size || c->size > (1u << 20)) {
            /* as libkiln refuses such a KILN_SYSTEM at load (kiln__system_copy) */
            kiln_web__log(KILN_LOG_ERROR, "a component of its KILN_SYSTEM needs a name of 1-47 chars and a size of 1 byte to 1 MiB: this system is skipped");
            return -1;
        }
        int32_t id = kiln__component_find(world, c->name);
        world_comp *k = id >= 0 ? &world->comps[id] : kiln__component_create(world, &heap, c->name);
        uint8_t *defaults = k ? calloc(1, c->size ? c->size : 1) : NULL;
        if (!defaults) {
            kiln_web__log(KILN_LOG_ERROR, "the world is full (64 components) or out of memory: this system is skipped");
            return -1;
        }
        if (c->defaults) memcpy(defaults, c->defaults, c->size);
        if (k->count && k->size != c->size) kiln_web__log(KILN_LOG_WARN, "a component's size differs between two systems: the later one's wins");
        free(k->defaults);
        k->defaults = defaults;
        k->size = c->size;
        if (!k->owner[0]) snprintf(k->owner, sizeof k->owner, "%s", plugin);
    }
    return 0;
}

void kiln_web__world_host(kiln_host *h) {
    h->component_id = h_component_id; h->spawn = h_spawn; h->despawn = h_despawn; h->entity_alive = h_alive;
    h->add_component = h_add; h->remove_component = h_remove; h->get_component = h_get;
    h->query_next = h_query_next; h->entity_count = h_entity_count;
}
