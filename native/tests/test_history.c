/* test_history.c — included by test_runtime.c (shares its helpers). Add cases to HISTORY_TESTS.

   The fixture "walker" (compiled here from the source below) reads keys, the mouse, game time and random numbers
   and keeps part of its state in an alloc() block, so a replay that missed any of them would drift. STEP changes
   how far it walks (another version of the code); COLOR what it draws. */
static const char walker_src[] =
    "#include \"kiln.h\"\n"
    "#ifndef STEP\n#define STEP 1\n#endif\n"
    "#ifndef COLOR\n#define COLOR 0xFF0000FF\n#endif\n"
    "#define HEAP 16384\n"
    "typedef struct { int32_t x, y, frames, presses; uint32_t noise; int32_t mx; double t; uint32_t *heap; } S;\n"
    "static void init(void *s) { S *st = s; st->heap = mem_alloc(HEAP * sizeof(uint32_t)); st->x = 100; st->y = 90; }\n"
    "static void update(void *s, float dt) {\n"
    "    S *st = s; (void)dt;\n"
    "    st->frames++;\n"
    "    if (key_down(KEY_RIGHT)) st->x += STEP;\n"
    "    if (key_down(KEY_LEFT)) st->x -= STEP;\n"
    "    if (key_pressed(KEY_SPACE)) st->presses++;\n"
    "    st->y = 90 + (int32_t)(random_u32() % 5u);\n"
    "    st->noise = st->noise * 31u + random_u32();\n"
    "    st->mx = mouse_x();\n"
    "    st->t = game_time();\n"
    "    st->heap[st->frames % HEAP] = st->noise;\n"
    "}\n"
    "static void draw(void *s) { S *st = s; clear(0x000000FF); fill_rect(st->x, st->y, 4, 4, COLOR); }\n"
    "KILN_PLUGIN(.name = \"walker\", .state_size = sizeof(S), .state_version = 1, .init = init, .update = update, .draw = draw)\n";

static const char *compile_walker(const char *out, const char *flags) {
    static char src_path[600];
    if (!build_root[0]) {
        snprintf(build_root, sizeof build_root, "/tmp/kiln-test-build-XXXXXX");
        if (!mkdtemp(build_root)) { perror("mkdtemp"); exit(2); }
    }
    if (!src_path[0]) {
        snprintf(src_path, sizeof src_path, "%s/walker.c", build_root);
        FILE *f = fopen(src_path, "w");
        if (!f) { perror(src_path); exit(2); }
        fputs(walker_src, f);
        fclose(f);
    }
    static char paths[8][600];
    static int k;
    char *path = paths[k++ % 8];
    snprintf(path, 600, "%s/%s.so", build_root, out);
    const char *inc = getenv("KILN_PLUGIN_INCLUDE"), *cc = getenv("CC");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -std=c11 -O1 -shared -fPIC -Wall -Werror -I%s %s %s -o %s", cc && *cc ? cc : "cc",
             inc ? inc : "../plugins/include", flags ? flags : "", src_path, path);
    if (system(cmd) != 0) { fprintf(stderr, "  FAIL compiling: %s\n", cmd); test_failed_checks++; }
    return path;
}

/* The whole game (state + arena + clock + PRNG) as kiln_snapshot sees it. */
static uint8_t *take(kiln_runtime *rt, int32_t *len) {
    int32_t need = -kiln_snapshot(rt, NULL, 0);
    uint8_t *b = malloc((size_t)need);
    *len = kiln_snapshot(rt, b, need);
    return b;
}
static int same_game(kiln_runtime *rt, const uint8_t *b, int32_t len) {
    int32_t n;
    uint8_t *now = take(rt, &n);
    int same = n == len && memcmp(now, b, (size_t)n) == 0;
    free(now);
    return same;
}

