/* arena.c — host-owned memory for kiln_host.alloc/free: a file state/<plugin>.heap mapped MAP_SHARED at a fixed
   address, so a pointer kept in the state block stays valid across reloads, crash rollbacks and (when that
   address is free in the new process, the normal case) runner restarts.

   Layout: a 64-byte header, then blocks [16-byte block header | payload], each 16-byte aligned. Every offset is
   relative to the mapping, so the file is position independent; only the plugin's pointers need the address.
   First fit over the blocks, neighbours coalesced on free, the top lowered when the last block is freed.

   Transactions make a guarded call atomic with respect to the arena: frees are deferred to the end of the call;
   if the call crashes, its allocations are released and its frees dropped, so the state block restored to the
   start of the frame never points at memory the crashed call freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

#define ARENA_MAGIC "KILNHEAP"
#define ARENA_FIRST 64u
#define BLOCK_MAGIC 0x4b424c4bu /* "KBLK" */
#define BLOCK_FREE 1ull

typedef struct arena_header {
    char magic[8];
    uint32_t header_size, version;
    uint64_t base;        /* address it was mapped at */
    uint64_t size;        /* mapping size */
    uint64_t top;         /* offset of the first byte past the last block */
    uint64_t live_bytes, live_count;
    uint64_t reserved;
} arena_header;

typedef struct block_header {
    uint32_t magic;
    uint32_t prev16;      /* size of the previous block / 16, 0 for the first */
    uint64_t size;        /* whole block incl. this header, multiple of 16; bit 0: free */
} block_header;

_Static_assert(sizeof(arena_header) <= ARENA_FIRST, "arena header");
_Static_assert(sizeof(block_header) == 16, "block header");

static arena_header *hdr(kiln_arena *a) { return (arena_header *)a->map.base; }
static block_header *blk(kiln_arena *a, uint64_t off) { return (block_header *)((uint8_t *)a->map.base + off); }
static uint64_t bsize(const block_header *b) { return b->size & ~BLOCK_FREE; }

static void arena_format(kiln_arena *a) {
    arena_header *h = hdr(a);
    memset(h, 0, ARENA_FIRST);
    memcpy(h->magic, ARENA_MAGIC, 8);
    h->header_size = ARENA_FIRST;
    h->version = 1;
    h->base = (uint64_t)(uintptr_t)a->map.base;
    h->size = a->map.size;
    h->top = ARENA_FIRST;
}

static int arena_valid(kiln_arena *a) {
    arena_header *h = hdr(a);
    return memcmp(h->magic, ARENA_MAGIC, 8) == 0 && h->header_size == ARENA_FIRST && h->size == a->map.size &&
           h->top >= ARENA_FIRST && h->top <= h->size && (h->top & 15) == 0;
}

int kiln__arena_open(const char *path, int create, kiln_arena **out, char *why, size_t why_len) {
    *out = NULL;
    int exists = kiln_plat_exists(path);
    if (!exists && !create) return KILN_ARENA_NONE;
    kiln_arena *a = calloc(1, sizeof *a);
    if (!a) { snprintf(why, why_len, "out of memory"); return -1; }
    snprintf(a->path, sizeof a->path, "%s", path);
    pthread_mutex_init(&a->m, NULL);
    char err[KILN_PLAT_ERR];
    int result = KILN_ARENA_OPENED;
    if (exists) {
        /* read the recorded address first, then map there */
        kiln_plat_map probe;
        uint64_t want = 0, live = 0;
        if (kiln_plat_map_file(path, &probe, err) == 0) {
            if (probe.size >= sizeof(arena_header) && memcmp(probe.base, ARENA_MAGIC, 8) == 0) {
                const arena_header *ph = probe.base;
                want = ph->base;
                live = ph->live_count;
            }
            kiln_plat_unmap(&probe);
        }
        if (want && kiln_plat_map_file_at(path, KILN_ARENA_SIZE, (void *)(uintptr_t)want, &a->map, err) == 0 &&
            arena_valid(a))
            goto done;
        if (a->map.base) kiln_plat_unmap(&a->map);
        if (live) result = KILN_ARENA_MOVED; /* live blocks, but their pointers would be wrong now */
        kiln_plat_remove(path);
    }
    if (kiln_plat_map_file_at(path, KILN_ARENA_SIZE, NULL, &a->map, err) != 0) {
        snprintf(why, why_len, "cannot map %s (%s)", path, err);
        pthread_mutex_destroy(&a->m);
        free(a);
        return -1;
    }
    arena_format(a);
done:
    *out = a;
    return result;
}

void kiln__arena_close(kiln_arena *a) {
    if (!a) return;
    kiln_plat_unmap(&a->map);
    pthread_mutex_destroy(&a->m);
    free(a->txn_allocs);
    free(a->txn_frees);
    free(a);
}

static int push(uint64_t **arr, int *n, int *cap, uint64_t v) {
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        uint64_t *p = realloc(*arr, (size_t)nc * sizeof *p);
        if (!p) return -1;
        *arr = p; *cap = nc;
    }
    (*arr)[(*n)++] = v;
    return 0;
}

