/*
 * watch_bench.c — the seed's design as a baseline, beside libkiln's hr_* engine, on the same images.
 *
 * The seed (Brick's hot-reload document): a watcher thread on inotify; on a change it sleeps 50 ms ("so the .so
 * write has completed"), copies the image to a temp path (dlopen caches by path), dlopens it, dlsyms the function
 * and swaps the pointer with one __atomic_store_n(SEQ_CST). Written here by this project from that recipe.
 *
 * Measured for each engine, on two builds of one function that return different numbers:
 *  - detection → new code: the writer renames a new image into place; a loop calling the function every 100 µs
 *    notes the first call that returns the new number. Microseconds from the rename to that call.
 *  - swap cost: one reload called directly (copy + dlopen + dlsym + swap; hr_reload adds its image check).
 *
 * usage: watch_bench <work dir> <edits> <imageA.so> <imageB.so>   → JSON on stdout
 */
#define _GNU_SOURCE
#include "hot_reload.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef int (*version_fn)(void);

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    struct stat st;
    if (fstat(in, &st) != 0) { close(in); return -1; }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (out < 0) { close(in); return -1; }
    off_t off = 0;
    int ok = 0;
    while (off < st.st_size) {
        ssize_t n = sendfile(out, in, &off, (size_t)(st.st_size - off));
        if (n <= 0) { ok = -1; break; }
    }
    close(in);
    if (close(out) != 0) ok = -1;
    return ok;
}

/* ---- the seed's engine ------------------------------------------------------------------------------------ */

#define SEED_MAX_HANDLES 4096
static struct {
    char path[1024], dir[1024], name[256], tmp_dir[1024];
    version_fn fn;
    void *handles[SEED_MAX_HANDLES];
    int handle_count, serial, stop, inotify_fd;
    pthread_t thread;
} seed;

/* Copy, dlopen, dlsym, swap. The old image stays open (the seed closes nothing while code may run in it). */
static int seed_reload(void) {
    char copy[1100];
    snprintf(copy, sizeof copy, "%s/seed-%d-%d.so", seed.tmp_dir, (int)getpid(), seed.serial++);
    if (copy_file(seed.path, copy) != 0) return -1;
    void *h = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
    unlink(copy);
    if (!h) return -1;
    void *sym = dlsym(h, "bench_version");
    if (!sym) { dlclose(h); return -1; }
    __atomic_store_n(&seed.fn, (version_fn)sym, __ATOMIC_SEQ_CST);
    if (seed.handle_count < SEED_MAX_HANDLES) seed.handles[seed.handle_count++] = h;
    return 0;
}

static void *seed_watch(void *arg) {
    (void)arg;
    char buf[4096] __attribute__((aligned(8)));
    while (!__atomic_load_n(&seed.stop, __ATOMIC_ACQUIRE)) {
        ssize_t n = read(seed.inotify_fd, buf, sizeof buf);
        if (n <= 0) { if (errno == EINTR || errno == EAGAIN) { sleep_us(1000); continue; } break; }
        int hit = 0;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len && strcmp(ev->name, seed.name) == 0) hit = 1;
            p += sizeof *ev + ev->len;
        }
        if (!hit) continue;
        sleep_us(50 * 1000); /* the seed's safety delay */
        seed_reload();
    }
    return NULL;
}

