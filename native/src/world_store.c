/* world_store.c — sparse-set storage (EnTT style) of the world; see world.c for why sparse sets, and world_store.h
   for who keeps the memory. Each component has a dense array of rows (its data, and the entity index of each row)
   and a sparse array, per entity index, of row + 1. A query walks the smallest pool of its components backwards and
   checks the others' sparse arrays, so despawning the entity being visited is safe. */
#include <stdio.h>
#include <string.h>

#include "world_store.h"

#define ENTITIES_MAX (1u << 24)
#define ALIVE KILN_WORLD_ALIVE

static void *grow_array(const world_mem *m, void *old, size_t old_bytes, size_t new_bytes) {
    void *p = m->alloc(m->ctx, new_bytes); /* zeroed */
    if (!p) return NULL;
    if (old) { memcpy(p, old, old_bytes); m->free(m->ctx, old); }
    return p;
}

static int grow_entities(world_root *r, const world_mem *m) {
    uint32_t cap = r->cap ? r->cap * 2 : 256;
    if (cap > ENTITIES_MAX) return -1;
    uint32_t *gen = grow_array(m, r->gen, r->cap * 4u, cap * 4u);
    uint32_t *next = gen ? grow_array(m, r->next, r->cap * 4u, cap * 4u) : NULL;
    if (!next) return -1; /* a half-grown world is put back by the turn's copy; nothing here dangles */
    r->gen = gen; r->next = next;
    for (uint32_t c = 0; c < r->ncomps; c++) {
        world_comp *k = &r->comps[c];
        uint32_t *sp = grow_array(m, k->sparse, r->cap * 4u, cap * 4u);
        if (!sp) return -1;
        k->sparse = sp;
    }
    r->cap = cap;
    return 0;
}

static int grow_rows(world_comp *k, const world_mem *m) {
    uint32_t cap = k->cap ? k->cap * 2 : 64;
    uint8_t *data = grow_array(m, k->data, (size_t)k->cap * k->size, (size_t)cap * (k->size ? k->size : 1));
    uint32_t *dense = data ? grow_array(m, k->dense, k->cap * 4u, cap * 4u) : NULL;
    if (!dense) return -1;
    k->data = data; k->dense = dense; k->cap = cap;
    return 0;
}

int kiln__entity_index(const world_root *r, uint64_t e, uint32_t *index) {
    uint32_t i = (uint32_t)e, g = (uint32_t)(e >> 32);
    if (!r || e == 0 || i >= r->top || r->gen[i] != (g | ALIVE)) return 0;
    *index = i;
    return 1;
}

uint64_t kiln__entity_id(const world_root *r, uint32_t i) { return ((uint64_t)(r->gen[i] & ~ALIVE) << 32) | i; }

uint64_t kiln__entity_spawn(world_root *r, const world_mem *m) {
    uint32_t i;
    if (r->free_head) {
        i = r->free_head - 1;
        r->free_head = r->next[i];
    } else {
        if (r->top == r->cap && grow_entities(r, m) != 0) return 0;
        i = r->top++;
        r->gen[i] = 1;
    }
    r->gen[i] |= ALIVE;
    r->alive++;
    return kiln__entity_id(r, i);
}

static void row_remove(world_comp *k, uint32_t i) {
    uint32_t row = k->sparse[i] - 1, last = k->count - 1;
    if (row != last) {
        memcpy(k->data + (size_t)row * k->size, k->data + (size_t)last * k->size, k->size);
        k->dense[row] = k->dense[last];
        k->sparse[k->dense[row]] = row + 1;
    }
    k->sparse[i] = 0;
    k->count--;
}

