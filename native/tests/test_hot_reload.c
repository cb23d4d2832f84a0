/* test_hot_reload.c — included by test_runtime.c. The generic engine (hot_reload.h) on its own, as any C host
   would use it: real libraries compiled during the test, a watched folder, threads calling through the pointers. */
#include <sys/wait.h>

typedef struct hr_fixture {
    char dir[256], lib[320], tmp[320];
    const char *v1, *v2, *v3, *no_add, *undefined;
} hr_fixture;

static void hr_fixture_init(hr_fixture *f) {
    snprintf(f->dir, sizeof f->dir, "%s", new_workdir());
    snprintf(f->lib, sizeof f->lib, "%s/game.so", f->dir);
    snprintf(f->tmp, sizeof f->tmp, "%s/tmp", f->dir);
    mkdir(f->tmp, 0755);
    f->v1 = compile_plugin("hr_v1", "hrlib.c", "-DVALUE=1");
    f->v2 = compile_plugin("hr_v2", "hrlib.c", "-DVALUE=2");
    f->v3 = compile_plugin("hr_v3", "hrlib.c", "-DVALUE=3");
    f->no_add = compile_plugin("hr_no_add", "hrlib.c", "-DVALUE=4 -DNO_ADD");
    f->undefined = fixture("undefined_sym");
    copy_file(f->v1, f->lib);
}

static int (*hr_get_value)(void);
static int (*hr_add)(int, int);

static hr_engine *hr_open(hr_fixture *f) {
    hr_engine *hr = hr_create(f->lib);
    CHECK(hr != NULL);
    CHECK_EQ(hr_set_temp_dir(hr, f->tmp), HR_SUCCESS);
    CHECK_EQ(hr_register_func(hr, "get_value", (void **)&hr_get_value), HR_SUCCESS);
    CHECK_EQ(hr_register_func(hr, "add", (void **)&hr_add), HR_SUCCESS);
    return hr;
}

/* Waits (up to 5 s, without sleeping a fixed time before checking) until the engine reaches `version`. */
static int hr_wait_version(hr_engine *hr, int32_t version) {
    for (int i = 0; i < 5000 && hr_version(hr) < version; i++) usleep(1000);
    return hr_version(hr) >= version;
}

/* Writes `src` over `dst` in place (open, write in two halves, close): one IN_CLOSE_WRITE. */
static void write_in_place(const char *src, const char *dst, long upto) {
    FILE *in = fopen(src, "rb");
    int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    static char buf[1 << 20];
    size_t n = in ? fread(buf, 1, sizeof buf, in) : 0;
    if (upto >= 0 && (size_t)upto < n) n = (size_t)upto;
    if (fd >= 0) {
        CHECK(write(fd, buf, n / 2) == (ssize_t)(n / 2));
        CHECK(write(fd, buf + n / 2, n - n / 2) == (ssize_t)(n - n / 2));
        close(fd);
    }
    if (in) fclose(in);
}

static void test_hr_load_and_call(void) {
    hr_fixture f;
    hr_fixture_init(&f);
    hr_engine *hr = hr_open(&f);
    CHECK_EQ(hr_state(hr), HR_WAITING);
    CHECK_EQ(hr_version(hr), 0);
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    CHECK_EQ(hr_state(hr), HR_OK);
    CHECK_EQ(hr_version(hr), 1);
    CHECK_EQ(hr_get_value(), 1);
    CHECK_EQ(hr_add(2, 3), 5);
    CHECK_EQ(strlen(hr_last_error(hr)), 0);
    copy_file(f.v2, f.lib);
    CHECK_EQ(hr_reload(hr), HR_SUCCESS); /* manual */
    CHECK_EQ(hr_get_value(), 2);
    CHECK_EQ(hr_version(hr), 2);
    CHECK_EQ(count_files(f.tmp), 1); /* the old copy went with its image */
    hr_destroy(hr);
    CHECK(hr_get_value == NULL);
    CHECK_EQ(count_files(f.tmp), 0);
}

static int cb_calls, cb_last_status, cb_last_version;
static void hr_test_callback(hr_engine *hr, hr_status status, int32_t version, void *user) {
    (void)hr;
    __atomic_add_fetch(&cb_calls, 1, __ATOMIC_SEQ_CST);
    cb_last_status = status;
    cb_last_version = version;
    *(int *)user = 1;
}