/* Scripted input for frame f: walk right and left, tap space, move the mouse. */
static void play_input(kiln_runtime *rt, int f) {
    kiln_set_key(rt, KEY_RIGHT, (f / 40) % 2 == 0);
    kiln_set_key(rt, KEY_LEFT, (f / 40) % 2 == 1 && f % 3 == 0);
    kiln_set_key(rt, KEY_SPACE, f % 17 == 0);
    kiln_set_mouse(rt, f % 320, 5, f % 50 == 0 ? 1 : 0);
}

static kiln_runtime *walker_rt(const char *image) {
    kiln_runtime *rt = make_rt(NULL);
    kiln_set_seed(rt, 1234);
    CHECK(kiln_load_plugin(rt, "walker", image) > 0);
    CHECK_EQ(kiln_history_set_budget(rt, KILN_HISTORY_DEFAULT_BUDGET), KILN_OK);
    return rt;
}

static void test_history_seek_restores_a_frame(void) {
    kiln_runtime *rt = walker_rt(compile_walker("walker1", NULL));
    uint8_t *at100 = NULL;
    int32_t len100 = 0;
    for (int f = 0; f < 600; f++) {
        play_input(rt, f);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
        if (f == 100) at100 = take(rt, &len100);
    }
    kiln_history_info hi;
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.enabled, 1);
    CHECK_EQ(hi.first, 0);
    CHECK_EQ(hi.last, 599);
    CHECK_EQ(hi.frames, 600);
    CHECK_EQ(hi.cursor, 599);
    CHECK(hi.keyframes >= 1 && hi.keyframes < 100); /* mostly deltas */
    CHECK(hi.bytes < hi.raw_bytes / 4);
    CHECK(hi.seconds > 9.9 && hi.seconds < 10.1);
    printf("     history: 600 frames of walker (%llu bytes raw each) in %llu bytes (%.0f per frame), %u keyframes, %.2f us per frame\n",
           (unsigned long long)(hi.raw_bytes / 600), (unsigned long long)hi.bytes, (double)hi.bytes / 600, hi.keyframes, hi.record_us);
    CHECK(!same_game(rt, at100, len100));
    CHECK_EQ(kiln_history_seek(rt, 100), KILN_OK);
    CHECK(same_game(rt, at100, len100)); /* state, arena, clock, PRNG, frame count */
    CHECK_EQ(kiln_frame_count(rt), 101);
    pixel(rt, 0, 0);
    int found = 0;
    for (int y = 0; y < H && !found; y++) for (int x = 0; x < W; x++) if (px(x, y) == 0xFF0000FF) { found = 1; break; }
    CHECK(found); /* the seek drew the frame */
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.cursor, 100);
    CHECK_EQ(hi.scrubbed, 1);
    CHECK_EQ(hi.last, 599); /* seeking keeps the frames after it */
    CHECK_EQ(kiln_history_seek(rt, 600), KILN_ERR_NOT_FOUND);
    CHECK_CONTAINS(kiln_last_error(rt), "frames 0 to 599");
    /* steps go one frame either way */
    CHECK_EQ(kiln_history_step(rt, -1), KILN_OK);
    CHECK_EQ(kiln_frame_count(rt), 100);
    CHECK_EQ(kiln_history_step(rt, 2), KILN_OK);
    CHECK_EQ(kiln_frame_count(rt), 102);
    CHECK_EQ(kiln_history_seek(rt, 100), KILN_OK);
    CHECK(same_game(rt, at100, len100));
    /* playing on from a seek drops the old future */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.last, 101);
    CHECK_EQ(hi.input_last, 101);
    CHECK_EQ(hi.scrubbed, 0);
    free(at100);
    kiln_destroy(rt);
}

