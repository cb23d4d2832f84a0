/* test_features.c — included by test_runtime.c (shares its helpers). The runtime beyond the first pass: input and
   blit, snapshots for loop recording, the watchdog, the host arena, migration by field table, truncated images,
   several plugins, SIGILL/SIGBUS. Every plugin here is compiled during the test (compile_plugin). */

/* --- input, blit ------------------------------------------------------------------------------------------------ */
enum { I_MX, I_MY, I_LDOWN, I_LPRESS, I_LREL, I_RDOWN, I_WREL, I_FRAMES };

static void test_mouse_and_key_release_input(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "input", compile_plugin("input", "input.c", "")), 1);
    kiln_set_mouse(rt, 40, 50, MOUSE_LEFT);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "input", I_MX), 40);
    CHECK_EQ(state_field(wd, "input", I_MY), 50);
    CHECK_EQ(state_field(wd, "input", I_LDOWN), 1);
    CHECK_EQ(state_field(wd, "input", I_LPRESS), 1);
    CHECK_EQ(state_field(wd, "input", I_RDOWN), 0);
    kiln_set_mouse(rt, -5, 500, MOUSE_LEFT | MOUSE_RIGHT); /* outside the screen: reported as is */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "input", I_MX), -5);
    CHECK_EQ(state_field(wd, "input", I_MY), 500);
    CHECK_EQ(state_field(wd, "input", I_LPRESS), 1); /* held, not pressed again */
    CHECK_EQ(state_field(wd, "input", I_RDOWN), 1);
    kiln_set_mouse(rt, 0, 0, 0);
    kiln_set_mouse(rt, 0, 0, MOUSE_LEFT); /* a click between two frames: released and pressed again */
    kiln_set_mouse(rt, 0, 0, 0);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "input", I_LPRESS), 2);
    CHECK_EQ(state_field(wd, "input", I_LREL), 1);
    CHECK_EQ(state_field(wd, "input", I_LDOWN), 0);
    kiln_set_key(rt, 'W', 1);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "input", I_WREL), 0);
    kiln_set_key(rt, 'W', 0);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "input", I_WREL), 1);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "input", I_WREL), 1); /* only on the frame after the release */
    kiln_destroy(rt);
}

static void test_blit_draws_clipped_blended_image(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "input", compile_plugin("input", "input.c", "")), 1);
    kiln_frame(rt, 1.0 / 60);
    pixel(rt, 0, 0);
    CHECK_EQ(px(10, 10), 0xFF0000FF);
    CHECK_EQ(px(11, 10), 0x00FF00FF);
    CHECK_EQ(px(12, 10), 0x0000FFFF);
    CHECK_EQ(px(10, 11), 0xFFFFFFFF);
    uint32_t half = px(11, 11); /* 0xFFFFFF80 over black */
    CHECK((half >> 24) >= 0x7E && (half >> 24) <= 0x81 && (half & 0xFF) == 0xFF);
    CHECK_EQ(px(12, 11), 0x000000FF); /* fully transparent pixel leaves black */
    CHECK_EQ(px(13, 10), 0x000000FF);
    half = px(0, 0);                 /* image at (-1,-1): its pixel (1,1), the half-transparent one, lands on (0,0) */
    CHECK((half >> 24) >= 0x7E && (half >> 24) <= 0x81 && (half & 0xFF) == 0xFF);
    CHECK_EQ(px(1, 0), 0x000000FF);  /* its (2,1) is transparent */
    CHECK_EQ(px(318, 179), 0xFF0000FF); /* image at (318,179): only its top row's first two pixels */
    CHECK_EQ(px(319, 179), 0x00FF00FF);
    kiln_destroy(rt);
}

static void test_plugin_built_on_old_header_still_works(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    char flags[600];
    snprintf(flags, sizeof flags, "-I%s/old_header", getenv("KILN_TEST_SRC") ? getenv("KILN_TEST_SRC") : "tests/fixtures");
    /* -I order: old_header first, so this plugin sees the short host table */
    const char *so = compile_plugin("old_host", "old_host.c", flags);
    CHECK_EQ(kiln_load_plugin(rt, "old", so), 1);
    for (int i = 0; i < 3; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 2, 2), 0xABCDEFFF);
    CHECK_EQ(px(100, 100), 0x123456FF);
    CHECK_EQ(state_field(wd, "old", 0), 3);
    kiln_destroy(rt);
}