/* the Brick form: a path only; hr_state tells how the attempt went */
static int brick_calls, brick_ok, brick_error;
static char brick_path[512];
static hr_engine *brick_hr;
static void hr_test_brick_callback(const char *so_path) {
    snprintf(brick_path, sizeof brick_path, "%s", so_path);
    if (hr_state(brick_hr) == HR_OK) __atomic_add_fetch(&brick_ok, 1, __ATOMIC_SEQ_CST);
    if (hr_state(brick_hr) == HR_ERROR) __atomic_add_fetch(&brick_error, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&brick_calls, 1, __ATOMIC_SEQ_CST);
}

static void test_hr_watch_reloads_in_place_writes_and_renames(void) {
    hr_fixture f;
    hr_fixture_init(&f);
    hr_engine *hr = hr_open(&f);
    int flag = 0;
    hr_set_callback_ex(hr, hr_test_callback, &flag);
    brick_hr = hr;
    brick_calls = brick_ok = brick_error = 0;
    hr_set_callback(hr, hr_test_brick_callback);
    cb_calls = 0;
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    CHECK_EQ(hr_start_watching(hr), HR_SUCCESS);
    double t0 = now();
    write_in_place(f.v2, f.lib, -1); /* IN_CLOSE_WRITE */
    CHECK(hr_wait_version(hr, 2));
    double latency = now() - t0;
    CHECK_EQ(hr_get_value(), 2);
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s/game.so.tmp", f.dir);
    copy_file(f.v3, tmp);
    t0 = now();
    CHECK_EQ(rename(tmp, f.lib), 0); /* IN_MOVED_TO: how careful builds publish */
    CHECK(hr_wait_version(hr, 3));
    double latency2 = now() - t0;
    CHECK_EQ(hr_get_value(), 3);
    CHECK_EQ(hr_add(1, 1), 2);
    for (int i = 0; i < 1000 && cb_last_version != 3; i++) usleep(1000);
    CHECK(cb_calls >= 3);
    CHECK_EQ(cb_last_status, HR_OK);
    CHECK_EQ(cb_last_version, 3);
    CHECK_EQ(flag, 1);
    for (int i = 0; i < 1000 && brick_ok < 3; i++) usleep(1000);
    CHECK_EQ(brick_ok, 3); /* initial load + 2 reloads, each told once with the watched path */
    CHECK_EQ(brick_error, 0);
    CHECK(strcmp(brick_path, f.lib) == 0);
    /* other files in the folder do not trigger anything */
    snprintf(tmp, sizeof tmp, "%s/notes.txt", f.dir);
    FILE *n = fopen(tmp, "w"); fputs("x", n); fclose(n);
    usleep(30000);
    CHECK_EQ(hr_version(hr), 3);
    printf("     hr watcher: write closed -> new pointers %.2f ms (in place), %.2f ms (rename)\n", latency * 1e3, latency2 * 1e3);
    hr_destroy(hr);
    /* unwatched: a failed attempt is told too (hr_state says so); a removed callback is not called */
    hr = hr_open(&f);
    brick_hr = hr;
    brick_calls = brick_ok = brick_error = 0;
    hr_set_callback(hr, hr_test_brick_callback);
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    copy_file(f.undefined, f.lib);
    CHECK(hr_reload(hr) != HR_SUCCESS);
    CHECK_EQ(brick_ok, 1);
    CHECK_EQ(brick_error, 1);
    hr_set_callback(hr, NULL);
    copy_file(f.v2, f.lib);
    CHECK_EQ(hr_reload(hr), HR_SUCCESS);
    CHECK_EQ(brick_calls, 2);
    hr_destroy(hr);
}

