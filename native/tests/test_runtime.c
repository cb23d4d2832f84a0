/* test_runtime.c — libkiln behaviour tests. Every test compiles-in nothing: it dlopens real fixture
   plugins built by the Makefile (KILN_FIXTURES) and checks what a user would notice: pixels, state on
   disk, versions, messages, temp files. Usage: test_runtime [substring-of-test-name] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kiln_runtime.h"
#include "hot_reload.h"
#define KILN_NO_SHORT_NAMES
#include "kiln.h"
#include "test.h"

#define W 320
#define H 180

/* --- helpers ------------------------------------------------------------------------------------------------ */
static const char *fixture(const char *name) {
    static char buf[32][4096];
    static int i;
    const char *dir = getenv("KILN_FIXTURES");
    char *out = buf[i++ % 32];
    snprintf(out, 4096, "%s/%s.so", dir ? dir : "build/fixtures", name);
    return out;
}

static char workdirs[64][256];
static int nworkdirs;
static const char *new_workdir(void) {
    char *d = workdirs[nworkdirs++ % 64];
    snprintf(d, 256, "/tmp/kiln-test-XXXXXX");
    if (!mkdtemp(d)) { perror("mkdtemp"); exit(2); }
    return d;
}
static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w) { (void)s; (void)f; (void)w; return remove(p); }
static void remove_workdirs(void) {
    for (int i = 0; i < nworkdirs && i < 64; i++) nftw(workdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}
static int tmp_files(const char *wd) { char p[512]; snprintf(p, sizeof p, "%s/tmp", wd); return count_files(p); }

static int open_fds(void) { return count_files("/proc/self/fd") - 1; }

/* Reads int32 fields of a plugin's state from its state file (header: 8 magic + 6 u32). */
static int read_state(const char *wd, const char *name, int32_t *out, int n, uint32_t *size, uint32_t *version) {
    char p[512];
    snprintf(p, sizeof p, "%s/state/%s.state", wd, name);
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    unsigned char hdr[32];
    int ok = fread(hdr, 1, 32, f) == 32 && memcmp(hdr, "KILNSTAT", 8) == 0;
    if (ok && size) memcpy(size, hdr + 12, 4);
    if (ok && version) memcpy(version, hdr + 16, 4);
    if (ok && n) ok = fread(out, 4, (size_t)n, f) == (size_t)n;
    fclose(f);
    return ok ? 0 : -1;
}
static int32_t state_field(const char *wd, const char *name, int idx) {
    int32_t v[8] = {0};
    if (read_state(wd, name, v, idx + 1, NULL, NULL) != 0) return -999;
    return v[idx];
}
enum { F_FRAMES, F_INITS, F_RELOADS, F_KEYS, F_PRESSES, F_MIGRATED };

static uint8_t fbuf[W * H * 4];
static uint32_t pixel(kiln_runtime *rt, int x, int y) {
    int32_t n = kiln_copy_framebuffer(rt, fbuf, sizeof fbuf);
    if (n != W * H * 4) return 0xDEADBEEF;
    const uint8_t *p = fbuf + ((size_t)y * W + (size_t)x) * 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t px(int x, int y) { /* from the last copy */
    const uint8_t *p = fbuf + ((size_t)y * W + (size_t)x) * 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Drains the message queue; returns the concatenation ("level:text\n" each). */
static char msgs[16384];
static const char *drain(kiln_runtime *rt) {
    msgs[0] = '\0';
    char buf[2048];
    int32_t level;
    size_t used = 0;
    while (kiln_poll_message(rt, buf, sizeof buf, &level) >= 0) {
        int n = snprintf(msgs + used, sizeof msgs - used, "%d:%s\n", (int)level, buf);
        if (n > 0 && used + (size_t)n < sizeof msgs) used += (size_t)n;
    }
    return msgs;
}

static kiln_runtime *make_rt(const char **wd_out) {
    const char *wd = new_workdir();
    if (wd_out) *wd_out = wd;
    kiln_runtime *rt = kiln_create(W, H, wd);
    if (!rt) { fprintf(stderr, "kiln_create: %s\n", kiln_create_error()); exit(2); }
    return rt;
}

static double now(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }

/* Compiles tests/fixtures/<src> with `flags` into a shared library during the test; returns its path.
   KILN_TEST_SRC, KILN_PLUGIN_INCLUDE and CC come from the Makefile. */
static char build_root[256];
static const char *compile_plugin(const char *out, const char *src, const char *flags) {
    static char paths[16][512];
    static int k;
    if (!build_root[0]) {
        snprintf(build_root, sizeof build_root, "/tmp/kiln-test-build-XXXXXX");
        if (!mkdtemp(build_root)) { perror("mkdtemp"); exit(2); }
    }
    const char *srcdir = getenv("KILN_TEST_SRC"), *inc = getenv("KILN_PLUGIN_INCLUDE"), *cc = getenv("CC");
    char *path = paths[k++ % 16];
    snprintf(path, 512, "%s/%s.so", build_root, out);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -std=c11 -O1 -shared -fPIC -Wall -Werror -I%s %s %s/%s -o %s", cc && *cc ? cc : "cc",
             inc ? inc : "../plugins/include", flags ? flags : "", srcdir ? srcdir : "tests/fixtures", src, path);
    if (system(cmd) != 0) { fprintf(stderr, "  FAIL compiling: %s\n", cmd); test_failed_checks++; }
    return path;
}
static void copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
    if (in) fclose(in);
    if (out) fclose(out);
}
static long file_size(const char *p) { struct stat st; return stat(p, &st) == 0 ? (long)st.st_size : -1; }

/* --- tests -------------------------------------------------------------------------------------------------- */
static void test_create_rejects_bad_arguments(void) {
    CHECK(kiln_create(0, 10, "/tmp") == NULL);
    CHECK_CONTAINS(kiln_create_error(), "out of range");
    CHECK(kiln_create(10, 10, NULL) == NULL);
    const char *wd = new_workdir();
    char file[300];
    snprintf(file, sizeof file, "%s/afile", wd);
    FILE *f = fopen(file, "w"); fputs("x", f); fclose(f);
    CHECK(kiln_create(10, 10, file) == NULL); /* work_dir is a file */
    CHECK_CONTAINS(kiln_create_error(), "cannot create folder");
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_width(rt), W);
    CHECK_EQ(kiln_height(rt), H);
    CHECK_EQ(pixel(rt, 5, 5), 0x000000FF); /* starts opaque black */
    CHECK_EQ(kiln_copy_framebuffer(rt, fbuf, 10), KILN_ERR_INVALID);
    CHECK_EQ(kiln_load_plugin(rt, "bad name!", fixture("counter_v1")), KILN_ERR_INVALID);
    CHECK_CONTAINS(kiln_last_error(rt), "invalid plugin name");
    CHECK_EQ(kiln_reset_state(rt, "nope"), KILN_ERR_NOT_FOUND);
    CHECK_EQ(kiln_plugin_version(rt, "nope"), 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* no plugins: fine */
    kiln_destroy(rt);
}

static void test_draw_primitives(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "shapes", fixture("shapes")), 1);
    double t0 = now();
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK(now() - t0 < 0.5); /* huge clipped circle must not take long */
    pixel(rt, 0, 0);
    CHECK_EQ(px(11, 10), 0xFF0000FF);  /* fill_rect corners ((10,10) is on the diagonal) */
    CHECK_EQ(px(29, 19), 0xFF0000FF);
    CHECK_EQ(px(30, 19), 0x000000FF);
    CHECK_EQ(px(29, 20), 0x000000FF);
    CHECK_EQ(px(40, 10), 0x00FF00FF);  /* outline, hollow inside */
    CHECK_EQ(px(59, 19), 0x00FF00FF);
    CHECK_EQ(px(50, 15), 0x000000FF);
    CHECK_EQ(px(0, 100), 0x0000FFFF);  /* line end to end */
    CHECK_EQ(px(319, 100), 0x0000FFFF);
    CHECK_EQ(px(5, 5), 0x00FFFFFF);    /* clipped diagonal passes through (5,5) */
    CHECK_EQ(px(170, 170), 0x00FFFFFF);
    CHECK_EQ(px(100, 50), 0xFFFFFFFF); /* circle centre and extent */
    CHECK_EQ(px(105, 50), 0xFFFFFFFF);
    CHECK_EQ(px(100, 45), 0xFFFFFFFF);
    CHECK_EQ(px(104, 46), 0x000000FF); /* outside the disc's corner */
    CHECK_EQ(px(106, 50), 0x000000FF);
    CHECK_EQ(px(319, 179), 0xFF00FFFF); /* clipped rect */
    uint32_t grey = px(155, 155);      /* 50% black over white */
    CHECK((grey >> 24) >= 0x7C && (grey >> 24) <= 0x83 && (grey & 0xFF) == 0xFF);
    /* "A" at (200,20) scale 2: glyph row 0 is ".###." at cell columns 2..4 -> pixels x 204..209, y 20..21 */
    CHECK_EQ(px(204, 20), 0xFFFF00FF);
    CHECK_EQ(px(209, 21), 0xFFFF00FF);
    CHECK_EQ(px(202, 20), 0x000000FF);
    CHECK_EQ(px(202, 22), 0xFFFF00FF); /* row 1 "#...#": left leg at column 1 */
    CHECK_EQ(px(206, 22), 0x000000FF); /* hollow above the crossbar */
    CHECK_EQ(px(206, 26), 0xFFFF00FF); /* crossbar: row 3 "#####" -> y 26, 27 */
    CHECK_EQ(px(206, 30), 0x000000FF); /* open below it */
    int yellow = 0;
    for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) yellow += px(x, y) == 0xFFFF00FF;
    CHECK(yellow > 40 && yellow < 16 * 16);
    kiln_destroy(rt);
}

