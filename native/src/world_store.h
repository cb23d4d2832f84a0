/* world_store.h — the world's storage (sparse sets) with no runtime around it: entities, components and queries over
   a world_root whose arrays come from a world_mem. libkiln's world.c keeps it in a slot's arena (commits, rollback,
   migration); the web export's host (native/web/host_web.c) keeps it in the page's heap. Same code, same entity ids,
   the same query order, so a game's frames repeat in both. */
#ifndef KILN_WORLD_STORE_H
#define KILN_WORLD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln_runtime.h" /* KILN_OK, KILN_ERR_NOT_FOUND */

#define KILN_NAME_MAX 64
#define KILN_FIELD_NAME 48
#define KILN_WORLD_COMPONENTS 64
#define KILN_WORLD_MAGIC "KILNWRLD"
#define KILN_WORLD_FORMAT 1u

/* A state field as stored in the state file after the state bytes (and copied from the plugin's table). */
typedef struct kiln_field_rec {
    char name[KILN_FIELD_NAME];
    uint32_t type, offset, count, reserved;
} kiln_field_rec;

/* The layout below is the world's file format (KILN_WORLD_FORMAT): change it only with a new format number. */
typedef struct world_comp {
    char name[KILN_FIELD_NAME];
    char owner[KILN_NAME_MAX];
    uint32_t size, field_count, layout_hash, count, cap, reserved;
    kiln_field_rec *fields;   /* NULL on the web */
    uint8_t *defaults;        /* size bytes */
    uint32_t *dense;          /* entity index of each row */
    uint8_t *data;            /* cap rows of size bytes */
    uint32_t *sparse;         /* per entity index, row + 1 (0: none); root->cap entries */
} world_comp;

typedef struct world_root {
    char magic[8];
    uint32_t format, ncomps;
    uint32_t alive, cap, top, free_head; /* top: indices ever used; free list of dead indices through next[] (+1) */
    uint32_t *gen;            /* generation | KILN_WORLD_ALIVE */
    uint32_t *next;
    world_comp comps[KILN_WORLD_COMPONENTS];
} world_root;

#define KILN_WORLD_ALIVE 0x80000000u

/* Where the arrays live: alloc returns zeroed bytes or NULL (full); free takes what alloc gave. */
typedef struct world_mem {
    void *(*alloc)(void *ctx, size_t bytes);
    void (*free)(void *ctx, void *p);
    void *ctx;
} world_mem;

/* 1 with *index set when e is a live entity of r. */
int kiln__entity_index(const world_root *r, uint64_t e, uint32_t *index);
uint64_t kiln__entity_id(const world_root *r, uint32_t index);
uint64_t kiln__entity_spawn(world_root *r, const world_mem *m);          /* 0: full */
int32_t kiln__entity_despawn(world_root *r, uint64_t e);                 /* KILN_OK / KILN_ERR_NOT_FOUND */
void *kiln__component_add(world_root *r, const world_mem *m, uint64_t e, int32_t c); /* the defaults; NULL: stale */
void *kiln__component_get(world_root *r, uint64_t e, int32_t c);
int32_t kiln__component_remove(world_root *r, uint64_t e, int32_t c);
int32_t kiln__component_find(const world_root *r, const char *name);    /* -1: none */
/* A new, empty component called name (its size and defaults are the caller's to set); NULL when the world holds
   KILN_WORLD_COMPONENTS already or memory ran out. */
world_comp *kiln__component_create(world_root *r, const world_mem *m, const char *name);
int32_t kiln__query_next(world_root *r, kiln_query *q);

#endif
