/* world.h — the shared world of entities (issue 15): internal seams between world.c, the loader and the frame loop
   (runtime.c) and the host table (host.c). Public API: kiln_runtime.h ("the world"); plugin API: kiln.h. */
#ifndef KILN_WORLD_H
#define KILN_WORLD_H

#include "runtime_internal.h"

#define KILN_WORLD_SLOT "@world"      /* its slot's name: not a valid plugin name, so no plugin can take it */
#define KILN_SYSTEM_COMPONENTS 32
#define KILN_SYSTEM_ACCESS 32

/* A host copy of one kiln_component of a plugin's KILN_SYSTEM. */
typedef struct kiln_component_copy {
    char name[KILN_FIELD_NAME];
    uint32_t size, field_count, layout_hash;
    kiln_field_rec *fields;           /* malloc'd; NULL: no field table */
    uint8_t *defaults;                /* malloc'd, size bytes */
} kiln_component_copy;

/* A host copy of a plugin's KILN_SYSTEM (malloc'd; kept with the image). */
typedef struct kiln_system_copy {
    int32_t phase, order;
    uint32_t ncomps, nreads, nwrites;
    kiln_component_copy comps[KILN_SYSTEM_COMPONENTS];
    char reads[KILN_SYSTEM_ACCESS][KILN_FIELD_NAME], writes[KILN_SYSTEM_ACCESS][KILN_FIELD_NAME];
} kiln_system_copy;

/* Inside the guarded describe call: copies the image's kiln_system_desc, if it exports one, into *out
   (NULL if none). KILN_OK, or KILN_ERR_ABI with rt's error set. */
int32_t kiln__system_copy(kiln_runtime *rt, const char *plugin, void *lib, kiln_system_copy **out);
void kiln__system_free(kiln_system_copy *s);
/* SYSTEM_UPDATE for a plugin without KILN_SYSTEM. */
int32_t kiln__system_phase(const kiln_slot *s);

/* Loading (rt->lock held), for an image with a system: opens the world (first time), registers its components and
   migrates the ones whose layout changed. A copy of the world from before is kept: kiln__world_load_failed puts it
   back (the load failed after this), kiln__world_load_done keeps it with the image when something was migrated
   (a crash of that version rolls the world back to it). */
int32_t kiln__world_load(kiln_runtime *rt, kiln_slot *slot, kiln_image *img);
void kiln__world_load_failed(kiln_runtime *rt);
void kiln__world_load_done(kiln_runtime *rt, kiln_image *img);
void kiln__world_image_free(kiln_image *img);

/* Frame loop (rt->lock held): the world as it was before a system's turn, put back if the turn crashes. */
void kiln__world_turn_begin(kiln_runtime *rt, const kiln_slot *s);
/* The system crashed; `bad` is the version that crashed and `rolled_back` says whether its code was rolled back:
   the world goes back to the start of the turn, or to before `bad` migrated it. */
void kiln__world_turn_crashed(kiln_runtime *rt, const kiln_slot *s, kiln_image *bad, int rolled_back);
void kiln__world_turn_undo(kiln_runtime *rt, const kiln_slot *s); /* a redraw must not change it */
void kiln__world_frame_end(kiln_runtime *rt);
void kiln__world_free(kiln_runtime *rt);

/* host.c */
void kiln__world_host_init(kiln_host *h);
kiln_runtime *kiln__host_runtime(void);
kiln_slot *kiln__host_slot(void);

/* inspect.c: one element of a field table entry written from a kiln_state_value (kiln_state_write's core): checks,
   writes into block, fills *out and queues "<what>.<field>[i]: old → new (inspector)". KILN_OK or out->code. */
int32_t kiln__field_write(kiln_runtime *rt, const char *what, const kiln_field_rec *fields, uint32_t n, uint8_t *block,
                          const char *field, uint32_t index, const kiln_state_value *value, kiln_state_write_result *out);
/* state.c: n elements converted from type st at src to type dt at dst (clamped, as a state migration does). */
void kiln__convert_elems(uint8_t *dst, uint32_t dt, const uint8_t *src, uint32_t st, uint32_t n);

#endif