static void test_hr_truncated_image_is_retried_never_loaded(void) {
    hr_fixture f;
    hr_fixture_init(&f);
    hr_engine *hr = hr_open(&f);
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    CHECK_EQ(hr_start_watching(hr), HR_SUCCESS);
    long size = file_size(f.v2);
    write_in_place(f.v2, f.lib, size * 2 / 3); /* a writer that closed a half-written image */
    usleep(100000);
    CHECK_EQ(hr_version(hr), 1);
    CHECK_EQ(hr_get_value(), 1);
    CHECK(hr_state(hr) == HR_LOADING || hr_state(hr) == HR_ERROR);
    CHECK_CONTAINS(hr_last_error(hr), "truncated");
    CHECK_EQ(count_files(f.tmp), 1);
    /* the rest arrives: a retry or the new event loads it */
    write_in_place(f.v2, f.lib, -1);
    CHECK(hr_wait_version(hr, 2));
    CHECK_EQ(hr_get_value(), 2);
    CHECK_EQ(hr_state(hr), HR_OK);
    /* completed without a new event (appended with no close of a new writer... simulated by truncate + grow):
       the retry timer picks it up */
    write_in_place(f.v3, f.lib, size / 2);
    usleep(20000);
    int fd = open(f.lib, O_WRONLY);
    FILE *in = fopen(f.v3, "rb");
    static char buf[1 << 20];
    size_t total = fread(buf, 1, sizeof buf, in);
    fclose(in);
    CHECK(pwrite(fd, buf, total, 0) == (ssize_t)total); /* no close yet: no IN_CLOSE_WRITE */
    CHECK(hr_wait_version(hr, 3));
    close(fd);
    CHECK_EQ(hr_get_value(), 3);
    hr_destroy(hr);
}

static void test_hr_failed_loads_swap_nothing(void) {
    hr_fixture f;
    hr_fixture_init(&f);
    hr_engine *hr = hr_open(&f);
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    int (*before_get)(void) = hr_get_value;
    int (*before_add)(int, int) = hr_add;
    copy_file(f.no_add, f.lib); /* get_value resolves, add does not: neither may change */
    CHECK_EQ(hr_reload(hr), HR_ERR_SYMBOL);
    CHECK_EQ(hr_state(hr), HR_ERROR);
    CHECK_CONTAINS(hr_last_error(hr), "no symbol \"add\"");
    CHECK(hr_get_value == before_get);
    CHECK(hr_add == before_add);
    CHECK_EQ(hr_get_value(), 1);
    copy_file(f.undefined, f.lib);
    CHECK_EQ(hr_reload(hr), HR_ERR_DLOPEN);
    CHECK_CONTAINS(hr_last_error(hr), "kiln_fixture_missing_function");
    FILE *t = fopen(f.lib, "w"); fputs("not a library", t); fclose(t);
    CHECK_EQ(hr_reload(hr), HR_ERR_DLOPEN);
    remove(f.lib);
    CHECK_EQ(hr_reload(hr), HR_ERR_COPY);
    CHECK_CONTAINS(hr_last_error(hr), "could not copy");
    CHECK(hr_get_value == before_get);
    CHECK_EQ(hr_version(hr), 1);
    CHECK_EQ(count_files(f.tmp), 1);
    copy_file(f.v2, f.lib); /* the next good build recovers */
    CHECK_EQ(hr_reload(hr), HR_SUCCESS);
    CHECK_EQ(hr_state(hr), HR_OK);
    CHECK_EQ(hr_get_value(), 2);
    /* registering later: looked up at once */
    int (*missing)(void) = NULL;
    CHECK_EQ(hr_register_func(hr, "nope", (void **)&missing), HR_ERR_SYMBOL);
    CHECK(missing == NULL);
    hr_destroy(hr);
    /* creation errors */
    CHECK(hr_create(NULL) == NULL);
    CHECK_CONTAINS(hr_create_error(), "path is missing");
    hr_engine *bad = hr_create("/nonexistent-kiln-dir/game.so");
    CHECK_EQ(hr_start_watching(bad), HR_ERR_WATCH);
    CHECK_CONTAINS(hr_last_error(bad), "cannot watch /nonexistent-kiln-dir");
    hr_destroy(bad);
}

/* Grace: a thread calling through the pointers in a tight loop while the main thread reloads 1,000 times. */
typedef struct { hr_engine *hr; volatile int stop; long calls, bad; } caller_arg;
static void *caller_main(void *p) {
    caller_arg *a = p;
    while (!a->stop) {
        unsigned t = hr_enter(a->hr);
        int v = hr_get_value();
        int s = hr_add(v, 1);
        hr_exit(a->hr, t);
        if ((v != 1 && v != 2) || s != v + 1) a->bad++;
        a->calls++;
    }
    return NULL;
}

