/* noop_plugin.c — a plugin whose callbacks do nothing: what a guarded libkiln call costs by itself. */
#include "kiln.h"
static void update(void *state, float dt) { (void)state; (void)dt; }
static void draw(void *state) { (void)state; }
KILN_PLUGIN(.name = "noop", .state_size = 16, .state_version = 1, .update = update, .draw = draw)