/* --- snapshots ------------------------------------------------------------------------------------------------------ */
static uint64_t fb_hash(kiln_runtime *rt) {
    kiln_copy_framebuffer(rt, fbuf, sizeof fbuf);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof fbuf; i++) { h ^= fbuf[i]; h *= 1099511628211ull; }
    return h;
}

static void test_snapshot_restore_replays_exactly(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "pong", fixture("pong")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "input", compile_plugin("input", "input.c", "")), 1);
    for (int i = 0; i < 30; i++) kiln_frame(rt, 1.0 / 60);
    kiln_set_key(rt, 'W', 1);
    int32_t need = kiln_snapshot(rt, NULL, 0);
    CHECK(need < -1000);
    uint8_t *snap = malloc((size_t)-need);
    CHECK_EQ(kiln_snapshot(rt, snap, -need - 1), need); /* too small: the size again */
    CHECK_EQ(kiln_snapshot(rt, snap, -need), -need);
    /* record: 200 frames of scripted input */
    uint64_t hash1 = 0;
    int32_t st1[8], in1[8];
    for (int f = 0; f < 200; f++) {
        if (f == 20) kiln_set_key(rt, 'W', 0);
        if (f == 40) kiln_set_key(rt, 'S', 1);
        if (f == 70) kiln_set_mouse(rt, f, f / 2, MOUSE_LEFT);
        kiln_frame(rt, 1.0 / 60);
    }
    hash1 = fb_hash(rt);
    read_state(wd, "pong", st1, 8, NULL, NULL);
    read_state(wd, "input", in1, 8, NULL, NULL);
    double t1 = kiln_time(rt);
    uint64_t frames1 = kiln_frame_count(rt);
    /* restore + replay twice: identical every time */
    for (int rep = 0; rep < 2; rep++) {
        kiln_set_key(rt, 'S', 0);
        kiln_set_mouse(rt, 0, 0, 0);
        CHECK_EQ(kiln_restore(rt, snap, -need), KILN_OK);
        CHECK_EQ(kiln_frame_count(rt), 30);
        for (int f = 0; f < 200; f++) {
            if (f == 20) kiln_set_key(rt, 'W', 0);
            if (f == 40) kiln_set_key(rt, 'S', 1);
            if (f == 70) kiln_set_mouse(rt, f, f / 2, MOUSE_LEFT);
            kiln_frame(rt, 1.0 / 60);
        }
        int32_t st2[8], in2[8];
        read_state(wd, "pong", st2, 8, NULL, NULL);
        read_state(wd, "input", in2, 8, NULL, NULL);
        CHECK(memcmp(st1, st2, sizeof st1) == 0); /* ball, paddles, score, PRNG-driven AI aim */
        CHECK(memcmp(in1, in2, sizeof in1) == 0);
        CHECK_EQ(fb_hash(rt), hash1);
        CHECK(kiln_time(rt) == t1);
        CHECK_EQ(kiln_frame_count(rt), frames1);
    }
    CHECK_EQ(in1[I_LPRESS], 1);
    free(snap);
    kiln_destroy(rt);
}

static void test_snapshot_restore_checks_layouts(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    static uint8_t snap[1 << 16];
    int32_t n = kiln_snapshot(rt, snap, sizeof snap);
    CHECK(n > 0);
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    /* a code edit with the same layout: the loop keeps replaying */
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v2")), 2);
    CHECK_EQ(kiln_restore(rt, snap, n), KILN_OK);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 5);
    /* a damaged buffer */
    CHECK_EQ(kiln_restore(rt, snap, n - 3), KILN_ERR_INVALID);
    CHECK_CONTAINS(kiln_last_error(rt), "not a complete snapshot");
    /* another layout: refused, nothing changed */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_layout2")), 3);
    kiln_frame(rt, 1.0 / 60);
    int32_t before = state_field(wd, "c", F_FRAMES);
    CHECK_EQ(kiln_restore(rt, snap, n), KILN_ERR_STATE);
    CHECK_CONTAINS(kiln_last_error(rt), "c's state layout changed since the snapshot (v1, 24 bytes then; v2, 24 bytes");
    CHECK_EQ(state_field(wd, "c", F_FRAMES), before);
    /* a plugin loaded after the snapshot */
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 4);
    CHECK_EQ(kiln_load_plugin(rt, "other", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_restore(rt, snap, n), KILN_ERR_STATE);
    CHECK_CONTAINS(kiln_last_error(rt), "\"other\" was loaded after the snapshot");
    kiln_destroy(rt);
}