static void test_load_runs_and_state_is_a_mapped_file(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_NEW);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(state_field(wd, "c", F_INITS), 1);
    for (int i = 0; i < 5; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_frame_count(rt), 5);
    CHECK_EQ(pixel(rt, 160, 90), 0xFF0000FF);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 5); /* visible through the file while running */
    CHECK_CONTAINS(drain(rt), "0:c: counter: init"); /* the plugin's name comes first */
    kiln_destroy(rt);
}

static void test_reload_keeps_state_and_swaps_code(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v2")), 2);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_KEPT);
    CHECK_EQ(state_field(wd, "c", F_RELOADS), 1); /* on_reload ran */
    CHECK_EQ(state_field(wd, "c", F_INITS), 1);   /* init did not */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0x00FF00FF);        /* new code */
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 6);  /* old state */
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 3);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 7);
    kiln_destroy(rt);
}

static char failing_load_error[512];
static void *failing_load_thread(void *arg) {
    kiln_load_plugin_report((kiln_runtime *)arg, "c", "", 9, failing_load_error, sizeof failing_load_error);
    return NULL;
}

/* The host's own version numbers label the images, so crash reports speak the editor's numbers. */
static void test_load_with_host_version_numbers(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin_version(rt, "c", fixture("counter_v1"), 7), 7);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 7);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_load_plugin_version(rt, "c", fixture("crash_segv"), 8), 8);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 7);
    CHECK_CONTAINS(kiln_last_error(rt), "in version 8; rolled back to version 7");
    CHECK_EQ(kiln_load_plugin_version(rt, "c", fixture("counter_v2"), 0), 3); /* 0: count loads (the third) */
    kiln_destroy(rt);
}

