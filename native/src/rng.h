/* rng.h — the host PRNG behind random(): one definition for libkiln (host.c) and the web export's host
   (native/web/host_web.c), so a seed gives the same numbers in the editor, the standalone program and the browser. */
#ifndef KILN_RNG_H
#define KILN_RNG_H

#include <stdint.h>

/* The seed a runtime starts with, and what a seed of 0 (a dead state for xorshift) is replaced by. */
#define KILN_RNG_DEFAULT_SEED 0x2545F491u

static inline uint32_t kiln_rng_seed(uint32_t seed) { return seed ? seed : KILN_RNG_DEFAULT_SEED; }

/* xorshift32: advances *state and returns the new value. */
static inline uint32_t kiln_rng_next(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    *state = x;
    return x;
}

#endif
