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

#endif
