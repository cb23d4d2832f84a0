/* commit.c — per-frame commits and pre-swap checkpoints (see commit.h). */
#include "commit.h"

void kiln__commit_frame(kiln_runtime *rt, kiln_slot *slot) { (void)rt; (void)slot; }
void kiln__checkpoint_pin(kiln_runtime *rt, kiln_slot *slot, int32_t incoming_version) { (void)rt; (void)slot; (void)incoming_version; }
void kiln__commit_close(kiln_slot *slot) { (void)slot; }