static void test_history_replay_is_deterministic(void) {
    const char *v1 = compile_walker("walker_r1", NULL);
    kiln_runtime *rt = walker_rt(v1);
    for (int f = 0; f < 600; f++) { play_input(rt, f); CHECK_EQ(kiln_frame(rt, 1.0 / 60 + (f % 7) * 1e-4), KILN_OK); }
    int32_t len600;
    uint8_t *at600 = take(rt, &len600);
    CHECK_EQ(kiln_history_seek(rt, 100), KILN_OK);
    kiln_set_key(rt, KEY_LEFT, 1); /* live input now must not leak into the replay */
    double t0 = now();
    CHECK_EQ(kiln_history_replay(rt, 599), 499);
    double t1 = now();
    printf("     replay of 499 frames: %.1f ms\n", (t1 - t0) * 1e3);
    CHECK_EQ(kiln_frame_count(rt), 600);
    CHECK(same_game(rt, at600, len600)); /* the same code and input: the same frame 599, to the byte */
    kiln_history_info hi;
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.last, 599);
    CHECK_EQ(hi.cursor, 599);
    /* seeking into the replayed stretch works (its snapshots were kept again) */
    CHECK_EQ(kiln_history_seek(rt, 300), KILN_OK);
    CHECK_EQ(kiln_history_replay(rt, 10000), 299); /* clamped to the newest recorded input */
    CHECK(same_game(rt, at600, len600));
    free(at600);
    kiln_destroy(rt);
}

static void test_history_replay_with_new_code(void) {
    const char *v1 = compile_walker("walker_n1", NULL), *v2 = compile_walker("walker_n2", "-DSTEP=3 -DCOLOR=0x00FF00FF");
    kiln_runtime *rt = walker_rt(v1);
    for (int f = 0; f < 600; f++) { play_input(rt, f); CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); }
    int32_t len600;
    uint8_t *at600 = take(rt, &len600);
    CHECK_EQ(kiln_history_seek(rt, 100), KILN_OK);
    int32_t len100;
    uint8_t *at100 = take(rt, &len100);
    /* reload while scrubbed: the same layout, kept; the redraw shows frame 100 in the new colour */
    CHECK(kiln_load_plugin(rt, "walker", v2) > 0);
    CHECK(same_game(rt, at100, len100)); /* the load changed nothing of the game */
    CHECK_EQ(kiln_history_redraw(rt), KILN_OK);
    pixel(rt, 0, 0);
    int green = 0, red = 0;
    for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) { green += px(x, y) == 0x00FF00FF; red += px(x, y) == 0xFF0000FF; }
    CHECK_EQ(green, 16);
    CHECK_EQ(red, 0);
    CHECK(same_game(rt, at100, len100)); /* a redraw does not advance the game */
    CHECK_EQ(kiln_history_replay(rt, 599), 499);
    CHECK(!same_game(rt, at600, len600)); /* the new code walked further with the same keys */
    /* seek back in the replayed frames; the recorded walk with the old code is gone, the new one is kept */
    kiln_history_info hi;
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.last, 599);
    CHECK_EQ(kiln_history_seek(rt, 40), KILN_OK); /* before the reload's frame: works, same layout */
    free(at600); free(at100);
    kiln_destroy(rt);
}

static void test_history_budget_is_respected(void) {
    kiln_runtime *rt = walker_rt(compile_walker("walker_b", NULL));
    CHECK_EQ(kiln_history_set_budget(rt, 256 * 1024), KILN_OK);
    for (int f = 0; f < 3000; f++) { play_input(rt, f); CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); }
    kiln_history_info hi;
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK(hi.bytes <= 256 * 1024);
    CHECK(hi.frames > 100 && hi.frames < 3000); /* the oldest went, many are kept */
    CHECK_EQ(hi.last, 2999);
    CHECK_EQ(hi.first, 3000 - hi.frames);
    CHECK_EQ(kiln_history_seek(rt, hi.first), KILN_OK); /* the oldest kept frame decodes (its group is whole) */
    CHECK_EQ(kiln_history_seek(rt, hi.first - 1), KILN_ERR_NOT_FOUND);
    /* a smaller budget drops at once; 0 turns it off */
    CHECK_EQ(kiln_history_set_budget(rt, 64 * 1024), KILN_OK);
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK(hi.bytes <= 64 * 1024 && hi.frames > 0);
    CHECK_EQ(kiln_history_set_budget(rt, 0), KILN_OK);
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.enabled, 0);
    CHECK_EQ(kiln_history_seek(rt, 2990), KILN_ERR_NOT_FOUND);
    CHECK_CONTAINS(kiln_last_error(rt), "history is off");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
}