/* Loads from another thread report their own error; a frame's crash report stays the game thread's own. */
static void test_errors_belong_to_their_thread(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    char err[256] = "untouched";
    CHECK_EQ(kiln_load_plugin_report(rt, "c", fixture("counter_v1"), 1, err, sizeof err), 1);
    CHECK(err[0] == '\0');
    CHECK_EQ(kiln_load_plugin_report(rt, "c", fixture("no_entry"), 2, err, sizeof err), KILN_ERR_NO_ENTRY);
    CHECK_CONTAINS(err, "kiln_plugin_entry");
    CHECK_EQ(kiln_load_plugin_report(rt, "c", fixture("crash_segv"), 3, err, sizeof err), 3);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    /* a load on another thread that fails now must not replace this thread's crash report */
    pthread_t t;
    pthread_create(&t, NULL, failing_load_thread, rt);
    pthread_join(t, NULL);
    CHECK_CONTAINS(kiln_thread_last_error(), "crashed with SIGSEGV");
    CHECK_CONTAINS(failing_load_error, "no image");
    kiln_destroy(rt);
}

static void test_failed_loads_change_nothing(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    kiln_frame(rt, 1.0 / 60);
    char text[300];
    snprintf(text, sizeof text, "%s/not-a-library.so", wd);
    FILE *f = fopen(text, "w"); fputs("int main(){}\n", f); fclose(f);

    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("no_entry")), KILN_ERR_NO_ENTRY);
    CHECK_CONTAINS(kiln_last_error(rt), "did you forget KILN_PLUGIN(...)");
    CHECK_CONTAINS(kiln_last_error(rt), "no_entry.so");
    CHECK_EQ(kiln_load_plugin(rt, "c", text), KILN_ERR_DLOPEN);
    CHECK_CONTAINS(kiln_last_error(rt), "dlopen failed");
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("undefined_sym")), KILN_ERR_DLOPEN);
    CHECK_CONTAINS(kiln_last_error(rt), "kiln_fixture_missing_function");
    CHECK_EQ(kiln_load_plugin(rt, "c", "/nonexistent/pong.so"), KILN_ERR_COPY);
    CHECK_CONTAINS(kiln_last_error(rt), "could not copy /nonexistent/pong.so");
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("bad_abi")), KILN_ERR_ABI);
    CHECK_CONTAINS(kiln_last_error(rt), "ABI version 99");
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("null_entry")), KILN_ERR_ABI);
    CHECK_CONTAINS(kiln_last_error(rt), "returned NULL");
    /* crash_init's init would crash, but the layout is the same: the state is KEPT and init never runs */
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_init")), 2);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 2);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 3);

    CHECK_EQ(kiln_plugin_version(rt, "c"), 3);
    CHECK_EQ(tmp_files(wd), 2); /* failed loads left no temp copies */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 2);
    /* a new plugin that fails to load is simply not there */
    CHECK_EQ(kiln_load_plugin(rt, "other", fixture("no_entry")), KILN_ERR_NO_ENTRY);
    CHECK_EQ(kiln_plugin_version(rt, "other"), 0);
    kiln_destroy(rt);
}