/* --- watchdog ------------------------------------------------------------------------------------------------------- */
static double watchdog_case(const char *variant_flags, const char *expect, int32_t limit_ms) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_set_watchdog_ms(rt, limit_ms);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    drain(rt);
    CHECK_EQ(kiln_load_plugin(rt, "c", compile_plugin("hang", "counter.c", variant_flags)), 2);
    double t0 = now();
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    double took = now() - t0;
    CHECK(took >= limit_ms / 1000.0 * 0.9 && took < limit_ms / 1000.0 + 1.0);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 5);
    const char *m = drain(rt);
    CHECK_CONTAINS(m, expect);
    CHECK_CONTAINS(m, "in version 2; rolled back to version 1");
    double t1 = now();
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* the game runs again at once */
    double recover = now() - t1;
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 6);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v2")), 3); /* loads, logs and allocates still work */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
    return took - limit_ms / 1000.0 + recover;
}

static void test_watchdog_stops_endless_update(void) {
    double over = watchdog_case("-DCRASH=7", "update was stopped by the watchdog after 100 ms", 100);
    printf("     watchdog (limit 100 ms): game running again %.1f ms after the limit\n", over * 1e3);
}

static void test_watchdog_stops_loop_inside_host_calls(void) {
    /* the loop spends most of its time in log()/alloc()/free(), which take locks: the stop must wait for them */
    watchdog_case("-DCRASH=8", "update was stopped by the watchdog after 150 ms", 150);
}

static void test_watchdog_limit_is_configurable_and_zero_disables(void) {
    kiln_runtime *rt = make_rt(NULL);
    const char *slow = compile_plugin("slow", "counter.c", "-DCRASH=9 -DSLOW_MS=120");
    kiln_set_watchdog_ms(rt, 0);
    CHECK_EQ(kiln_load_plugin(rt, "c", slow), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* 120 ms frame, no watchdog */
    kiln_set_watchdog_ms(rt, 500);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* under the limit */
    kiln_set_watchdog_ms(rt, 40);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH); /* over it: first version, so paused */
    CHECK_EQ(kiln_plugin_paused(rt, "c"), 1);
    CHECK_CONTAINS(drain(rt), "stopped by the watchdog after 40 ms");
    kiln_destroy(rt);
}

static void test_watchdog_hang_in_init_refuses_the_load(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_set_watchdog_ms(rt, 80);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    kiln_frame(rt, 1.0 / 60);
    /* new layout -> init runs -> hangs */
    CHECK_EQ(kiln_load_plugin(rt, "c", compile_plugin("hang_init", "counter.c", "-DCRASH=10 -DSTATE_VERSION=2")), KILN_ERR_CRASH);
    CHECK_CONTAINS(kiln_last_error(rt), "init was stopped by the watchdog after 80 ms");
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 2);
    kiln_destroy(rt);
}

/* --- more fault classes, several plugins -------------------------------------------------------------------------- */
static void test_crash_sigill_and_sigbus_roll_back(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    const char *variants[2][2] = {{"-DCRASH=11", "SIGILL"}, {"-DCRASH=12", "SIGBUS"}};
    for (int v = 0; v < 2; v++) {
        drain(rt);
        CHECK(kiln_load_plugin(rt, "c", compile_plugin(v ? "bus" : "ill", "counter.c", variants[v][0])) > 0);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
        CHECK_CONTAINS(drain(rt), variants[v][1]);
        CHECK_EQ(state_field(wd, "c", F_FRAMES), 3 + v);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
        CHECK_EQ(kiln_plugin_paused(rt, "c"), 0);
    }
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 5);
    kiln_destroy(rt);
}