static void test_history_layout_change_is_refused_not_misread(void) {
    kiln_runtime *rt = walker_rt(compile_walker("walker_l1", NULL));
    for (int f = 0; f < 50; f++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK(kiln_load_plugin(rt, "walker", fixture("counter_v1")) > 0); /* another state layout */
    drain(rt);
    for (int f = 0; f < 10; f++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_history_seek(rt, 55), KILN_OK);
    CHECK_EQ(kiln_history_seek(rt, 20), KILN_ERR_STATE);
    CHECK_CONTAINS(kiln_last_error(rt), "layout changed");
    CHECK_EQ(kiln_frame_count(rt), 56); /* nothing changed */
    kiln_destroy(rt);
}

/* --- a runner that dies leaves its frames ------------------------------------------------------------------------- */
static void put_file(const char *path, const void *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n) { perror(path); _exit(2); }
    fclose(f);
}
static uint8_t *get_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n ? *n : 1);
    if (fread(b, 1, *n, f) != *n) *n = 0;
    fclose(f);
    return b;
}

/* In a child: walker on wd records `frames` frames with history at `budget`, saves frame `keep`'s snapshot and
   picture to wd/frame.snap and wd/frame.rgba, then is SIGKILLed (no kiln_destroy, no exit handlers). */
static void record_and_die(const char *wd, const char *image, uint64_t budget, int frames, int keep) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        kiln_runtime *rt = kiln_create(W, H, wd);
        if (!rt) _exit(10);
        kiln_set_seed(rt, 1234);
        if (kiln_load_plugin(rt, "walker", image) != 1 || kiln_history_set_budget(rt, budget) != KILN_OK) _exit(11);
        char path[600];
        for (int f = 0; f < frames; f++) {
            play_input(rt, f);
            if (kiln_frame(rt, 1.0 / 60) != KILN_OK) _exit(12);
            if (f == keep) {
                int32_t len;
                uint8_t *b = take(rt, &len);
                snprintf(path, sizeof path, "%s/frame.snap", wd);
                put_file(path, b, (size_t)len);
                if (kiln_copy_framebuffer(rt, fbuf, sizeof fbuf) != W * H * 4) _exit(13);
                snprintf(path, sizeof path, "%s/frame.rgba", wd);
                put_file(path, fbuf, W * H * 4);
            }
        }
        kill(getpid(), SIGKILL);
        _exit(14);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* A restarted runner on wd: walker loaded, history on with `budget`. */
static kiln_runtime *restart_on(const char *wd, const char *image, uint64_t budget) {
    kiln_runtime *rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "walker", image), 1);
    CHECK_EQ(kiln_history_set_budget(rt, budget), KILN_OK);
    return rt;
}