static void test_init_crash_on_new_layout_keeps_old(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_init")), KILN_ERR_CRASH); /* fresh state: init crashes */
    CHECK_CONTAINS(kiln_last_error(rt), "init crashed with SIGSEGV");
    CHECK_EQ(kiln_plugin_version(rt, "c"), 0);
    CHECK_EQ(tmp_files(wd), 0);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    kiln_destroy(rt);
}

static void test_temp_copies_are_removed(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(tmp_files(wd), 0);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    CHECK_EQ(tmp_files(wd), 1);
    kiln_load_plugin(rt, "c", fixture("counter_v2"));
    CHECK_EQ(tmp_files(wd), 2); /* current + previous (rollback target) */
    for (int i = 0; i < 5; i++) kiln_load_plugin(rt, "c", fixture(i % 2 ? "counter_v2" : "counter_v1"));
    CHECK_EQ(kiln_plugin_version(rt, "c"), 7);
    CHECK_EQ(tmp_files(wd), 2);
    kiln_destroy(rt);
    CHECK_EQ(tmp_files(wd), 0);
    /* a copy left by a killed runner (pid that does not exist) is cleaned up by the next runtime */
    char stale[400];
    snprintf(stale, sizeof stale, "%s/tmp/pong-999999-3.so", wd);
    FILE *f = fopen(stale, "w"); fputs("x", f); fclose(f);
    rt = kiln_create(W, H, wd);
    CHECK_EQ(tmp_files(wd), 0);
    kiln_destroy(rt);
}

static void test_layout_change_resets_with_warning(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    drain(rt);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_layout2")), 2);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESET);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 0);
    CHECK_EQ(state_field(wd, "c", F_INITS), 1);
    uint32_t size = 0, version = 0;
    read_state(wd, "c", NULL, 0, &size, &version);
    CHECK_EQ(version, 2);
    const char *m = drain(rt);
    CHECK_CONTAINS(m, "1:c: state was reset");
    CHECK_CONTAINS(m, "from v1 (24 bytes) to v2 (24 bytes)");
    CHECK_CONTAINS(m, "no migrate()");
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0x0000FFFF);
    kiln_destroy(rt);
}

static void test_migrate_converts_state(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    for (int i = 0; i < 4; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_migrate")), 2);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_MIGRATED);
    uint32_t size = 0, version = 0;
    int32_t v[6];
    CHECK_EQ(read_state(wd, "c", v, 6, &size, &version), 0);
    CHECK_EQ(size, 40);
    CHECK_EQ(version, 3);
    CHECK_EQ(v[F_FRAMES], 4);
    CHECK_EQ(v[F_MIGRATED], 1);
    CHECK_EQ(v[F_INITS], 1);
    CHECK_CONTAINS(drain(rt), "migrated from v1 (24 bytes) to v3 (40 bytes)");
    kiln_destroy(rt);
}

static void test_state_survives_runtime_restart(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    for (int i = 0; i < 7; i++) kiln_frame(rt, 1.0 / 60);
    kiln_destroy(rt);
    rt = kiln_create(W, H, wd); /* a new runner process would do the same */
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v2")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESTORED);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 7);
    CHECK_EQ(state_field(wd, "c", F_INITS), 1); /* no init */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 8);
    kiln_destroy(rt);
    /* another layout after a restart: never reused */
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_layout2")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESET);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 0);
    CHECK_CONTAINS(drain(rt), "state was reset");
    kiln_destroy(rt);
    /* a corrupt commit store and state file: both ignored with a warning */
    char p[400];
    const char *files[] = {"c.state", "c.commit"};
    for (int k = 0; k < 2; k++) {
        snprintf(p, sizeof p, "%s/state/%s", wd, files[k]);
        FILE *f = fopen(p, "w"); fputs("garbage garbage garbage garbage garbage", f); fclose(f);
    }
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_NEW);
    const char *m = drain(rt);
    CHECK_CONTAINS(m, "not a Kiln state file");
    CHECK_CONTAINS(m, "the commit file");
    CHECK_EQ(state_field(wd, "c", F_INITS), 1);
    kiln_destroy(rt);
}