static void test_several_plugins_each_with_own_image_and_version(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "a", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "b", fixture("shapes")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v2")), 1);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0x00FF00FF); /* c draws last */
    CHECK_EQ(kiln_load_plugin(rt, "a", fixture("counter_v2")), 2);
    CHECK_EQ(kiln_plugin_version(rt, "a"), 2);
    CHECK_EQ(kiln_plugin_version(rt, "b"), 1);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_segv")), 2);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH); /* only c rolls back */
    CHECK_EQ(kiln_plugin_version(rt, "a"), 2);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(state_field(wd, "a", F_FRAMES), 2);  /* a ran this frame */
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 1);  /* c's crashed frame was undone */
    CHECK_EQ(tmp_files(wd), 4); /* a: current + previous; b: current; c: current (the crashed copy is gone) */
    kiln_destroy(rt);
}

static void test_truncated_image_is_refused(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    kiln_frame(rt, 1.0 / 60);
    char half[400];
    snprintf(half, sizeof half, "%s/half.so", wd);
    long size = file_size(fixture("counter_v2"));
    for (int k = 1; k <= 3; k++) { /* cut at a quarter, a half, three quarters */
        copy_file(fixture("counter_v2"), half);
        CHECK(truncate(half, size * k / 4) == 0);
        CHECK_EQ(kiln_load_plugin(rt, "c", half), KILN_ERR_INCOMPLETE);
        CHECK_CONTAINS(kiln_last_error(rt), "is truncated");
        CHECK_CONTAINS(kiln_last_error(rt), "still writing");
    }
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(tmp_files(wd), 1);
    copy_file(fixture("counter_v2"), half); /* the build finished */
    CHECK_EQ(kiln_load_plugin(rt, "c", half), 2);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0x00FF00FF);
    kiln_destroy(rt);
}

/* --- host arena -------------------------------------------------------------------------------------------------------- */
enum { HP_HEAD_LO, HP_HEAD_HI, HP_COUNT, HP_SUM, HP_CHECKED, HP_FRAMES };

static void test_alloc_survives_reload_and_runner_restart(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    const char *heap = compile_plugin("heap", "heap.c", "");
    CHECK_EQ(kiln_load_plugin(rt, "heap", heap), 1);
    for (int i = 0; i < 4; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "heap", HP_COUNT), 7);
    CHECK_EQ(state_field(wd, "heap", HP_CHECKED), 6 + 30); /* sum before the 4th append */
    int32_t lo = state_field(wd, "heap", HP_HEAD_LO);
    CHECK_EQ(kiln_load_plugin(rt, "heap", heap), 2); /* reload: the list is still there */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "heap", HP_CHECKED), 6 + 40);
    kiln_destroy(rt);
    /* a new runtime (as after a runner crash): the arena is mapped at the same address, the pointers work */
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "heap", heap), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESTORED);
    CHECK(state_field(wd, "heap", HP_HEAD_LO) != lo); /* the head moved (new nodes) ... */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "heap", HP_CHECKED), 6 + 50); /* ... and the whole list reads back */
    CHECK_EQ(state_field(wd, "heap", HP_COUNT), 9);
    kiln_destroy(rt);
}

/* After a restart the arena's address is taken (by a library, say): the pointers in the state would be wrong, so the
   state is reset with a clear message instead of crashing later. */
static void test_alloc_arena_that_cannot_be_remapped_resets_state(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    const char *heap = compile_plugin("heap", "heap.c", "");
    CHECK_EQ(kiln_load_plugin(rt, "heap", heap), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    char path[400];
    snprintf(path, sizeof path, "%s/state/heap.heap", wd);
    FILE *f = fopen(path, "rb");
    uint64_t base = 0;
    CHECK(f && fseek(f, 16, SEEK_SET) == 0 && fread(&base, 8, 1, f) == 1);
    if (f) fclose(f);
    void *squat = mmap((void *)(uintptr_t)base, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(squat == (void *)(uintptr_t)base);
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "heap", heap), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESET);
    CHECK_CONTAINS(drain(rt), "could not be mapped at its old address");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(state_field(wd, "heap", HP_CHECKED), 6); /* a fresh list from init, in the new arena */
    kiln_destroy(rt);
    if (squat != MAP_FAILED) munmap(squat, 4096);
}