static void test_history_survives_a_runner_death(void) {
    const char *wd = new_workdir(), *image = compile_walker("walker_d", NULL);
    record_and_die(wd, image, KILN_HISTORY_DEFAULT_BUDGET, 300, 200);
    char path[600];
    size_t snap_len = 0, rgba_len = 0;
    snprintf(path, sizeof path, "%s/frame.snap", wd);
    uint8_t *snap = get_file(path, &snap_len);
    snprintf(path, sizeof path, "%s/frame.rgba", wd);
    uint8_t *rgba = get_file(path, &rgba_len);
    CHECK(snap && snap_len > 0 && rgba && rgba_len == W * H * 4);
    if (!snap || !rgba) return;

    /* the restarted runner: same work_dir, same plugin, history on */
    kiln_runtime *rt = restart_on(wd, image, KILN_HISTORY_DEFAULT_BUDGET);
    CHECK_CONTAINS(drain(rt), "300 frames (0 to 299) recorded before the game runner stopped");
    kiln_history_info hi;
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.first, 0);
    CHECK_EQ(hi.last, 299);
    CHECK_EQ(hi.frames, 300);
    CHECK_EQ(hi.recovered, 300);
    CHECK_EQ(hi.recovered_last, 299);
    CHECK_EQ(kiln_frame_count(rt), 300); /* the frames go on from the last one kept */
    CHECK_EQ(kiln_history_seek(rt, 200), KILN_OK);
    CHECK(same_game(rt, snap, (int32_t)snap_len)); /* state, arena, clock, PRNG as the dead runner had them */
    CHECK_EQ(kiln_copy_framebuffer(rt, fbuf, sizeof fbuf), W * H * 4);
    CHECK(memcmp(fbuf, rgba, W * H * 4) == 0); /* and frame 200's picture */
    /* playing on from the last frame appends to the same history */
    CHECK_EQ(kiln_history_seek(rt, 299), KILN_OK);
    for (int f = 300; f < 310; f++) { play_input(rt, f); CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); }
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.first, 0);
    CHECK_EQ(hi.last, 309);
    CHECK_EQ(kiln_history_seek(rt, 200), KILN_OK);
    CHECK(same_game(rt, snap, (int32_t)snap_len));
    /* another budget: a ring of that size, with the newest frames */
    CHECK_EQ(kiln_history_set_budget(rt, 1 << 20), KILN_OK);
    struct stat st;
    snprintf(path, sizeof path, "%s/state/history.ring", wd);
    CHECK(stat(path, &st) == 0 && st.st_size == 4096 + (1 << 20));
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.last, 309);
    CHECK_EQ(kiln_history_seek(rt, 200), KILN_OK);
    CHECK(same_game(rt, snap, (int32_t)snap_len));
    kiln_destroy(rt); /* a clean end: the next runtime starts empty */
    rt = restart_on(wd, image, KILN_HISTORY_DEFAULT_BUDGET);
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.frames, 0);
    kiln_destroy(rt);
    free(snap); free(rgba);
}

static void test_history_of_a_dead_runner_is_checked(void) {
    const char *wd = new_workdir(), *image = compile_walker("walker_c", NULL);
    kiln_history_info hi;
    /* another budget: not read (the ring's size differs), and the log says why */
    record_and_die(wd, image, 1 << 20, 100, 50);
    kiln_runtime *rt = restart_on(wd, image, 2 << 20);
    CHECK_CONTAINS(drain(rt), "recorded with a 1048576-byte budget, this one is 2097152");
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.frames, 0);
    for (int f = 0; f < 5; f++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.frames, 5); /* the new history works */
    kiln_destroy(rt);
    /* a damaged header: not read either */
    record_and_die(wd, image, 1 << 20, 100, 50);
    char path[600];
    snprintf(path, sizeof path, "%s/state/history.ring", wd);
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) { fputs("garbage!", f); fclose(f); }
    rt = restart_on(wd, image, 1 << 20);
    CHECK_CONTAINS(drain(rt), "its header is damaged");
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.frames, 0);
    kiln_destroy(rt);
    /* a small budget that wrapped the ring many times over: the newest frames come back, and decode */
    record_and_die(wd, image, 256 * 1024, 3000, 2990);
    rt = restart_on(wd, image, 256 * 1024);
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK_EQ(hi.last, 2999);
    CHECK(hi.frames > 100 && hi.bytes <= 256 * 1024);
    size_t snap_len = 0;
    snprintf(path, sizeof path, "%s/frame.snap", wd);
    uint8_t *snap = get_file(path, &snap_len);
    CHECK_EQ(kiln_history_seek(rt, 2990), KILN_OK);
    CHECK(snap && same_game(rt, snap, (int32_t)snap_len));
    CHECK_EQ(kiln_history_seek(rt, hi.first), KILN_OK);
    /* a wrapped ring moved into a smaller one: the newest frames, still decoding */
    CHECK_EQ(kiln_history_set_budget(rt, 128 * 1024), KILN_OK);
    CHECK_EQ(kiln_history_get(rt, &hi), KILN_OK);
    CHECK(hi.frames > 10 && hi.bytes <= 128 * 1024);
    CHECK_EQ(kiln_history_seek(rt, hi.first), KILN_OK);
    CHECK_EQ(kiln_history_seek(rt, 2990), KILN_OK);
    CHECK(snap && same_game(rt, snap, (int32_t)snap_len));
    free(snap);
    kiln_destroy(rt);
}

