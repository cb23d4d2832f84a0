/* frame_ops.c — kiln_frame_ops (kiln_runtime.h): a frame as changes to the one before, the ops of the editor's
   frame stream (electron/shared/frame-codec.ts, whose encodeFrameOps this is, op for op). The runner encodes every
   frame it sends: in JavaScript that was 0.3-0.5 ms a frame for pong on the 2-core VM, on the game's own thread and
   on the path of a reload's first frame (docs/BENCHMARK.md, session 34). */
#include "kiln_runtime.h"

#include <string.h>

#define KIND_RUN 0x40000000u
#define KIND_LIT 0x80000000u
#define MAX_COUNT 0x3fffffff

/* Pixels from i on that equal the reference (compared 2 at a time while both do). */
static int32_t same_from(const uint32_t *ref, const uint32_t *cur, int32_t i, int32_t n) {
    int32_t j = i;
    while (j + 2 <= n) {
        uint64_t a, b;
        memcpy(&a, cur + j, 8);
        memcpy(&b, ref + j, 8);
        if (a != b) break;
        j += 2;
    }
    while (j < n && cur[j] == ref[j]) j++;
    return j - i;
}

static int32_t run_from(const uint32_t *cur, int32_t i, int32_t n) {
    uint32_t c = cur[i];
    int32_t j = i + 1;
    while (j < n && cur[j] == c) j++;
    return j - i;
}

static int32_t flush_literal(const uint32_t *cur, int32_t lit, int32_t end, uint32_t *out, int32_t w) {
    out[w++] = KIND_LIT | (uint32_t)(end - lit);
    memcpy(out + w, cur + lit, (size_t)(end - lit) * sizeof *cur);
    return w + (end - lit);
}

int32_t kiln_frame_ops(const uint32_t *ref, const uint32_t *cur, int32_t n, uint32_t *out, int32_t cap) {
    if (!cur || !out || n < 1 || n > MAX_COUNT || cap < n + 2) return KILN_ERR_INVALID;
    int32_t i = 0, w = 0, lit = -1;
    while (i < n) {
        int32_t same = ref ? same_from(ref, cur, i, n) : 0;
        int32_t run = run_from(cur, i, n);
        if ((same >= 2 && same >= run) || run >= 3) {
            if (lit >= 0) {
                w = flush_literal(cur, lit, i, out, w);
                lit = -1;
            }
            if (same >= 2 && same >= run) {
                out[w++] = (uint32_t)same;
                i += same;
            } else {
                out[w++] = KIND_RUN | (uint32_t)run;
                out[w++] = cur[i];
                i += run;
            }
        } else {
            if (lit < 0) lit = i;
            i++;
        }
    }
    if (lit >= 0) w = flush_literal(cur, lit, n, out, w);
    return w;
}