/* Block offset of a payload pointer, or 0 if p is not a live block of this arena. */
static uint64_t block_of(kiln_arena *a, const void *p) {
    uintptr_t base = (uintptr_t)a->map.base, q = (uintptr_t)p;
    if (q < base + ARENA_FIRST + 16 || q >= base + hdr(a)->top || ((q - base) & 15)) return 0;
    uint64_t off = q - base - 16;
    block_header *b = blk(a, off);
    if (b->magic != BLOCK_MAGIC || (b->size & BLOCK_FREE) || bsize(b) < 32 || off + bsize(b) > hdr(a)->top) return 0;
    return off;
}

static void set_prev_of_next(kiln_arena *a, uint64_t off) {
    uint64_t next = off + bsize(blk(a, off));
    if (next < hdr(a)->top) blk(a, next)->prev16 = (uint32_t)(bsize(blk(a, off)) / 16);
}

static void release(kiln_arena *a, uint64_t off) {
    arena_header *h = hdr(a);
    block_header *b = blk(a, off);
    h->live_bytes -= bsize(b);
    h->live_count--;
    b->size |= BLOCK_FREE;
    uint64_t next = off + bsize(b);
    if (next < h->top && (blk(a, next)->size & BLOCK_FREE)) { /* merge the next one in */
        b->size = (bsize(b) + bsize(blk(a, next))) | BLOCK_FREE;
        blk(a, next)->magic = 0;
    }
    if (b->prev16) {
        uint64_t prev = off - (uint64_t)b->prev16 * 16;
        if (blk(a, prev)->size & BLOCK_FREE) {
            blk(a, prev)->size = (bsize(blk(a, prev)) + bsize(b)) | BLOCK_FREE;
            b->magic = 0;
            off = prev;
            b = blk(a, off);
        }
    }
    if (off + bsize(b) == h->top) { h->top = off; b->magic = 0; }
    else set_prev_of_next(a, off);
}

void *kiln__arena_alloc(kiln_arena *a, size_t n) {
    if (n == 0) n = 1;
    if (n > KILN_ARENA_SIZE) return NULL;
    uint64_t need = ((uint64_t)n + 15 + 16) & ~15ull;
    kiln_plat_defer_begin();
    pthread_mutex_lock(&a->m);
    arena_header *h = hdr(a);
    uint64_t found = 0;
    for (uint64_t off = ARENA_FIRST; off < h->top; off += bsize(blk(a, off))) {
        block_header *b = blk(a, off);
        if ((b->size & BLOCK_FREE) && bsize(b) >= need) { found = off; break; }
    }
    if (found) {
        block_header *b = blk(a, found);
        uint64_t have = bsize(b);
        if (have - need >= 32) { /* split: the rest stays free */
            block_header *rest = blk(a, found + need);
            rest->magic = BLOCK_MAGIC;
            rest->prev16 = (uint32_t)(need / 16);
            rest->size = (have - need) | BLOCK_FREE;
            b->size = need;
            set_prev_of_next(a, found + need);
        } else {
            b->size = have;
        }
    } else if (h->top + need <= h->size) {
        found = h->top;
        block_header *b = blk(a, found);
        b->magic = BLOCK_MAGIC;
        b->size = need;
        b->prev16 = 0;
        if (found > ARENA_FIRST) {
            /* find the size of the last block: walk (rare path: only when growing the top) */
            uint64_t last = ARENA_FIRST;
            while (last + bsize(blk(a, last)) < found) last += bsize(blk(a, last));
            b->prev16 = (uint32_t)(bsize(blk(a, last)) / 16);
        }
        h->top += need;
    }
    void *p = NULL;
    if (found) {
        block_header *b = blk(a, found);
        h->live_bytes += bsize(b);
        h->live_count++;
        p = (uint8_t *)b + 16;
        memset(p, 0, bsize(b) - 16);
        if (a->in_txn && push(&a->txn_allocs, &a->n_allocs, &a->cap_allocs, found) != 0) { release(a, found); p = NULL; }
    }
    pthread_mutex_unlock(&a->m);
    kiln_plat_defer_end();
    return p;
}

int kiln__arena_free(kiln_arena *a, void *p) {
    if (!p) return 0;
    kiln_plat_defer_begin();
    pthread_mutex_lock(&a->m);
    uint64_t off = block_of(a, p);
    int rc = off ? 0 : -1;
    if (off) {
        if (a->in_txn) {
            for (int i = 0; i < a->n_frees; i++) if (a->txn_frees[i] == off) { rc = -1; break; } /* double free */
            if (rc == 0 && push(&a->txn_frees, &a->n_frees, &a->cap_frees, off) != 0) release(a, off);
        } else {
            release(a, off);
        }
    }
    pthread_mutex_unlock(&a->m);
    kiln_plat_defer_end();
    return rc;
}

void kiln__arena_begin(kiln_arena *a) {
    pthread_mutex_lock(&a->m);
    a->in_txn = 1;
    a->n_allocs = a->n_frees = 0;
    pthread_mutex_unlock(&a->m);
}

static int in_list(const uint64_t *v, int n, uint64_t x) {
    for (int i = 0; i < n; i++) if (v[i] == x) return 1;
    return 0;
}