static void test_alloc_and_free_are_undone_by_a_crash(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "heap", compile_plugin("heap", "heap.c", "")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_load_plugin(rt, "heap", compile_plugin("heap_crash", "heap.c", "-DCRASH=1")), 2);
    for (int i = 0; i < 3; i++) { /* the crashing version allocs, frees a node the restored state still uses, crashes */
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
        CHECK_EQ(kiln_load_plugin(rt, "heap", compile_plugin("heap_crash", "heap.c", "-DCRASH=1")), 3 + i);
    }
    CHECK_EQ(kiln_load_plugin(rt, "heap", compile_plugin("heap", "heap.c", "")), 6);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "heap", HP_COUNT), 7);
    CHECK_EQ(state_field(wd, "heap", HP_CHECKED), 6 + 30); /* the freed node was not freed after all */
    for (int i = 0; i < 100; i++) kiln_frame(rt, 1.0 / 60); /* and its memory is not handed out twice */
    CHECK_EQ(state_field(wd, "heap", HP_CHECKED), 6 + 1030);
    kiln_destroy(rt);
}

/* live_count in the arena file's header (magic 8, sizes 4+4, base 8, size 8, top 8, live_bytes 8, live_count 8) */
static long long heap_live_blocks(const char *path) {
    FILE *f = fopen(path, "rb");
    unsigned long long v = 0;
    if (!f) return -1;
    if (fseek(f, 48, SEEK_SET) != 0 || fread(&v, 8, 1, f) != 1) v = (unsigned long long)-1;
    fclose(f);
    return (long long)v;
}

static void test_alloc_misuse_is_reported_and_reset_frees(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "heap", compile_plugin("heap_bad", "heap.c", "-DBAD_FREE")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_CONTAINS(drain(rt), "not a live block from alloc()");
    for (int i = 0; i < 50; i++) kiln_frame(rt, 1.0 / 60);
    char heap[400];
    snprintf(heap, sizeof heap, "%s/state/heap.heap", wd);
    CHECK_EQ(heap_live_blocks(heap), 54);
    CHECK_EQ(kiln_reset_state(rt, "heap"), KILN_OK); /* init again: the 54 old nodes are freed, 3 new ones live */
    CHECK_EQ(state_field(wd, "heap", HP_COUNT), 3);
    CHECK_EQ(heap_live_blocks(heap), 3);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "heap", HP_CHECKED), 6);
    drain(rt);
    kiln_destroy(rt);
}

/* --- migration by field table ------------------------------------------------------------------------------------------ */
static void test_field_table_migrates_by_name(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields1", "fields.c", "")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60); /* score 7 -> 10 */
    drain(rt);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields2", "fields.c", "-DLAYOUT=2")), 2);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_MIGRATED);
    const char *m = drain(rt);
    CHECK_CONTAINS(m, "state migrated by field table from v1 (28 bytes) to v1 (24 bytes)");
    CHECK_CONTAINS(m, "kept x;");
    CHECK_CONTAINS(m, "added speed (set as init() sets them)"); /* init() leaves speed 0: its value */
    CHECK_CONTAINS(m, "removed lives");
    CHECK_CONTAINS(m, "score (i32 -> f32, converted)");
    CHECK_CONTAINS(m, "hist (4 -> 2 elements, truncated)");
    /* layout 2: double speed; float score; int32 hist[2]; float x */
    int32_t v[6];
    CHECK_EQ(read_state(wd, "fields", v, 6, NULL, NULL), 0);
    double speed; float score, x;
    memcpy(&speed, v, 8); memcpy(&score, v + 2, 4); memcpy(&x, v + 5, 4);
    CHECK(speed == 0.0);
    CHECK(score == 10.0f);
    CHECK_EQ(v[3], 1);
    CHECK_EQ(v[4], 2);
    CHECK(x == 1.5f);
    kiln_frame(rt, 1.0 / 60);
    read_state(wd, "fields", v, 6, NULL, NULL);
    memcpy(&score, v + 2, 4);
    CHECK(score == 11.0f); /* the new code runs on the migrated block */
    kiln_destroy(rt);
}