static void test_hr_grace_1000_reloads_under_a_tight_calling_loop(void) {
    hr_fixture f;
    hr_fixture_init(&f);
    hr_engine *hr = hr_open(&f);
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    int fds = open_fds();
    caller_arg a = {hr, 0, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, caller_main, &a);
    double t0 = now();
    int ok = 0;
    for (int i = 0; i < 1000; i++) {
        /* rename a fresh copy into place, as a build does */
        char tmp[400];
        snprintf(tmp, sizeof tmp, "%s/next.so", f.dir);
        copy_file(i % 2 ? f.v1 : f.v2, tmp);
        rename(tmp, f.lib);
        ok += hr_reload(hr) == HR_SUCCESS;
    }
    double took = now() - t0;
    a.stop = 1;
    pthread_join(th, NULL);
    CHECK_EQ(ok, 1000);
    CHECK_EQ(a.bad, 0);
    CHECK(a.calls > 1000);
    CHECK_EQ(hr_version(hr), 1001);
    CHECK_EQ(hr_retired_images(hr), 0);
    CHECK_EQ(count_files(f.tmp), 1);
    CHECK_EQ(open_fds(), fds);
    printf("     hr: 1000 reloads in %.0f ms while another thread made %ld calls\n", took * 1e3, a.calls);
    hr_destroy(hr);
    CHECK_EQ(count_files(f.tmp), 0);
}

typedef struct { hr_engine *hr; volatile int entered, release; int value_after; } holder_arg;
static void *holder_main(void *p) {
    holder_arg *a = p;
    unsigned t = hr_enter(a->hr);
    int (*fn)(void) = hr_get_value;  /* the old version's function, kept across the reload */
    a->entered = 1;
    while (!a->release) usleep(1000);
    a->value_after = fn();           /* its image must still be mapped */
    hr_exit(a->hr, t);
    return NULL;
}

static void test_hr_grace_keeps_old_image_while_a_thread_is_inside(void) {
    hr_fixture f;
    hr_fixture_init(&f);
    hr_engine *hr = hr_open(&f);
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    hr_set_grace_timeout_ms(hr, 30);
    holder_arg a = {hr, 0, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, holder_main, &a);
    while (!a.entered) usleep(1000);
    copy_file(f.v2, f.lib);
    CHECK_EQ(hr_reload(hr), HR_SUCCESS); /* returns after the grace timeout, old image kept */
    CHECK_EQ(hr_get_value(), 2);
    CHECK_EQ(hr_retired_images(hr), 1);
    CHECK_EQ(count_files(f.tmp), 2);
    a.release = 1;
    pthread_join(th, NULL);
    CHECK_EQ(a.value_after, 1);
    copy_file(f.v3, f.lib);
    CHECK_EQ(hr_reload(hr), HR_SUCCESS); /* now both old images can go */
    CHECK_EQ(hr_retired_images(hr), 0);
    CHECK_EQ(count_files(f.tmp), 1);
    hr_destroy(hr);
}

/* Freeze/thaw: no hr_alloc/hr_free is ever inside the allocator while pointers are swapped. */
static volatile int fz_in_alloc, fz_frozen, fz_violations, fz_freezes;
static void *fz_alloc(size_t n, void *u) {
    (void)u;
    __atomic_add_fetch(&fz_in_alloc, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&fz_frozen, __ATOMIC_SEQ_CST)) __atomic_add_fetch(&fz_violations, 1, __ATOMIC_SEQ_CST);
    void *p = malloc(n);
    for (volatile int i = 0; i < 200; i++) {} /* widen the window */
    if (__atomic_load_n(&fz_frozen, __ATOMIC_SEQ_CST)) __atomic_add_fetch(&fz_violations, 1, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&fz_in_alloc, 1, __ATOMIC_SEQ_CST);
    return p;
}
static void fz_free(void *p, void *u) { (void)u; free(p); }
static void fz_freeze(void *u) {
    (void)u;
    if (__atomic_load_n(&fz_in_alloc, __ATOMIC_SEQ_CST) != 0) __atomic_add_fetch(&fz_violations, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&fz_frozen, 1, __ATOMIC_SEQ_CST);
    for (volatile int i = 0; i < 2000; i++) {}
    fz_freezes++;
}
static void fz_thaw(void *u) { (void)u; __atomic_store_n(&fz_frozen, 0, __ATOMIC_SEQ_CST); }
typedef struct { hr_engine *hr; volatile int stop; long n, nulls; } alloc_arg;
static void *allocator_main(void *p) {
    alloc_arg *a = p;
    while (!a->stop) {
        void *m = hr_alloc(a->hr, 64);
        if (!m) a->nulls++;
        hr_free(a->hr, m);
        a->n++;
    }
    return NULL;
}

