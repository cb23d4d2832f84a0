/* test_inspect.c — the state inspector (kiln_state_read / kiln_state_write), included by test_runtime.c.
   Uses tests/fixtures/fields.c (layout 1: score i32 = 7 after init, +1 per update; x f32 = 1.5; lives i32 = 3;
   hist i32[4] = 1,2,3,4) and counter_v1 (no field table). */
#include <sys/wait.h>

typedef struct { int32_t score; float x; int32_t lives; int32_t hist[4]; } inspect_state; /* fields.c layout 1 */

static kiln_state_value int_value(int64_t i) { kiln_state_value v = {KILN_VALUE_INT, 0, i, 0}; return v; }
static kiln_state_value float_value(double f) { kiln_state_value v = {KILN_VALUE_FLOAT, 0, 0, f}; return v; }
static kiln_state_value bool_value(int b) { kiln_state_value v = {KILN_VALUE_BOOL, 0, b, 0}; return v; }

/* Reads plugin `index` into *st (fields.c's layout); returns kiln_state_read's result. */
static int32_t inspect_read(kiln_runtime *rt, int index, kiln_state_info *info, kiln_state_field *fields, inspect_state *st) {
    return kiln_state_read(rt, index, info, fields, 16, (uint8_t *)st, (int32_t)sizeof *st);
}

static void test_inspect_reads_fields_and_bytes(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_state_plugin_count(rt), 0);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields1", "fields.c", "-DLAYOUT=1")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "plain", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_state_plugin_count(rt), 2);

    kiln_state_info info;
    kiln_state_field fields[16];
    inspect_state st;
    CHECK_EQ(inspect_read(rt, 0, &info, fields, &st), KILN_OK);
    CHECK(strcmp(info.plugin, "fields") == 0);
    CHECK_EQ(info.version, 1);
    CHECK_EQ(info.paused, 0);
    CHECK_EQ(info.state_size, sizeof st);
    CHECK_EQ(info.field_count, 4);
    CHECK_EQ(info.frame, 1);
    CHECK(info.layout_hash != 0);
    CHECK(strcmp(fields[0].name, "score") == 0 && fields[0].type == KILN_I32 && fields[0].offset == 0 && fields[0].count == 1);
    CHECK(strcmp(fields[1].name, "x") == 0 && fields[1].type == KILN_F32 && fields[1].offset == 4);
    CHECK(strcmp(fields[3].name, "hist") == 0 && fields[3].count == 4 && fields[3].offset == 12);
    CHECK_EQ(st.score, 8); /* init 7, one update */
    CHECK(st.x == 1.5f);
    CHECK_EQ(st.hist[3], 4);

    /* too small: only the info, so the caller can grow its buffers */
    uint8_t small[4];
    CHECK_EQ(kiln_state_read(rt, 0, &info, fields, 16, small, sizeof small), KILN_ERR_INVALID);
    CHECK_EQ(info.state_size, sizeof st);
    CHECK_EQ(kiln_state_read(rt, 0, &info, fields, 2, (uint8_t *)&st, sizeof st), KILN_ERR_INVALID);
    CHECK_EQ(info.field_count, 4);

    /* a plugin without a table: its bytes, no fields */
    uint8_t bytes[4096];
    CHECK_EQ(kiln_state_read(rt, 1, &info, NULL, 0, bytes, sizeof bytes), KILN_OK);
    CHECK(strcmp(info.plugin, "plain") == 0);
    CHECK_EQ(info.field_count, 0);
    CHECK(info.state_size > 0);
    int32_t frames;
    memcpy(&frames, bytes, 4); /* counter.c: frames first */
    CHECK_EQ(frames, 1);
    CHECK_EQ(kiln_state_read(rt, 2, &info, NULL, 0, bytes, sizeof bytes), KILN_ERR_NOT_FOUND);

    /* the cost of one read, for the inspector's 10 reads a second */
    enum { READS = 20000 };
    double t0 = now();
    for (int i = 0; i < READS; i++) inspect_read(rt, 0, &info, fields, &st);
    printf("     state read (fields.c, %u bytes, %u fields): %.2f us\n", info.state_size, info.field_count,
           (now() - t0) / READS * 1e6);
    kiln_destroy(rt);
}

static void test_inspect_write_lands_between_frames_and_is_logged(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields1", "fields.c", "-DLAYOUT=1")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    drain(rt);

    kiln_state_write_result r;
    kiln_state_value v = int_value(100);
    CHECK_EQ(kiln_state_write(rt, "fields", "score", 0, &v, &r), KILN_OK);
    CHECK_EQ(r.code, KILN_OK);
    CHECK_EQ(r.type, KILN_I32);
    CHECK(r.old_value == 8 && r.new_value == 100);
    CHECK(r.error[0] == '\0');
    v = float_value(-2.25);
    CHECK_EQ(kiln_state_write(rt, "fields", "x", 0, &v, &r), KILN_OK);
    v = float_value(40); /* a whole float is fine for an int */
    CHECK_EQ(kiln_state_write(rt, "fields", "hist", 2, &v, &r), KILN_OK);
    const char *log = drain(rt);
    CHECK_CONTAINS(log, "0:fields.score: 8 \xe2\x86\x92 100 (inspector)");
    CHECK_CONTAINS(log, "fields.x: 1.5 \xe2\x86\x92 -2.25 (inspector)");
    CHECK_CONTAINS(log, "fields.hist[2]: 3 \xe2\x86\x92 40 (inspector)");

    /* the game goes on from the written values: update adds one to score */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_state_info info;
    kiln_state_field fields[16];
    inspect_state st;
    CHECK_EQ(inspect_read(rt, 0, &info, fields, &st), KILN_OK);
    CHECK_EQ(st.score, 101);
    CHECK(st.x == -2.25f);
    CHECK_EQ(st.hist[2], 40);
    CHECK_EQ(st.hist[1], 2);
    kiln_destroy(rt);
}