static void test_field_table_catches_a_change_without_version_bump(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields1", "fields.c", "")), 1);
    kiln_frame(rt, 1.0 / 60); /* score 8 */
    drain(rt);
    /* same size, same state_version, fields reordered: never reused as is */
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields3", "fields.c", "-DLAYOUT=3")), 2);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_MIGRATED);
    int32_t v[3];
    read_state(wd, "fields", v, 3, NULL, NULL);
    float x;
    memcpy(&x, v, 4);
    CHECK(x == 1.5f);
    CHECK_EQ(v[1], 8);
    CHECK_EQ(v[2], 3);
    CHECK_CONTAINS(drain(rt), "added none; removed none; type changed none");
    kiln_frame(rt, 1.0 / 60); /* score 9, committed in layout 3 */
    kiln_destroy(rt);
    /* across a runner restart: the old table comes from the committed frame */
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields1", "fields.c", "")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_MIGRATED);
    read_state(wd, "fields", v, 3, NULL, NULL);
    memcpy(&x, v + 1, 4);
    CHECK_EQ(v[0], 9);
    CHECK(x == 1.5f);
    CHECK_EQ(v[2], 3);
    kiln_destroy(rt);
}

static void test_invalid_field_table_is_refused(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields_bad", "fields.c", "-DBAD_TABLE")), KILN_ERR_ABI);
    CHECK_CONTAINS(kiln_last_error(rt), "state field #4 (\"ghost\"");
    CHECK_CONTAINS(kiln_last_error(rt), "must fit in the 28-byte state");
    CHECK_EQ(kiln_plugin_version(rt, "fields"), 0);
    kiln_destroy(rt);
}

/* The closing table of issue 3: every fault class, what happens, how long until the game runs again (the faulty
   frame or load, plus the next good frame), and the state checked afterwards. */
static void test_fault_recovery_table(void) {
    const char *ill = compile_plugin("ill", "counter.c", "-DCRASH=11");
    const char *bus = compile_plugin("bus", "counter.c", "-DCRASH=12");
    const char *hang = compile_plugin("hang", "counter.c", "-DCRASH=7");
    const char *hang_host = compile_plugin("hang_host", "counter.c", "-DCRASH=8");
    struct { const char *what, *image; int load_fails; } faults[] = {
        {"SIGSEGV in update", fixture("crash_segv"), 0},      {"SIGSEGV in draw", fixture("crash_draw"), 0},
        {"SIGFPE (int / 0)", fixture("crash_fpe"), 0},        {"SIGABRT (abort)", fixture("crash_abort"), 0},
        {"stack overflow", fixture("crash_stack"), 0},       {"SIGILL (trap)", ill, 0},
        {"SIGBUS (mmap past EOF)", bus, 0},                   {"endless loop (watchdog 100 ms)", hang, 0},
        {"loop in log/alloc (wd 100 ms)", hang_host, 0},      {"crash after a layout change", fixture("crash_layout2"), 0},
        {"truncated image", NULL, 1},                         {"dlopen failure", fixture("undefined_sym"), 1},
        {"no entry point", fixture("no_entry"), 1},
    };
    enum { NF = sizeof faults / sizeof faults[0] };
    static char images[NF][512]; /* fixture() and compile_plugin() reuse small rings of buffers: keep copies */
    for (size_t i = 0; i < NF; i++) {
        snprintf(images[i], sizeof images[i], "%s", faults[i].image ? faults[i].image : "");
        faults[i].image = faults[i].image ? images[i] : NULL;
    }
    printf("     %-32s %-44s %10s\n", "fault", "outcome", "recovery");
    for (size_t i = 0; i < NF; i++) {
        const char *wd;
        kiln_runtime *rt = make_rt(&wd);
        kiln_set_watchdog_ms(rt, 100);
        CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
        for (int k = 0; k < 3; k++) kiln_frame(rt, 1.0 / 60);
        char half[400];
        const char *image = faults[i].image;
        if (!image) {
            snprintf(half, sizeof half, "%s/half.so", wd);
            copy_file(fixture("counter_v2"), half);
            CHECK(truncate(half, file_size(half) / 2) == 0);
            image = half;
        }
        double t0 = now();
        int32_t v = kiln_load_plugin(rt, "c", image);
        int32_t r = v > 0 ? kiln_frame(rt, 1.0 / 60) : v;
        int32_t ok = kiln_frame(rt, 1.0 / 60);
        double t = now() - t0;
        CHECK(faults[i].load_fails ? v < 0 : v == 2);
        CHECK(r < 0);
        CHECK_EQ(ok, KILN_OK);
        CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
        int32_t frames = state_field(wd, "c", F_FRAMES);
        int layout2 = strstr(faults[i].what, "layout") != NULL;
        CHECK_EQ(frames, layout2 ? 1 : 4); /* the faulty frame left no trace (another layout: fresh block) */
        const char *outcome = faults[i].load_fails ? "load refused, v1 keeps running, state kept"
                                                   : layout2 ? "rolled back to v1 with a fresh v1 block"
                                                             : "rolled back to v1, frame's state restored";
        printf("     %-32s %-44s %7.2f ms\n", faults[i].what, outcome, t * 1e3);
        kiln_destroy(rt);
    }
    /* a crash in the first version: paused until a good build */
    {
        const char *wd;
        kiln_runtime *rt = make_rt(&wd);
        CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_segv")), 1);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
        double t0 = now();
        CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 2);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
        printf("     %-32s %-44s %7.2f ms\n", "crash in the first version", "paused; good build -> running (load+frame)",
               (now() - t0) * 1e3);
        kiln_destroy(rt);
    }
    /* runner killed: a new runtime restores the mapped state */
    {
        const char *wd;
        kiln_runtime *rt = make_rt(&wd);
        CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
        for (int k = 0; k < 3; k++) kiln_frame(rt, 1.0 / 60);
        kiln_destroy(rt);
        double t0 = now();
        rt = kiln_create(W, H, wd);
        CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
        CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESTORED);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
        CHECK_EQ(state_field(wd, "c", F_FRAMES), 4);
        printf("     %-32s %-44s %7.2f ms\n", "runner restart (in-process part)", "state file restored, same frame count",
               (now() - t0) * 1e3);
        kiln_destroy(rt);
    }
}