static void test_hr_allocations_freeze_during_the_swap(void) {
    hr_fixture f;
    hr_fixture_init(&f);
    hr_engine *hr = hr_open(&f);
    hr_set_allocator(hr, fz_alloc, fz_free, NULL);
    hr_set_freeze_hooks(hr, fz_freeze, fz_thaw, NULL);
    CHECK_EQ(hr_load_initial(hr), HR_SUCCESS);
    fz_violations = 0; fz_freezes = 0;
    alloc_arg a = {hr, 0, 0, 0};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, allocator_main, &a);
    for (int i = 0; i < 200; i++) {
        copy_file(i % 2 ? f.v1 : f.v2, f.lib);
        CHECK_EQ(hr_reload(hr), HR_SUCCESS);
    }
    a.stop = 1;
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK_EQ(fz_freezes, 200);
    CHECK_EQ(fz_violations, 0);
    CHECK_EQ(a.nulls, 0);
    CHECK(a.n > 200);
    hr_destroy(hr);
}

/* A C program written to the Brick document's API (its example, call for call) compiles unchanged against
   hot_reload.h with warnings as errors, links with libkiln, and sees a swap with the document's callback. */
static void test_hr_brick_document_program_compiles_and_runs(void) {
    const char *src = getenv("KILN_TEST_SRC"), *fix = getenv("KILN_FIXTURES"), *cc = getenv("CC");
    if (!src || !fix) { printf("     skipped: KILN_TEST_SRC/KILN_FIXTURES not set (run it through make test)\n"); return; }
    int before = test_failed_checks;
    const char *dir = new_workdir();
    char cmd[8192], build[300];
    snprintf(build, sizeof build, "%s/build", dir);
    CHECK_EQ(mkdir(build, 0755), 0);
#if defined(__SANITIZE_ADDRESS__)
    const char *san = "-fsanitize=address,undefined"; /* this libkiln.so is instrumented: the runtime must come first */
#else
    const char *san = "";
#endif
    const char *c = cc && *cc ? cc : "cc";
    snprintf(cmd, sizeof cmd,
             "%s -std=c11 -pedantic -Wall -Wextra -Werror %s -I%s/../../include %s/brick_host.c -o %s/brick_host "
             "-L%s/.. -lkiln -Wl,-rpath,%s/.. -lpthread 2>&1 && "
             "%s -std=c11 -shared -fPIC -Wall -Werror -DVERSION=1 %s/brick_mylib.c -o %s/mylib.so 2>&1 && "
             "%s -std=c11 -shared -fPIC -Wall -Werror -DVERSION=2 %s/brick_mylib.c -o %s/mylib-v2.so 2>&1",
             c, san, src, src, dir, fix, fix, c, src, build, c, src, build);
    int rc = system(cmd);
    CHECK_EQ(rc, 0);
    if (rc != 0) { fprintf(stderr, "  FAIL compiling the Brick document's program: %s\n", cmd); return; }
    snprintf(cmd, sizeof cmd, "cd %s && ./brick_host", dir);
    FILE *p = popen(cmd, "r");
    char out[4096] = "", line[512];
    while (p && fgets(line, sizeof line, p)) strncat(out, line, sizeof out - strlen(out) - 1);
    int st = p ? pclose(p) : -1;
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* v1 before the swap; the document's callback with the watched path; v2 after it and after hr_reload */
    CHECK_CONTAINS(out, "mylib v1\ncallback: ./build/mylib.so\nmylib v2\nmylib v2\nreloads: 2\n");
    if (test_failed_checks != before) fprintf(stderr, "  brick_host said:\n%s", out);
}

#define HOT_RELOAD_TESTS                                                                                 \
    {"hr_load_and_call", test_hr_load_and_call},                                                        \
    {"hr_brick_document_program_compiles_and_runs", test_hr_brick_document_program_compiles_and_runs},  \
    {"hr_watch_reloads_in_place_writes_and_renames", test_hr_watch_reloads_in_place_writes_and_renames}, \
    {"hr_truncated_image_is_retried_never_loaded", test_hr_truncated_image_is_retried_never_loaded},    \
    {"hr_failed_loads_swap_nothing", test_hr_failed_loads_swap_nothing},                                \
    {"hr_grace_1000_reloads_under_a_tight_calling_loop", test_hr_grace_1000_reloads_under_a_tight_calling_loop}, \
    {"hr_grace_keeps_old_image_while_a_thread_is_inside", test_hr_grace_keeps_old_image_while_a_thread_is_inside}, \
    {"hr_allocations_freeze_during_the_swap", test_hr_allocations_freeze_during_the_swap},
