/* test_commit.c — included by test_runtime.c (shares its helpers). Add cases to COMMIT_TESTS.

   Crash consistency is tested with real process deaths: a forked child creates a runtime on a fresh work_dir,
   loads the "dier" fixture (compiled here from the source below) and dies mid-frame by _exit or SIGKILL; the
   parent then opens a runtime on the same work_dir, as a restarted runner would, and checks the state it gets. */
#include <sys/wait.h>

/* The fixture: a state whose fields are written in two halves around the point where it may die, and an
   alloc() block written the same way, so a half-written frame is visible.
   HOW: 1 _exit(3) in update at frame DIE_AT, after the first half; 2 SIGKILL there; 6 abort() with SIGABRT reset
   to SIG_DFL there (the guard cannot catch it); 3 _exit in draw after a
   complete update; 4 a bad version: scribbles over the state and the arena every frame, dies at DIE_AT;
   5 shutdown scribbles and then segfaults. MARK: stored by init (tells versions apart). DUP: a field table
   naming `a` twice. ARENA: int32s in the alloc() block. */
static const char dier_src[] =
    "#include <signal.h>\n"
    "#include <stdlib.h>\n"
    "#include <unistd.h>\n"
    "#include \"kiln.h\"\n"
    "#ifndef DIE_AT\n#define DIE_AT 0\n#endif\n"
    "#ifndef HOW\n#define HOW 0\n#endif\n"
    "#ifndef MARK\n#define MARK 1\n#endif\n"
    "#ifndef ARENA\n#define ARENA 256\n#endif\n"
    "typedef struct { int32_t frames, a, b, c, d, seen, mark, pad; int32_t *heap; } S;\n"
    "static const kiln_field fields[] = {\n"
    "    KILN_FIELD(S, frames, KILN_I32, 1), KILN_FIELD(S, a, KILN_I32, 1), KILN_FIELD(S, b, KILN_I32, 1),\n"
    "    KILN_FIELD(S, c, KILN_I32, 1), KILN_FIELD(S, d, KILN_I32, 1), KILN_FIELD(S, seen, KILN_I32, 1),\n"
    "    KILN_FIELD(S, mark, KILN_I32, 1),\n"
    "#ifdef DUP\n    {\"a\", KILN_I32, 28, 1},\n#endif\n"
    "};\n"
    "static void die(void) {\n"
    "#if HOW == 2\n    kill(getpid(), SIGKILL);\n#elif HOW == 6\n    signal(SIGABRT, SIG_DFL); abort();\n#endif\n"
    "    _exit(3);\n"
    "}\n"
    "static void init(void *s) { S *st = s; st->heap = mem_alloc(ARENA * sizeof(int32_t)); st->mark = MARK; }\n"
    "static void update(void *s, float dt) {\n"
    "    S *st = s; (void)dt;\n"
    "    st->seen = st->heap[ARENA - 1];\n"
    "    st->frames++; st->a = st->frames; st->b = st->frames;\n"
    "    for (int i = 0; i < ARENA / 2; i++) st->heap[i] = st->frames;\n"
    "#if HOW == 4\n"
    "    st->mark = 666; st->c = -1;\n"
    "    for (int i = 0; i < ARENA; i++) st->heap[i] = -1;\n"
    "    if (st->frames >= DIE_AT) die();\n"
    "    return;\n"
    "#endif\n"
    "    if ((HOW == 1 || HOW == 2 || HOW == 6) && st->frames == DIE_AT) die();\n"
    "    for (int i = ARENA / 2; i < ARENA; i++) st->heap[i] = st->frames;\n"
    "    st->c = st->frames; st->d = st->frames;\n"
    "}\n"
    "static void draw(void *s) {\n"
    "    S *st = s;\n"
    "    if (HOW == 3 && st->frames == DIE_AT) { st->a = -5; st->heap[ARENA - 1] = -5; die(); }\n"
    "}\n"
    "static void shutdown(void *s) {\n"
    "    S *st = s;\n"
    "    if (HOW == 5) { st->a = -7; st->heap[ARENA - 1] = -7; *(volatile int *)(uintptr_t)16 = 1; }\n"
    "}\n"
    "KILN_PLUGIN(.name = \"dier\", .state_size = sizeof(S), .state_version = 1, .fields = fields,\n"
    "            .field_count = sizeof fields / sizeof fields[0], .init = init, .update = update, .draw = draw,\n"
    "            .shutdown = shutdown)\n";