#define FEATURE_TESTS                                                                                   \
    {"mouse_and_key_release_input", test_mouse_and_key_release_input},                                 \
    {"blit_draws_clipped_blended_image", test_blit_draws_clipped_blended_image},                       \
    {"plugin_built_on_old_header_still_works", test_plugin_built_on_old_header_still_works},           \
    {"snapshot_restore_replays_exactly", test_snapshot_restore_replays_exactly},                       \
    {"snapshot_restore_checks_layouts", test_snapshot_restore_checks_layouts},                         \
    {"watchdog_stops_endless_update", test_watchdog_stops_endless_update},                             \
    {"watchdog_stops_loop_inside_host_calls", test_watchdog_stops_loop_inside_host_calls},             \
    {"watchdog_limit_is_configurable_and_zero_disables", test_watchdog_limit_is_configurable_and_zero_disables}, \
    {"watchdog_hang_in_init_refuses_the_load", test_watchdog_hang_in_init_refuses_the_load},           \
    {"crash_sigill_and_sigbus_roll_back", test_crash_sigill_and_sigbus_roll_back},                     \
    {"several_plugins_each_with_own_image_and_version", test_several_plugins_each_with_own_image_and_version}, \
    {"truncated_image_is_refused", test_truncated_image_is_refused},                                   \
    {"alloc_survives_reload_and_runner_restart", test_alloc_survives_reload_and_runner_restart},       \
    {"alloc_and_free_are_undone_by_a_crash", test_alloc_and_free_are_undone_by_a_crash},               \
    {"alloc_arena_that_cannot_be_remapped_resets_state", test_alloc_arena_that_cannot_be_remapped_resets_state},               \
    {"alloc_misuse_is_reported_and_reset_frees", test_alloc_misuse_is_reported_and_reset_frees},       \
    {"field_table_migrates_by_name", test_field_table_migrates_by_name},                               \
    {"field_table_catches_a_change_without_version_bump", test_field_table_catches_a_change_without_version_bump}, \
    {"invalid_field_table_is_refused", test_invalid_field_table_is_refused},                           \
    {"fault_recovery_table", test_fault_recovery_table},