static void test_reset_state(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_reset_state(rt, "c"), KILN_OK);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 0);
    CHECK_EQ(state_field(wd, "c", F_INITS), 1); /* zeroed, then init counted once */
    kiln_destroy(rt);
}

static void test_keys_and_messages(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    char buf[5];
    int32_t level = -1;
    CHECK_EQ(kiln_poll_message(rt, buf, sizeof buf, &level), 16); /* "c: counter: init" (plugin name first), truncated copy */
    CHECK(strcmp(buf, "c: c") == 0);
    CHECK_EQ(level, 0);
    CHECK_EQ(kiln_poll_message(rt, buf, sizeof buf, &level), -1);
    kiln_set_key(rt, 'W', 1);
    kiln_frame(rt, 1.0 / 60);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "c", F_KEYS), 2);
    CHECK_EQ(state_field(wd, "c", F_PRESSES), 1); /* pressed only on the first frame */
    kiln_set_key(rt, 'W', 0);
    kiln_set_key(rt, 'W', 1); /* a tap between two frames still counts as a press */
    kiln_set_key(rt, 'W', 0);
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(state_field(wd, "c", F_PRESSES), 2);
    CHECK_EQ(state_field(wd, "c", F_KEYS), 2);
    kiln_set_key(rt, 100000, 1); /* ignored */
    kiln_destroy(rt);
}

static void check_crash_rolls_back(const char *crash_fixture, const char *callback, const char *signame) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    drain(rt);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture(crash_fixture)), 2);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(kiln_plugin_paused(rt, "c"), 0);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 5); /* the crashed frame's increment was undone */
    const char *m = drain(rt);
    CHECK_CONTAINS(m, "2:c: ");
    CHECK_CONTAINS(m, callback);
    CHECK_CONTAINS(m, signame);
    CHECK_CONTAINS(m, "in version 2; rolled back to version 1");
    CHECK_EQ(tmp_files(wd), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* running the old code again */
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 6);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v2")), 3); /* the next fix loads normally */
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(pixel(rt, 0, 0), 0x00FF00FF);
    kiln_destroy(rt);
}
static void test_crash_segfault_rolls_back(void) { check_crash_rolls_back("crash_segv", "update crashed", "SIGSEGV"); }
static void test_crash_divide_by_zero_rolls_back(void) { check_crash_rolls_back("crash_fpe", "update crashed", "SIGFPE"); }
static void test_crash_abort_rolls_back(void) { check_crash_rolls_back("crash_abort", "update crashed", "SIGABRT"); }
static void test_crash_stack_overflow_rolls_back(void) { check_crash_rolls_back("crash_stack", "update crashed", "SIGSEGV"); }
static void test_crash_in_draw_rolls_back(void) { check_crash_rolls_back("crash_draw", "draw crashed", "SIGSEGV"); }

static void test_crash_after_layout_change_rolls_back_with_fresh_state(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_layout2")), 2);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_RESET);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    uint32_t size = 0, version = 0;
    read_state(wd, "c", NULL, 0, &size, &version);
    CHECK_EQ(version, 1); /* version 1's code never sees a block of version 2's layout */
    CHECK_CONTAINS(drain(rt), "state reset: that version uses another state layout");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 1);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    kiln_destroy(rt);
}

static void test_two_runtimes_share_a_work_dir(void) {
    const char *wd;
    kiln_runtime *a = make_rt(&wd);
    kiln_runtime *b = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(a, "c", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_load_plugin(b, "c", fixture("counter_v2")), 1);
    CHECK_EQ(tmp_files(wd), 2);
    CHECK_EQ(kiln_frame(a, 1.0 / 60), KILN_OK); /* a's image was not overwritten by b's copy */
    CHECK_EQ(pixel(a, 0, 0), 0xFF0000FF);
    kiln_destroy(b);
    kiln_destroy(a);
    CHECK_EQ(tmp_files(wd), 0);
}

static void test_crash_in_first_version_pauses(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_segv")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_paused(rt, "c"), 1);
    CHECK_CONTAINS(drain(rt), "no earlier version to roll back to, so the plugin is paused");
    CHECK_CONTAINS(kiln_last_error(rt), "paused");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* skipped, the game loop keeps going */
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 0);
    for (int i = 0; i < 4; i++) { /* crash again and again (abort() twice too): still fine */
        CHECK_EQ(kiln_load_plugin(rt, "c", fixture(i % 2 ? "crash_fpe" : "crash_abort")), 2 + i);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    }
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 6);
    CHECK_EQ(kiln_plugin_paused(rt, "c"), 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), 1);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    kiln_destroy(rt);
}