void kiln__arena_end(kiln_arena *a, int outcome) {
    pthread_mutex_lock(&a->m);
    if (a->in_txn) {
        if (outcome == KILN_TXN_ABORT) {
            for (int i = 0; i < a->n_allocs; i++) release(a, a->txn_allocs[i]);
        } else {
            for (int i = 0; i < a->n_frees; i++) if (block_of(a, (uint8_t *)a->map.base + a->txn_frees[i] + 16)) release(a, a->txn_frees[i]);
            if (outcome == KILN_TXN_KEEP_ONLY_NEW) {
                /* the state was replaced: everything the new state cannot know about goes */
                uint64_t off = ARENA_FIRST;
                while (off < hdr(a)->top) {
                    block_header *b = blk(a, off);
                    uint64_t next = off + bsize(b);
                    if (!(b->size & BLOCK_FREE) && !in_list(a->txn_allocs, a->n_allocs, off)) {
                        release(a, off);
                        /* release may have merged this block backwards or lowered the top: restart safely */
                        off = ARENA_FIRST;
                        continue;
                    }
                    off = next;
                }
            }
        }
        a->in_txn = 0;
        a->n_allocs = a->n_frees = 0;
    }
    pthread_mutex_unlock(&a->m);
}

uint64_t kiln__arena_used(kiln_arena *a) { return a ? hdr(a)->top : 0; }
uint64_t kiln__arena_live(kiln_arena *a) { return a ? hdr(a)->live_count : 0; }
const void *kiln__arena_base(kiln_arena *a) { return a->map.base; }

int kiln__arena_restore(kiln_arena *a, const void *bytes, uint64_t len) {
    if (len < ARENA_FIRST || len > a->map.size) return -1;
    const arena_header *h = bytes;
    if (memcmp(h->magic, ARENA_MAGIC, 8) != 0 || h->base != (uint64_t)(uintptr_t)a->map.base || h->top != len) return -1;
    pthread_mutex_lock(&a->m);
    memcpy(a->map.base, bytes, (size_t)len);
    pthread_mutex_unlock(&a->m);
    return 0;
}

/* Walks the blocks of an arena image: every header in place, sizes in range, back links and live counts agree
   (a damaged image is refused rather than walked later by alloc/free). */
static int chain_valid(const uint8_t *base, const arena_header *h) {
    uint64_t off = ARENA_FIRST, prev = 0, live = 0, live_bytes = 0;
    while (off < h->top) {
        if (h->top - off < 32) return 0;
        block_header b;
        memcpy(&b, base + off, sizeof b);
        uint64_t sz = b.size & ~BLOCK_FREE;
        if (b.magic != BLOCK_MAGIC || sz < 32 || (sz & 15) || sz > h->top - off || (uint64_t)b.prev16 * 16 != prev) return 0;
        if (!(b.size & BLOCK_FREE)) live++, live_bytes += sz;
        prev = sz;
        off += sz;
    }
    return off == h->top && live == h->live_count && live_bytes == h->live_bytes;
}

int kiln__arena_load(kiln_arena **pa, const char *path, const void *bytes, uint64_t len, char *why, size_t why_len) {
    arena_header h;
    if (len < ARENA_FIRST || len > KILN_ARENA_SIZE) { snprintf(why, why_len, "the saved arena has a bad size"); return -1; }
    memcpy(&h, bytes, sizeof h);
    if (memcmp(h.magic, ARENA_MAGIC, 8) != 0 || h.header_size != ARENA_FIRST || h.size != KILN_ARENA_SIZE ||
        h.top != len || (h.top & 15) || !h.base || (h.base & 4095)) {
        snprintf(why, why_len, "the saved arena is not a Kiln arena image");
        return -1;
    }
    if (!chain_valid(bytes, &h)) { snprintf(why, why_len, "the saved arena's block list is damaged"); return -1; }
    kiln_arena *a = *pa;
    if (a && (uint64_t)(uintptr_t)a->map.base != h.base) { kiln__arena_close(a); *pa = a = NULL; }
    if (!a) {
        a = calloc(1, sizeof *a);
        if (!a) { snprintf(why, why_len, "out of memory"); return -1; }
        snprintf(a->path, sizeof a->path, "%s", path);
        char err[KILN_PLAT_ERR];
        if (kiln_plat_map_file_at(path, KILN_ARENA_SIZE, (void *)(uintptr_t)h.base, &a->map, err) != 0) {
            free(a);
            /* the saved image is authoritative, so the live file (whatever a dead runner left) can go */
            kiln_plat_remove(path);
            snprintf(why, why_len, "%s", err);
            return KILN_ARENA_MOVED;
        }
        pthread_mutex_init(&a->m, NULL);
        *pa = a;
    }
    /* bytes past the top are stale but never read: alloc() zeroes every block it hands out */
    return kiln__arena_restore(a, bytes, len) == 0 ? KILN_ARENA_OPENED : -1;
}

void kiln__arena_wipe(kiln_arena *a) {
    pthread_mutex_lock(&a->m);
    arena_format(a);
    pthread_mutex_unlock(&a->m);
}