static void test_inspect_write_refusals_change_nothing(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "fields", compile_plugin("fields1", "fields.c", "-DLAYOUT=1")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "plain", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_state_info info;
    kiln_state_field fields[16];
    inspect_state before, after;
    CHECK_EQ(inspect_read(rt, 0, &info, fields, &before), KILN_OK);
    drain(rt);

    kiln_state_write_result r;
    kiln_state_value v = int_value(1);
    CHECK_EQ(kiln_state_write(rt, "nobody", "score", 0, &v, &r), KILN_ERR_NOT_FOUND);
    CHECK_CONTAINS(r.error, "nobody: no plugin of that name is loaded");
    CHECK_EQ(kiln_state_write(rt, "fields", "speed", 0, &v, &r), KILN_ERR_NOT_FOUND);
    CHECK_CONTAINS(r.error, "no field \"speed\"");
    CHECK_EQ(kiln_state_write(rt, "fields", "hist", 4, &v, &r), KILN_ERR_INVALID);
    CHECK_CONTAINS(r.error, "fields.hist has 4 elements: index 4 is past its end");
    CHECK_EQ(kiln_state_write(rt, "fields", "score", 1, &v, &r), KILN_ERR_INVALID);
    CHECK_CONTAINS(r.error, "has 1 element: index 1");
    v = float_value(1.5);
    CHECK_EQ(kiln_state_write(rt, "fields", "score", 0, &v, &r), KILN_ERR_INVALID);
    CHECK_CONTAINS(r.error, "1.5 is not a whole number");
    CHECK_CONTAINS(r.error, "fields.score is an i32");
    v = int_value(3000000000LL);
    CHECK_EQ(kiln_state_write(rt, "fields", "score", 0, &v, &r), KILN_ERR_INVALID);
    CHECK_CONTAINS(r.error, "3000000000 does not fit an i32");
    v = float_value(1e39);
    CHECK_EQ(kiln_state_write(rt, "fields", "x", 0, &v, &r), KILN_ERR_INVALID);
    CHECK_CONTAINS(r.error, "does not fit an f32");
    v = bool_value(1);
    CHECK_EQ(kiln_state_write(rt, "fields", "score", 0, &v, &r), KILN_ERR_INVALID);
    CHECK_CONTAINS(r.error, "true/false fits only a bool field");
    v = int_value(5);
    CHECK_EQ(kiln_state_write(rt, "plain", "frames", 0, &v, &r), KILN_ERR_INVALID);
    CHECK_CONTAINS(r.error, "plain has no KILN_FIELD table");
    CHECK_CONTAINS(kiln_last_error(rt), "plain has no KILN_FIELD table");
    CHECK_EQ(kiln_state_write(rt, NULL, "x", 0, &v, &r), KILN_ERR_INVALID);
    CHECK_EQ(kiln_state_write(rt, "fields", "score", 0, NULL, &r), KILN_ERR_INVALID);

    CHECK_EQ(inspect_read(rt, 0, &info, fields, &after), KILN_OK);
    CHECK(memcmp(&before, &after, sizeof before) == 0);
    CHECK(strstr(drain(rt), "(inspector)") == NULL); /* nothing logged for a refusal */
    kiln_destroy(rt);
}

/* A write is committed like a frame: a runner that vanishes right after it (no more frames, no kiln_destroy)
   comes back with the edit. */
static void test_inspect_write_survives_a_runner_death(void) {
    const char *wd = new_workdir();
    const char *image = compile_plugin("fields1", "fields.c", "-DLAYOUT=1");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        kiln_runtime *rt = kiln_create(W, H, wd);
        if (!rt || kiln_load_plugin(rt, "fields", image) != 1) _exit(10);
        for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
        kiln_state_value v = int_value(555);
        if (kiln_state_write(rt, "fields", "score", 0, &v, NULL) != KILN_OK) _exit(11);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    kiln_runtime *rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "fields", image), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESTORED);
    kiln_state_info info;
    kiln_state_field fields[16];
    inspect_state st;
    CHECK_EQ(inspect_read(rt, 0, &info, fields, &st), KILN_OK);
    CHECK_EQ(st.score, 555);
    kiln_destroy(rt);
}

#define INSPECT_TESTS                                                                                      \
    {"inspect_reads_fields_and_bytes", test_inspect_reads_fields_and_bytes},                               \
    {"inspect_write_lands_between_frames_and_is_logged", test_inspect_write_lands_between_frames_and_is_logged}, \
    {"inspect_write_refusals_change_nothing", test_inspect_write_refusals_change_nothing},                 \
    {"inspect_write_survives_a_runner_death", test_inspect_write_survives_a_runner_death},