/* Faults outside a guarded call must reach the handler that was there before libkiln (V8's, in Node). */
static sigjmp_buf chain_jb;
static volatile sig_atomic_t chained_sig;
static void previous_handler(int sig, siginfo_t *si, void *uc) { (void)si; (void)uc; chained_sig = sig; siglongjmp(chain_jb, 1); }
static void test_foreign_faults_are_chained(void) {
    struct sigaction sa, saved;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = previous_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &saved);
    kiln_runtime *rt = make_rt(NULL);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    chained_sig = 0;
    if (sigsetjmp(chain_jb, 1) == 0) {
        volatile int *volatile bad = (volatile int *)(uintptr_t)24;
        *bad = 1; /* host code, not a plugin */
    }
    CHECK_EQ(chained_sig, SIGSEGV);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* the guard still works afterwards */
    kiln_destroy(rt);
    struct sigaction now_sa;
    sigaction(SIGSEGV, NULL, &now_sa);
    CHECK(now_sa.sa_sigaction == previous_handler); /* restored on the last destroy */
    sigaction(SIGSEGV, &saved, NULL);
}

static void test_pong_plays_itself(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "pong", fixture("pong")), 1);
    const uint32_t ball = 0xF5F5F5FF, bg = 0x101822FF, paddle = 0x4FC3F7FF, score = 0xFFD54FFF;
    int moved = 0, seen = 0, frames_with_ball = 0;
    double last_x = -1, last_y = -1, min_x = 1e9, max_x = -1;
    int points_after = -1;
    for (int f = 0; f < 900; f++) {
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
        if (f % 10 != 0 && f != 899) continue;
        pixel(rt, 0, 0);
        long sx = 0, sy = 0, n = 0;
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) if (px(x, y) == ball) { sx += x; sy += y; n++; }
        if (n) {
            frames_with_ball++;
            double cx = (double)sx / n, cy = (double)sy / n;
            if (seen && (cx != last_x || cy != last_y)) moved++;
            if (cx < min_x) min_x = cx;
            if (cx > max_x) max_x = cx;
            last_x = cx; last_y = cy; seen = 1;
            CHECK(n >= 20 && n <= 40); /* a radius-3 disc, nothing else uses BALL_COLOR */
        }
        int32_t st[8];
        if (points_after < 0 && read_state(wd, "pong", st, 8, NULL, NULL) == 0 && st[6] + st[7] > 0) points_after = f;
    }
    CHECK(frames_with_ball > 50);
    CHECK(moved > 40);
    CHECK(max_x - min_x > 150); /* crossed most of the court */
    CHECK(points_after > 0 && points_after < 900); /* unattended play scores within 15 s */
    /* the last copy: background, paddles, and a score drawn at the top centre */
    CHECK_EQ(px(2, H - 2), bg);
    int score_px = 0, paddle_px = 0;
    for (int y = 0; y < 30; y++) for (int x = W / 2 - 60; x < W / 2 + 60; x++) score_px += px(x, y) == score;
    for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) paddle_px += px(x, y) == paddle;
    CHECK(score_px > 40);
    CHECK_EQ(paddle_px, 2 * 4 * 28);
    int32_t st[8];
    CHECK_EQ(read_state(wd, "pong", st, 8, NULL, NULL), 0);
    printf("     pong: first point after %d frames; score %d-%d after 900 frames\n", points_after, st[6], st[7]);
    /* reload pong itself: the ball keeps its place */
    float before[2], after[2];
    read_state(wd, "pong", st, 2, NULL, NULL);
    memcpy(before, st, sizeof before);
    CHECK_EQ(kiln_load_plugin(rt, "pong", fixture("pong")), 2);
    CHECK_EQ(kiln_last_state_action(rt), KILN_STATE_KEPT);
    read_state(wd, "pong", st, 2, NULL, NULL);
    memcpy(after, st, sizeof after);
    CHECK(before[0] == after[0] && before[1] == after[1]);
    kiln_destroy(rt);
}