enum { D_FRAMES, D_A, D_B, D_C, D_D, D_SEEN, D_MARK };

/* Compiles dier_src with `flags` into <build_root>/<out>.so. */
static const char *compile_dier(const char *out, const char *flags) {
    static char src_path[600];
    if (!build_root[0]) {
        snprintf(build_root, sizeof build_root, "/tmp/kiln-test-build-XXXXXX");
        if (!mkdtemp(build_root)) { perror("mkdtemp"); exit(2); }
    }
    if (!src_path[0]) {
        snprintf(src_path, sizeof src_path, "%s/dier.c", build_root);
        FILE *f = fopen(src_path, "w");
        if (!f) { perror(src_path); exit(2); }
        fputs(dier_src, f);
        fclose(f);
    }
    static char paths[16][600];
    static int k;
    char *path = paths[k++ % 16];
    snprintf(path, 600, "%s/%s.so", build_root, out);
    const char *inc = getenv("KILN_PLUGIN_INCLUDE"), *cc = getenv("CC");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -std=c11 -O1 -shared -fPIC -Wall -Werror -D_POSIX_C_SOURCE=200809L -I%s %s %s -o %s",
             cc && *cc ? cc : "cc", inc ? inc : "../plugins/include", flags ? flags : "", src_path, path);
    if (system(cmd) != 0) { fprintf(stderr, "  FAIL compiling: %s\n", cmd); test_failed_checks++; }
    return path;
}

/* In a child process: a runtime on wd loads `image` and runs up to `frames` frames (the image may die first).
   Returns the wait status. */
static int run_child(const char *wd, const char *image, int frames) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        kiln_runtime *rt = kiln_create(W, H, wd);
        if (!rt || kiln_load_plugin(rt, "dier", image) != 1) _exit(10);
        for (int i = 0; i < frames; i++) kiln_frame(rt, 1.0 / 60);
        _exit(0); /* no kiln_destroy: a runner that vanishes */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static int32_t dier_field(const char *wd, int idx) { return state_field(wd, "dier", idx); }

/* A new runtime on wd (a restarted runner) loads the plain fixture and must see frame `n` complete, then one more
   frame must read back the arena as committed at frame n. */
static double last_restart_ms;
static void check_restart_sees_frame(const char *wd, int n) {
    const char *image = compile_dier("dier_plain", "");
    double t0 = now();
    kiln_runtime *rt = kiln_create(W, H, wd);
    CHECK(rt != NULL);
    if (!rt) return;
    CHECK_EQ(kiln_load_plugin(rt, "dier", image), 1);
    last_restart_ms = (now() - t0) * 1e3;
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESTORED);
    CHECK_EQ(dier_field(wd, D_FRAMES), n);
    CHECK_EQ(dier_field(wd, D_A), n);
    CHECK_EQ(dier_field(wd, D_B), n);
    CHECK_EQ(dier_field(wd, D_C), n);
    CHECK_EQ(dier_field(wd, D_D), n);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(dier_field(wd, D_SEEN), n); /* the arena's second half, as committed */
    CHECK_EQ(dier_field(wd, D_FRAMES), n + 1);
    kiln_destroy(rt);
}

static void test_commit_exit_mid_update_keeps_last_frame(void) {
    const char *wd = new_workdir();
    int st = run_child(wd, compile_dier("dier_exit6", "-DHOW=1 -DDIE_AT=6"), 20);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    check_restart_sees_frame(wd, 5);
}

static void test_commit_sigkill_mid_update_keeps_last_frame(void) {
    const char *wd = new_workdir();
    int st = run_child(wd, compile_dier("dier_kill9", "-DHOW=2 -DDIE_AT=9"), 20);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    check_restart_sees_frame(wd, 8);
    printf("     killed mid-frame -> new runtime + load on the last committed frame: %.2f ms\n", last_restart_ms);
}

static void test_commit_abort_with_default_handler_keeps_last_frame(void) {
    const char *wd = new_workdir();
    int st = run_child(wd, compile_dier("dier_abort7", "-DHOW=6 -DDIE_AT=7"), 20);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    check_restart_sees_frame(wd, 6);
}

static void test_commit_death_in_draw_drops_that_frames_update(void) {
    const char *wd = new_workdir();
    int st = run_child(wd, compile_dier("dier_draw4", "-DHOW=3 -DDIE_AT=4"), 20);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    check_restart_sees_frame(wd, 3); /* frame 4's update returned, but its draw did not */
}

