/* commit.h — crash-consistent state: per-frame commits of each plugin's state block and alloc() arena, and the
   pre-swap checkpoints a rollback after a runner death starts from. Internal; see kiln_runtime.h
   ("commits and checkpoints") for the contract. Called by runtime.c with rt->lock held. */
#ifndef KILN_COMMIT_H
#define KILN_COMMIT_H

#include "runtime_internal.h"

/* Every callback of `slot` in this frame returned: its state block and arena are now the committed frame. */
void kiln__commit_frame(kiln_runtime *rt, kiln_slot *slot);
/* Just before the swap to `incoming_version`: keep the committed state as that version's checkpoint. */
void kiln__checkpoint_pin(kiln_runtime *rt, kiln_slot *slot, int32_t incoming_version);
/* Called when a slot is freed (kiln_destroy): releases what commit.c holds for it (the files stay). */
void kiln__commit_close(kiln_slot *slot);

/* --- used by state.c ------------------------------------------------------------------------------------------ */
#define KILN_CHECKPOINTS 4      /* newest pre-swap checkpoints kept per plugin */

/* A committed frame (or a checkpoint) as stored: pointers into the slot's mapped commit files, valid until the
   next commit / pin / close of that slot. */
typedef struct kiln_commit_image {
    const uint8_t *state;
    uint32_t state_size, state_version;
    const kiln_field_rec *fields;     /* NULL when the plugin had no field table */
    uint32_t field_count, layout_hash;
    const uint8_t *arena;             /* the arena's used bytes (header + blocks), NULL if it had none */
    uint64_t arena_bytes;
    int32_t plugin_version;           /* the version that produced it (0: the state as loaded, before a frame) */
    uint64_t seq;                     /* commit number */
} kiln_commit_image;

/* checkpoint_of == 0: the last committed frame; > 0: the checkpoint pinned just before that version was
   swapped in. 1: found (*out filled); 0: none (why says why when a store exists but was unusable, else ""). */
int kiln__commit_find(kiln_runtime *rt, kiln_slot *slot, int32_t checkpoint_of, kiln_commit_image *out, char *why,
                      size_t why_len);
/* Commits the slot's current block now, outside a frame (after a load that built it from disk). */
void kiln__commit_now(kiln_runtime *rt, kiln_slot *slot, int32_t plugin_version);
/* Nanoseconds the last commit of this slot took (0 if none), and whether commits are spaced out (big arena). */
uint64_t kiln__commit_last_ns(const kiln_slot *slot);

/* arena.c: makes the arena file hold exactly `bytes` (a committed image: header + blocks) mapped at the address
   recorded in it, reusing *a when it is mapped there. KILN_ARENA_OPENED, KILN_ARENA_MOVED (that address is taken
   in this process: *a stays NULL), or -1 (the image is damaged; why says so). */
int kiln__arena_load(kiln_arena **a, const char *path, const void *bytes, uint64_t len, char *why, size_t why_len);

/* state.c: checks field records read from disk (names terminated, types known, inside state_size, no
   duplicates). 0, or -1 with why filled. */
int kiln__fields_check(const kiln_field_rec *f, uint32_t n, uint32_t state_size, char *why, size_t why_len);

#endif