static int cmp_double(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static void test_many_reloads_leak_nothing(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    kiln_load_plugin(rt, "c", fixture("counter_v2"));
    int fds = open_fds();
    enum { N = 300 };
    static double t[N], ph[4][N];
    for (int i = 0; i < N; i++) {
        double t0 = now();
        int32_t v = kiln_load_plugin(rt, "c", fixture(i % 2 ? "counter_v2" : "counter_v1"));
        t[i] = now() - t0;
        for (int k = 0; k < 4; k++) ph[k][i] = kiln_last_load_time(rt, k);
        if (v != i + 3) { CHECK_EQ(v, i + 3); break; }
        kiln_frame(rt, 1.0 / 60);
    }
    CHECK_EQ(open_fds(), fds);
    CHECK_EQ(tmp_files(wd), 2);
    CHECK_EQ(state_field(wd, "c", F_RELOADS), N + 1);
    qsort(t, N, sizeof t[0], cmp_double);
    printf("     kiln_load_plugin (copy+dlopen+entry+swap), %d reloads: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", N,
           t[N / 2] * 1e3, t[N * 99 / 100] * 1e3, t[N - 1] * 1e3);
    static const char *names[] = {"copy", "dlopen+entry", "state+swap (lock held)", "total"};
    for (int k = 0; k < 4; k++) {
        qsort(ph[k], N, sizeof ph[k][0], cmp_double);
        printf("       %-24s p50 %8.1f us  p99 %8.1f us\n", names[k], ph[k][N / 2] * 1e6, ph[k][N * 99 / 100] * 1e6);
    }
    CHECK(ph[3][N / 2] > 0);
    kiln_destroy(rt);
}

/* Reloads while another thread runs frames: every frame shows one whole version, never a crash. */
typedef struct { kiln_runtime *rt; volatile int stop; int frames, bad; } frame_thread_arg;
static void *frame_thread(void *p) {
    frame_thread_arg *a = p;
    static uint8_t local[W * H * 4];
    while (!a->stop) {
        if (kiln_frame(a->rt, 1.0 / 60) != KILN_OK) a->bad++;
        kiln_copy_framebuffer(a->rt, local, sizeof local);
        uint32_t c = (uint32_t)local[0] << 24 | (uint32_t)local[1] << 16 | (uint32_t)local[2] << 8 | local[3];
        if (c != 0xFF0000FF && c != 0x00FF00FF) a->bad++;
        a->frames++;
    }
    return NULL;
}
static void test_reload_while_frames_run_on_another_thread(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    kiln_frame(rt, 1.0 / 60);
    frame_thread_arg a = {rt, 0, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, frame_thread, &a);
    for (int i = 0; i < 100; i++) CHECK(kiln_load_plugin(rt, "c", fixture(i % 2 ? "counter_v1" : "counter_v2")) > 0);
    usleep(20000);
    a.stop = 1;
    pthread_join(th, NULL);
    CHECK_EQ(a.bad, 0);
    CHECK(a.frames > 0);
    CHECK_EQ(state_field(wd, "c", F_FRAMES), a.frames + 1);
    kiln_destroy(rt);
}

/* kiln_last_frame_timing: a frame's wall time, its wait for the frame lock and its thread's CPU time. */
static void *busy_frame_thread(void *p) { return (void *)(intptr_t)kiln_frame((kiln_runtime *)p, 1.0 / 60); }
static void test_frame_timing_splits_lock_wait_and_cpu(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_frame_timing t;
    CHECK_EQ(kiln_last_frame_timing(rt, &t), KILN_ERR_INVALID); /* no frame yet */
    CHECK_EQ(kiln_last_frame_timing(rt, NULL), KILN_ERR_INVALID);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_last_frame_timing(rt, &t), KILN_OK);
    CHECK(t.cpu_s == -1); /* the CPU clock is read only when asked for */
    CHECK(t.wall_s > 0 && t.lock_wait_s == 0);
    kiln_set_frame_cpu_timing(rt, 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_last_frame_timing(rt, &t), KILN_OK);
    CHECK_EQ(t.frame, kiln_frame_count(rt));
    CHECK(t.lock_wait_s == 0); /* nobody else held the lock */
    CHECK(t.wall_s > 0 && t.wall_s < 1);
    CHECK(t.cpu_s >= 0 && t.cpu_s <= t.wall_s + 1e-4);
    /* A frame on another thread busy for 100 ms in update holds the lock: this thread's frame waits for it. */
    CHECK_EQ(kiln_load_plugin(rt, "c", compile_plugin("busy_update", "counter.c", "-DCRASH=9 -DSLOW_MS=100")), 2);
    int32_t before = state_field(wd, "c", F_FRAMES);
    pthread_t th;
    pthread_create(&th, NULL, busy_frame_thread, rt);
    for (double t0 = now(); state_field(wd, "c", F_FRAMES) == before && now() - t0 < 10;) usleep(500); /* in update */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    void *ret;
    pthread_join(th, &ret); /* it ended before this thread's frame got the lock */
    CHECK_EQ(kiln_last_frame_timing(rt, &t), KILN_OK);
    CHECK_EQ(t.frame, kiln_frame_count(rt));
    CHECK(t.lock_wait_s > 0.01 && t.lock_wait_s < 5);       /* most of the other frame's 100 ms */
    CHECK(t.wall_s >= t.lock_wait_s + 0.099);                /* then its own 100 ms busy update */
    CHECK(t.cpu_s > 0.001 && t.cpu_s <= t.wall_s - t.lock_wait_s + 1e-3); /* asleep while it waited */
    kiln_destroy(rt);
}