static void test_commit_death_before_any_frame_keeps_loaded_state(void) {
    const char *wd = new_workdir();
    int st = run_child(wd, compile_dier("dier_exit1", "-DHOW=1 -DDIE_AT=1"), 20);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    kiln_runtime *rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESTORED); /* init's state was committed at the load */
    CHECK_EQ(dier_field(wd, D_FRAMES), 0);
    CHECK_EQ(dier_field(wd, D_A), 0);
    CHECK_EQ(dier_field(wd, D_MARK), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(dier_field(wd, D_SEEN), 0);
    kiln_destroy(rt);
}

static void test_commit_crashed_shutdown_is_not_saved(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_shutdown", "-DHOW=5")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt); /* shutdown writes a = -7 and the arena's last int = -7, then faults */
    check_restart_sees_frame(wd, 3);
}

/* An 8 MiB arena is committed every few frames, never state of one frame with arena of another. */
static void test_commit_big_arena_spaced_but_consistent(void) {
    const char *wd = new_workdir();
    int st = run_child(wd, compile_dier("dier_big_exit13", "-DHOW=1 -DDIE_AT=13 -DARENA=2097152"), 30);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    kiln_runtime *rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_big", "-DARENA=2097152")), 1);
    int32_t n = dier_field(wd, D_FRAMES);
    CHECK(n >= 13 - 30 / 4 && n <= 12);
    CHECK_EQ(dier_field(wd, D_A), n);
    CHECK_EQ(dier_field(wd, D_D), n);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(dier_field(wd, D_SEEN), n); /* the arena of the same frame */
    printf("     8 MiB arena: runner died in frame 13, restarted on frame %d\n", (int)n);
    /* a clean close saves the complete frames since the last spaced commit */
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_big", "-DARENA=2097152")), 1);
    CHECK_EQ(dier_field(wd, D_FRAMES), n + 4);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(dier_field(wd, D_SEEN), n + 4);
    kiln_destroy(rt);
}

static int load_v(kiln_runtime *rt, const char *image, int32_t version, int32_t restore_before, kiln_load_result *r) {
    kiln_load_desc d = {"dier", image, version, restore_before};
    return kiln_load(rt, &d, r);
}

/* kiln_restore (loop recording) puts back a complete frame: it is committed at once. */
static void test_commit_after_kiln_restore(void) {
    const char *wd = new_workdir();
    const char *image = compile_dier("dier_plain", "");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        kiln_runtime *rt = kiln_create(W, H, wd);
        if (!rt || kiln_load_plugin(rt, "dier", image) != 1) _exit(10);
        for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
        static uint8_t snap[1 << 16];
        int32_t n = kiln_snapshot(rt, snap, sizeof snap);
        if (n <= 0) _exit(11);
        for (int i = 0; i < 4; i++) kiln_frame(rt, 1.0 / 60);
        if (kiln_restore(rt, snap, n) != KILN_OK) _exit(12);
        _exit(0); /* dies before another frame */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    check_restart_sees_frame(wd, 3);
}

static void test_checkpoint_restores_state_from_before_the_bad_swap(void) {
    const char *wd = new_workdir();
    const char *v1 = compile_dier("dier_v1", "-DMARK=1");
    const char *v2 = compile_dier("dier_bad", "-DHOW=4 -DDIE_AT=9 -DMARK=2");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        kiln_runtime *rt = kiln_create(W, H, wd);
        kiln_load_result r;
        if (!rt || load_v(rt, v1, 1, 0, &r) != KILN_OK) _exit(10);
        for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);      /* frames 1-5 by v1 */
        if (load_v(rt, v2, 2, 0, &r) != KILN_OK) _exit(11);        /* checkpoint of v2: frame 5 */
        for (int i = 0; i < 20; i++) kiln_frame(rt, 1.0 / 60);     /* v2 scribbles (committed), dies at 9 */
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    /* without restore_before the last committed frame is v2's scribbled frame 8 */
    CHECK_EQ(dier_field(wd, D_MARK), 666);
    double t0 = now();
    kiln_runtime *rt = kiln_create(W, H, wd);
    kiln_load_result r;
    CHECK_EQ(load_v(rt, v1, 1, 2, &r), KILN_OK);
    printf("     bad version killed the runner -> new runtime + v1 from the checkpoint: %.2f ms\n", (now() - t0) * 1e3);
    CHECK_EQ(r.state_action, KILN_STATE_RESTORED);
    CHECK_CONTAINS(drain(rt), "started from the checkpoint taken before version 2 was swapped in");
    CHECK_EQ(dier_field(wd, D_FRAMES), 5);
    CHECK_EQ(dier_field(wd, D_MARK), 1);
    CHECK_EQ(dier_field(wd, D_C), 5);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(dier_field(wd, D_SEEN), 5); /* the arena as v1 left it, not v2's -1s */
    CHECK_EQ(dier_field(wd, D_FRAMES), 6);
    kiln_destroy(rt);
    /* the checkpoint start was committed: a second restart without restore_before continues from it */
    rt = kiln_create(W, H, wd);
    CHECK_EQ(load_v(rt, v1, 1, 0, &r), KILN_OK);
    CHECK_EQ(dier_field(wd, D_FRAMES), 6);
    CHECK_EQ(dier_field(wd, D_MARK), 1);
    kiln_destroy(rt);
}