/* In a child (exit code: 0 = fine): a new runtime on wd takes in what the ring holds, every kept frame of it intact. */
static int check_ring_in_child(const char *wd, const char *image, uint64_t budget, int say) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        kiln_runtime *rt = kiln_create(W, H, wd);
        if (!rt || kiln_load_plugin(rt, "walker", image) != 1 || kiln_history_set_budget(rt, budget) != KILN_OK) _exit(20);
        if (strstr(drain(rt), "are not used")) _exit(21); /* the ring was refused: a kill left it inconsistent */
        kiln_history_info hi;
        if (kiln_history_get(rt, &hi) != KILN_OK || hi.frames == 0 || hi.recovered != hi.frames) _exit(22);
        for (uint64_t f = hi.first; f <= hi.last; f += 7) if (kiln_history_seek(rt, f) != KILN_OK) _exit(23);
        if (kiln_history_seek(rt, hi.last) != KILN_OK) _exit(24);
        if (say) printf("     after the last kill: frames %llu to %llu kept in %llu bytes\n", (unsigned long long)hi.first,
                        (unsigned long long)hi.last, (unsigned long long)hi.bytes);
        fflush(stdout);
        _exit(0); /* no kiln_destroy: the next recorder finds the ring as it was */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void test_history_killed_at_any_moment_keeps_complete_frames(void) {
    const char *wd = new_workdir(), *image = compile_walker("walker_k", NULL);
    const uint64_t budget = 256 * 1024; /* small: kills land during wraps and evictions too */
    for (int round = 0; round < 12; round++) {
        int ready[2];
        CHECK_EQ(pipe(ready), 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) { /* a recorder that goes on from what the ring holds until it is killed */
            close(ready[0]);
            kiln_runtime *rt = kiln_create(W, H, wd);
            if (!rt || kiln_load_plugin(rt, "walker", image) != 1 || kiln_history_set_budget(rt, budget) != KILN_OK) _exit(10);
            for (int f = 0;; f++) {
                play_input(rt, f);
                kiln_frame(rt, 1.0 / 60);
                if (f == 20 && write(ready[1], "r", 1) != 1) _exit(11);
                if (round % 2 && f > 20 && f % 30 == 0) { /* odd rounds: seeks and replays too (refilled and dropped chunks) */
                    kiln_history_info hi;
                    kiln_history_get(rt, &hi);
                    if (hi.frames > 30 && kiln_history_seek(rt, hi.last - 25) == KILN_OK) kiln_history_replay(rt, hi.last - 5);
                }
            }
        }
        close(ready[1]);
        char c;
        CHECK_EQ(read(ready[0], &c, 1), 1);
        close(ready[0]);
        usleep((useconds_t)(1000 + (round * 7919) % 40000)); /* somewhere in a frame, or between two */
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        int rc = check_ring_in_child(wd, image, budget, round == 11);
        if (rc != 0) fprintf(stderr, "  round %d: the checker exited with %d\n", round, rc);
        CHECK_EQ(rc, 0);
    }
}

#define HISTORY_TESTS                                                                                   \
    {"history_seek_restores_a_frame", test_history_seek_restores_a_frame},                               \
    {"history_replay_is_deterministic", test_history_replay_is_deterministic},                           \
    {"history_replay_with_new_code", test_history_replay_with_new_code},                                 \
    {"history_budget_is_respected", test_history_budget_is_respected},                                   \
    {"history_layout_change_is_refused_not_misread", test_history_layout_change_is_refused_not_misread},     \
    {"history_survives_a_runner_death", test_history_survives_a_runner_death},                           \
    {"history_of_a_dead_runner_is_checked", test_history_of_a_dead_runner_is_checked},                   \
    {"history_killed_at_any_moment_keeps_complete_frames", test_history_killed_at_any_moment_keeps_complete_frames},