/* A crash on a second thread is caught there too (it gets its own alternate signal stack). */
static void *crash_thread(void *p) {
    kiln_runtime *rt = p;
    return (void *)(intptr_t)kiln_frame(rt, 1.0 / 60);
}
static void test_crash_on_another_thread(void) {
    kiln_runtime *rt = make_rt(NULL);
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    kiln_load_plugin(rt, "c", fixture("crash_stack"));
    pthread_t th;
    void *ret;
    pthread_create(&th, NULL, crash_thread, rt);
    pthread_join(th, &ret);
    CHECK_EQ((intptr_t)ret, KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    kiln_destroy(rt);
}

#include "test_features.c"
#include "test_hot_reload.c"
#include "test_commit.c"
#include "test_hardening.c"
#include "test_sandbox.c"
#include "test_output.c"
#include "test_history.c"
#include "test_inspect.c"
#include "test_crash_site.c"
#include "test_assets.c"
#include "test_world.c"
#include "test_sound.c"

int main(int argc, char **argv) {
    static const test_case tests[] = {
        {"create_rejects_bad_arguments", test_create_rejects_bad_arguments},
        {"draw_primitives", test_draw_primitives},
        {"load_runs_and_state_is_a_mapped_file", test_load_runs_and_state_is_a_mapped_file},
        {"reload_keeps_state_and_swaps_code", test_reload_keeps_state_and_swaps_code},
        {"load_with_host_version_numbers", test_load_with_host_version_numbers},
        {"errors_belong_to_their_thread", test_errors_belong_to_their_thread},
        {"failed_loads_change_nothing", test_failed_loads_change_nothing},
        {"init_crash_on_new_layout_keeps_old", test_init_crash_on_new_layout_keeps_old},
        {"temp_copies_are_removed", test_temp_copies_are_removed},
        {"layout_change_resets_with_warning", test_layout_change_resets_with_warning},
        {"migrate_converts_state", test_migrate_converts_state},
        {"state_survives_runtime_restart", test_state_survives_runtime_restart},
        {"reset_state", test_reset_state},
        {"keys_and_messages", test_keys_and_messages},
        {"crash_segfault_rolls_back", test_crash_segfault_rolls_back},
        {"crash_divide_by_zero_rolls_back", test_crash_divide_by_zero_rolls_back},
        {"crash_abort_rolls_back", test_crash_abort_rolls_back},
        {"crash_stack_overflow_rolls_back", test_crash_stack_overflow_rolls_back},
        {"crash_in_draw_rolls_back", test_crash_in_draw_rolls_back},
        {"crash_after_layout_change_rolls_back_with_fresh_state", test_crash_after_layout_change_rolls_back_with_fresh_state},
        {"two_runtimes_share_a_work_dir", test_two_runtimes_share_a_work_dir},
        {"crash_in_first_version_pauses", test_crash_in_first_version_pauses},
        {"crash_on_another_thread", test_crash_on_another_thread},
        {"foreign_faults_are_chained", test_foreign_faults_are_chained},
        {"pong_plays_itself", test_pong_plays_itself},
        {"many_reloads_leak_nothing", test_many_reloads_leak_nothing},
        {"reload_while_frames_run_on_another_thread", test_reload_while_frames_run_on_another_thread},
        {"frame_timing_splits_lock_wait_and_cpu", test_frame_timing_splits_lock_wait_and_cpu},
        FEATURE_TESTS
        HOT_RELOAD_TESTS
        COMMIT_TESTS
        HARDENING_TESTS
        SANDBOX_TESTS
        OUTPUT_TESTS
        HISTORY_TESTS
        INSPECT_TESTS
        CRASH_SITE_TESTS
        ASSET_TESTS
        WORLD_TESTS
        SOUND_TESTS
    };
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rc = run_tests(tests, (int)(sizeof tests / sizeof tests[0]), argc > 1 ? argv[1] : NULL);
    remove_workdirs();
    if (build_root[0]) nftw(build_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