static void test_checkpoint_missing_says_so_and_uses_last_commit(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_result r;
    const char *v1 = compile_dier("dier_v1", "-DMARK=1");
    CHECK_EQ(load_v(rt, v1, 1, 0, &r), KILN_OK);
    for (int i = 0; i < 4; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    rt = kiln_create(W, H, wd);
    CHECK_EQ(load_v(rt, v1, 7, 7, &r), KILN_OK);
    CHECK_EQ(r.state_action, KILN_STATE_RESTORED);
    CHECK_CONTAINS(drain(rt), "there is no checkpoint from before version 7");
    CHECK_EQ(dier_field(wd, D_FRAMES), 4);
    kiln_destroy(rt);
}

static void test_checkpoints_keep_the_newest_four(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_result r;
    const char *v1 = compile_dier("dier_v1", "-DMARK=1");
    /* versions 1..7, one frame each: the checkpoint of version k holds frame k-1 */
    for (int v = 1; v <= 7; v++) {
        CHECK_EQ(load_v(rt, v1, v, 0, &r), KILN_OK);
        kiln_frame(rt, 1.0 / 60);
    }
    kiln_destroy(rt);
    for (int v = 2; v <= 7; v++) {
        rt = kiln_create(W, H, wd);
        CHECK_EQ(load_v(rt, v1, 1, v, &r), KILN_OK);
        const char *m = drain(rt);
        if (v >= 4) { /* 4, 5, 6, 7 kept */
            CHECK_CONTAINS(m, "started from the checkpoint");
            CHECK_EQ(dier_field(wd, D_FRAMES), v - 1);
        } else {
            CHECK_CONTAINS(m, "there is no checkpoint from before version");
        }
        kiln_destroy(rt);
    }
}

/* Writes the state file of a valid run, then lets `patch` damage it; with no commit store, a new runtime must
   ignore the file with a message naming the problem and start fresh. */
static void check_bad_state_file(void (*patch)(uint8_t *file, size_t *len), const char *expect) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    char p[600];
    snprintf(p, sizeof p, "%s/state/dier.state", wd);
    static uint8_t buf[65536];
    FILE *f = fopen(p, "rb");
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(len > 32);
    patch(buf, &len);
    f = fopen(p, "wb");
    if (f) { fwrite(buf, 1, len, f); fclose(f); }
    snprintf(p, sizeof p, "%s/state/dier.commit", wd);
    remove(p); /* the state file is read back only when there is no commit store */
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_NEW);
    const char *m = drain(rt);
    CHECK_CONTAINS(m, "was ignored because");
    CHECK_CONTAINS(m, expect);
    CHECK_EQ(dier_field(wd, D_FRAMES), 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
}
/* state file: 32-byte header, 40 state bytes, then 64-byte records (name[48], type, offset, count, reserved) */
#define REC(i) (32 + 40 + 64 * (i))
static void patch_name_unterminated(uint8_t *b, size_t *n) { (void)n; memset(b + REC(2), 'x', 48); }
static void patch_type(uint8_t *b, size_t *n) { (void)n; uint32_t t = 99; memcpy(b + REC(1) + 48, &t, 4); }
static void patch_offset(uint8_t *b, size_t *n) { (void)n; uint32_t o = 38; memcpy(b + REC(3) + 52, &o, 4); }
static void patch_count(uint8_t *b, size_t *n) { (void)n; uint32_t c = 0xFFFFFFFFu; memcpy(b + REC(4) + 56, &c, 4); }
static void patch_duplicate(uint8_t *b, size_t *n) { (void)n; memset(b + REC(1), 0, 48); memcpy(b + REC(1), "frames", 6); }
static void patch_field_count(uint8_t *b, size_t *n) { (void)n; uint32_t c = 200; memcpy(b + 20, &c, 4); }
static void patch_truncated(uint8_t *b, size_t *n) { (void)b; *n -= 10; }
static void patch_state_size(uint8_t *b, size_t *n) { (void)n; uint32_t s = 0x7fffffffu; memcpy(b + 12, &s, 4); }