static int seed_start(const char *image, const char *tmp_dir) {
    snprintf(seed.path, sizeof seed.path, "%s", image);
    snprintf(seed.tmp_dir, sizeof seed.tmp_dir, "%s", tmp_dir);
    snprintf(seed.dir, sizeof seed.dir, "%s", image);
    char *slash = strrchr(seed.dir, '/');
    if (!slash) return -1;
    *slash = 0;
    snprintf(seed.name, sizeof seed.name, "%s", slash + 1);
    if (seed_reload() != 0) return -1;
    seed.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (seed.inotify_fd < 0 || inotify_add_watch(seed.inotify_fd, seed.dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) return -1;
    return pthread_create(&seed.thread, NULL, seed_watch, NULL);
}

static void seed_stop(void) {
    __atomic_store_n(&seed.stop, 1, __ATOMIC_RELEASE);
    pthread_join(seed.thread, NULL);
    close(seed.inotify_fd);
    __atomic_store_n(&seed.fn, (version_fn)NULL, __ATOMIC_SEQ_CST);
    for (int i = 0; i < seed.handle_count; i++) dlclose(seed.handles[i]);
    seed.handle_count = 0;
}

/* ---- the harness ------------------------------------------------------------------------------------------ */

/* Puts `from` in place at `to` the way a build does: write a temp file, rename it over the target. */
static double install(const char *from, const char *to) {
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    if (copy_file(from, tmp) != 0) { perror("copy"); exit(2); }
    double t = now_us();
    if (rename(tmp, to) != 0) { perror("rename"); exit(2); }
    return t;
}

/* Renames each edit into place and waits for the function to return the new image's number; µs per edit. */
static void measure_latency(version_fn *fn, const char *target, const char *images[2], int edits, double *out) {
    for (int i = 0; i < edits; i++) {
        int want = (i % 2 == 0) ? 2 : 1; /* image B returns 2, image A returns 1; edit 0 installs B */
        double t0 = install(images[want - 1], target);
        double seen = -1;
        for (double deadline = t0 + 5e6; now_us() < deadline;) {
            version_fn f = __atomic_load_n(fn, __ATOMIC_SEQ_CST);
            if (f && f() == want) { seen = now_us(); break; }
            sleep_us(100);
        }
        out[i] = seen < 0 ? -1 : seen - t0;
        sleep_us(20 * 1000); /* let the watcher settle: no edit lands inside the previous one's reload */
    }
}

static void print_list(const char *name, const double *v, int n, int last) {
    printf("  \"%s\": [", name);
    for (int i = 0; i < n; i++) printf("%s%.1f", i ? ", " : "", v[i]);
    printf("]%s\n", last ? "" : ",");
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s <work dir> <edits> <imageA.so> <imageB.so>\n", argv[0]);
        return 2;
    }
    const char *work = argv[1];
    int edits = atoi(argv[2]);
    const char *images[2] = {argv[3], argv[4]};
    if (edits < 1) edits = 1;
    mkdir(work, 0755);
    char tmp_dir[1024], seed_dir[1024], hr_dir[1024], seed_target[1100], hr_target[1100];
    snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", work);
    snprintf(seed_dir, sizeof seed_dir, "%s/seed", work);
    snprintf(hr_dir, sizeof hr_dir, "%s/hr", work);
    mkdir(tmp_dir, 0755);
    mkdir(seed_dir, 0755);
    mkdir(hr_dir, 0755);
    snprintf(seed_target, sizeof seed_target, "%s/game.so", seed_dir);
    snprintf(hr_target, sizeof hr_target, "%s/game.so", hr_dir);
    double *seed_latency = calloc((size_t)edits, sizeof(double)), *hr_latency = calloc((size_t)edits, sizeof(double));
    double *seed_swap = calloc((size_t)edits, sizeof(double)), *hr_swap = calloc((size_t)edits, sizeof(double));

    /* The seed's engine. */
    install(images[0], seed_target);
    if (seed_start(seed_target, tmp_dir) != 0) { fprintf(stderr, "seed engine did not start\n"); return 1; }
    measure_latency(&seed.fn, seed_target, images, edits, seed_latency);
    for (int i = 0; i < edits; i++) {
        double t = now_us();
        if (seed_reload() != 0) { fprintf(stderr, "seed reload failed\n"); return 1; }
        seed_swap[i] = now_us() - t;
    }
    seed_stop();

    /* libkiln's hr_* engine on the same images. */
    install(images[0], hr_target);
    version_fn hr_fn = NULL;
    hr_engine *hr = hr_create(hr_target);
    if (!hr) { fprintf(stderr, "hr_create: %s\n", hr_create_error()); return 1; }
    hr_set_temp_dir(hr, tmp_dir);
    hr_register_func(hr, "bench_version", (void **)&hr_fn);
    if (hr_load_initial(hr) != HR_SUCCESS || hr_start_watching(hr) != HR_SUCCESS) {
        fprintf(stderr, "hr engine: %s\n", hr_last_error(hr));
        return 1;
    }
    measure_latency(&hr_fn, hr_target, images, edits, hr_latency);
    for (int i = 0; i < edits; i++) {
        double t = now_us();
        if (hr_reload(hr) != HR_SUCCESS) { fprintf(stderr, "hr_reload: %s\n", hr_last_error(hr)); return 1; }
        hr_swap[i] = now_us() - t;
    }
    hr_destroy(hr);

    printf("{\n");
    print_list("seedLatencyUs", seed_latency, edits, 0);
    print_list("seedSwapUs", seed_swap, edits, 0);
    print_list("hrLatencyUs", hr_latency, edits, 0);
    print_list("hrSwapUs", hr_swap, edits, 1);
    printf("}\n");
    return 0;
}