int32_t kiln__entity_despawn(world_root *r, uint64_t e) {
    uint32_t i;
    if (!kiln__entity_index(r, e, &i)) return KILN_ERR_NOT_FOUND;
    for (uint32_t c = 0; c < r->ncomps; c++) if (r->comps[c].sparse[i]) row_remove(&r->comps[c], i);
    uint32_t g = (r->gen[i] & ~ALIVE) + 1;
    r->gen[i] = g & ~ALIVE ? g & ~ALIVE : 1; /* a stale id never matches the index's next entity */
    r->next[i] = r->free_head;
    r->free_head = i + 1;
    r->alive--;
    return KILN_OK;
}

void *kiln__component_add(world_root *r, const world_mem *m, uint64_t e, int32_t c) {
    uint32_t i;
    if (!kiln__entity_index(r, e, &i) || c < 0 || (uint32_t)c >= r->ncomps) return NULL;
    world_comp *k = &r->comps[c];
    if (k->sparse[i]) return k->data + (size_t)(k->sparse[i] - 1) * k->size;
    if (k->count == k->cap && grow_rows(k, m) != 0) return NULL;
    uint32_t row = k->count++;
    k->dense[row] = i;
    k->sparse[i] = row + 1;
    uint8_t *p = k->data + (size_t)row * k->size;
    memcpy(p, k->defaults, k->size);
    return p;
}

void *kiln__component_get(world_root *r, uint64_t e, int32_t c) {
    uint32_t i;
    if (!kiln__entity_index(r, e, &i) || c < 0 || (uint32_t)c >= r->ncomps) return NULL;
    world_comp *k = &r->comps[c];
    return k->sparse[i] ? k->data + (size_t)(k->sparse[i] - 1) * k->size : NULL;
}

int32_t kiln__component_remove(world_root *r, uint64_t e, int32_t c) {
    uint32_t i;
    if (!kiln__entity_index(r, e, &i) || c < 0 || (uint32_t)c >= r->ncomps) return KILN_ERR_NOT_FOUND;
    if (!r->comps[c].sparse[i]) return KILN_ERR_NOT_FOUND;
    row_remove(&r->comps[c], i);
    return KILN_OK;
}

int32_t kiln__component_find(const world_root *r, const char *name) {
    if (!r || !name) return -1;
    for (uint32_t c = 0; c < r->ncomps; c++) if (strncmp(r->comps[c].name, name, KILN_FIELD_NAME) == 0) return (int32_t)c;
    return -1;
}

world_comp *kiln__component_create(world_root *r, const world_mem *m, const char *name) {
    if (r->ncomps == KILN_WORLD_COMPONENTS) return NULL;
    world_comp *k = &r->comps[r->ncomps];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    if (r->cap && !(k->sparse = m->alloc(m->ctx, r->cap * 4u))) return NULL;
    r->ncomps++;
    return k;
}

int32_t kiln__query_next(world_root *r, kiln_query *q) {
    if (!r || !q || q->count == 0 || q->count > KILN_QUERY_MAX) return 0;
    if (!q->started_) {
        q->started_ = 1;
        uint32_t best = 0, best_count = UINT32_MAX;
        for (uint32_t k = 0; k < q->count; k++) {
            int32_t c = q->comps[k];
            if (c < 0 || (uint32_t)c >= r->ncomps) { q->cursor_ = 0; return 0; }
            if (r->comps[c].count < best_count) { best_count = r->comps[c].count; best = k; }
        }
        q->driver_ = best;
        q->cursor_ = best_count;
    }
    const world_comp *d = &r->comps[q->comps[q->driver_]];
    if (q->cursor_ > d->count) q->cursor_ = d->count; /* rows removed while iterating */
    while (q->cursor_ > 0) {
        uint32_t i = d->dense[--q->cursor_];
        uint32_t k = 0;
        for (; k < q->count; k++) {
            const world_comp *c = &r->comps[q->comps[k]];
            uint32_t row = c->sparse[i];
            if (!row) break;
            q->data[k] = c->data + (size_t)(row - 1) * c->size;
        }
        if (k == q->count) {
            q->entity = kiln__entity_id(r, i);
            return 1;
        }
    }
    q->entity = 0;
    return 0;
}