static void test_state_file_with_bad_field_records_is_ignored(void) {
    check_bad_state_file(patch_name_unterminated, "has no terminated name");
    check_bad_state_file(patch_type, "unknown type 99");
    check_bad_state_file(patch_offset, "does not fit in the 40-byte state");
    check_bad_state_file(patch_count, "does not fit in the 40-byte state");
    check_bad_state_file(patch_duplicate, "field \"frames\" appears twice");
    check_bad_state_file(patch_field_count, "sizes do not add up");
    check_bad_state_file(patch_truncated, "sizes do not add up");
    check_bad_state_file(patch_state_size, "sizes do not add up");
}

static void test_damaged_commit_files_are_ignored(void) {
    /* a truncated commit header: ignored with a message; the state file (same frame) is used */
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    char p[600];
    snprintf(p, sizeof p, "%s/state/dier.commit", wd);
    CHECK_EQ(truncate(p, 100), 0);
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    const char *m = drain(rt);
    CHECK_CONTAINS(m, "dier.commit was ignored because it is truncated");
    CHECK_EQ(dier_field(wd, D_FRAMES), 3);
    for (int i = 0; i < 2; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    /* every slot file cut short: the committed one is refused by name, the game still starts */
    for (int i = 0; i < 6; i++) {
        snprintf(p, sizeof p, "%s/state/dier.commit.%d", wd, i);
        if (file_size(p) > 0) CHECK_EQ(truncate(p, 70), 0);
    }
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    m = drain(rt);
    CHECK_CONTAINS(m, "is truncated");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
    /* garbage in every commit file: ignored, a fresh store is made, frames commit again */
    const char *names[] = {"dier.commit", "dier.commit.0", "dier.commit.1", "dier.commit.2"};
    for (int k = 0; k < 4; k++) {
        snprintf(p, sizeof p, "%s/state/%s", wd, names[k]);
        FILE *f = fopen(p, "wb");
        for (int i = 0; f && i < 1000; i++) fputc((i * 7919) & 0xFF, f);
        if (f) fclose(f);
    }
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    CHECK_CONTAINS(drain(rt), "dier.commit was ignored because it is not a Kiln commit file");
    int32_t before = dier_field(wd, D_FRAMES);
    for (int i = 0; i < 2; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    check_restart_sees_frame(wd, before + 2);
}

/* A slot whose arena image is damaged (a block header overwritten): refused by name, the state reset, no crash. */
static void test_damaged_arena_image_resets_state(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    /* slot file: 64-byte header, 48 bytes of state (40 padded), 7 field records, then the arena: its 64-byte
       header and the first block's header */
    long at = 64 + 48 + 7 * 64 + 64;
    int damaged = 0;
    for (int i = 0; i < 6; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/state/dier.commit.%d", wd, i);
        FILE *f = fopen(p, "r+b");
        if (!f) continue;
        if (fseek(f, at, SEEK_SET) == 0 && fwrite("\xde\xad\xbe\xef", 1, 4, f) == 4) damaged++;
        fclose(f);
    }
    CHECK(damaged >= 1);
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESET);
    CHECK_CONTAINS(drain(rt), "the saved memory from alloc() was refused (the saved arena's block list is damaged)");
    CHECK_EQ(dier_field(wd, D_FRAMES), 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* init allocated a fresh block */
    CHECK_EQ(dier_field(wd, D_FRAMES), 1);
    kiln_destroy(rt);
}

/* A commit store that cannot be created (here: a folder where the file should be; root ignores permissions):
   said once, the game runs on without commits, no warning per frame. */
static void test_commit_store_that_cannot_be_made_is_said_once(void) {
    const char *wd = new_workdir();
    char p[600];
    snprintf(p, sizeof p, "%s/state", wd);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/state/dier.commit", wd);
    CHECK_EQ(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/state/dier.commit/x", wd);
    FILE *f = fopen(p, "w"); /* not empty: a rename over it fails */
    if (f) fclose(f);
    kiln_runtime *rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier("dier_plain", "")), 1);
    CHECK_CONTAINS(drain(rt), "could not create the commit file");
    for (int i = 0; i < 5; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK(strstr(drain(rt), "commit") == NULL);
    CHECK_EQ(dier_field(wd, D_FRAMES), 5);
    kiln_destroy(rt);
    remove(p);
}

static void test_duplicate_field_name_is_refused(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    char err[1024] = "";
    int32_t rc = kiln_load_plugin_report(rt, "dier", compile_dier("dier_dup", "-DDUP"), 0, err, sizeof err);
    CHECK_EQ(rc, KILN_ERR_ABI);
    CHECK_CONTAINS(err, "field \"a\" appears twice in the field table of dier");
    kiln_destroy(rt);
}

/* The game thread's cost: average kiln_frame time of the fixture (which does almost nothing) with a small arena
   and with a 1 MiB one; the commit is most of it. Printed, not asserted (a busy machine varies). */
static void test_commit_cost(void) {
    const struct { const char *what, *flags; } cases[] = {
        {"40-byte state, 1 KiB arena", "-DARENA=256"},
        {"40-byte state, 1 MiB arena", "-DARENA=262144"},
        {"40-byte state, 8 MiB arena", "-DARENA=2097152"},
    };
    for (int c = 0; c < 3; c++) {
        const char *wd;
        kiln_runtime *rt = make_rt(&wd);
        char out[64];
        snprintf(out, sizeof out, "dier_cost%d", c);
        CHECK_EQ(kiln_load_plugin(rt, "dier", compile_dier(out, cases[c].flags)), 1);
        for (int i = 0; i < 30; i++) kiln_frame(rt, 1.0 / 60); /* slot files created and mapped */
        double best = 1e9, total = 0;
        const int n = 300;
        for (int i = 0; i < n; i++) {
            double t0 = now();
            kiln_frame(rt, 1.0 / 60);
            double t = now() - t0;
            total += t;
            if (t < best) best = t;
        }
        printf("     kiln_frame with commits, %-28s mean %7.1f us, best %7.1f us\n", cases[c].what, total / n * 1e6, best * 1e6);
        kiln_destroy(rt);
    }
}

#define COMMIT_TESTS                                                                                              \
    {"commit_exit_mid_update_keeps_last_frame", test_commit_exit_mid_update_keeps_last_frame},                    \
    {"commit_sigkill_mid_update_keeps_last_frame", test_commit_sigkill_mid_update_keeps_last_frame},              \
    {"commit_abort_with_default_handler_keeps_last_frame", test_commit_abort_with_default_handler_keeps_last_frame}, \
    {"commit_death_in_draw_drops_that_frames_update", test_commit_death_in_draw_drops_that_frames_update},        \
    {"commit_death_before_any_frame_keeps_loaded_state", test_commit_death_before_any_frame_keeps_loaded_state},  \
    {"commit_crashed_shutdown_is_not_saved", test_commit_crashed_shutdown_is_not_saved},                          \
    {"commit_after_kiln_restore", test_commit_after_kiln_restore},                                                \
    {"commit_big_arena_spaced_but_consistent", test_commit_big_arena_spaced_but_consistent},                      \
    {"checkpoint_restores_state_from_before_the_bad_swap", test_checkpoint_restores_state_from_before_the_bad_swap}, \
    {"checkpoint_missing_says_so_and_uses_last_commit", test_checkpoint_missing_says_so_and_uses_last_commit},    \
    {"checkpoints_keep_the_newest_four", test_checkpoints_keep_the_newest_four},                                  \
    {"state_file_with_bad_field_records_is_ignored", test_state_file_with_bad_field_records_is_ignored},          \
    {"damaged_commit_files_are_ignored", test_damaged_commit_files_are_ignored},                                  \
    {"damaged_arena_image_resets_state", test_damaged_arena_image_resets_state},                                  \
    {"commit_store_that_cannot_be_made_is_said_once", test_commit_store_that_cannot_be_made_is_said_once},      \
    {"duplicate_field_name_is_refused", test_duplicate_field_name_is_refused},                                    \
    {"commit_cost", test_commit_cost},
