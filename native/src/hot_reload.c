/* hot_reload.c — the generic engine of hot_reload.h. Image loading (copy, completeness check, open) is shared
   with the game runtime through image.c; the OS parts (watcher, dlopen, time) go through platform.h. */
#include "hot_reload.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "platform.h"

#define HR_ERROR_MAX 1024
#define HR_MAX_RETIRED 64
#define HR_RETRY_FIRST_MS 10
#define HR_RETRY_MAX 8 /* 10 + 20 + ... + 1280 ms */

typedef struct hr_func {
    char name[128];
    void **ptr;
} hr_func;

struct hr_engine {
    char path[KILN_PATH_MAX], dir[KILN_PATH_MAX], file[256], stem[128], tmp_dir[KILN_PATH_MAX];
    pthread_mutex_t load_m;              /* serialises loads, registration, retired list */
    hr_func funcs[HR_MAX_FUNCS];
    int nfuncs;
    kiln_loaded_image current;
    kiln_loaded_image retired[HR_MAX_RETIRED];
    int nretired;
    int status;                          /* hr_status, atomic */
    int32_t version;                     /* atomic */
    int retries;                         /* incomplete-image retries so far */
    uint64_t loaded_stamp[3];            /* kiln_plat_file_stamp of the file the current image came from */
    char last_error[HR_ERROR_MAX];
    hr_callback cb;
    void *cb_user;
    hr_callback_t brick_cb;
    kiln_plat_watch *watch;
    /* grace: two-phase reader counters */
    unsigned gen;
    long active[2];
    int32_t grace_ms;
    /* freeze/thaw */
    pthread_mutex_t alloc_m;
    pthread_cond_t alloc_cv;
    int frozen, in_flight;
    hr_alloc_fn alloc_fn;
    hr_free_fn free_fn;
    void *alloc_user;
    hr_freeze_fn freeze, thaw;
    void *freeze_user;
};

static __thread char tl_create_error[HR_ERROR_MAX];

static void set_error(hr_engine *hr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(hr_engine *hr, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(hr->last_error, sizeof hr->last_error, fmt, ap);
    va_end(ap);
}

static void *default_alloc(size_t n, void *user) { (void)user; return malloc(n); }
static void default_free(void *p, void *user) { (void)user; free(p); }

const char *hr_create_error(void) { return tl_create_error; }

hr_engine *hr_create(const char *path) {
    tl_create_error[0] = '\0';
    if (!path || !*path || strlen(path) >= KILN_PATH_MAX - 300) {
        snprintf(tl_create_error, sizeof tl_create_error, "hr_create: the image path is missing or too long; pass the "
                 "path of the shared library your build writes.");
        return NULL;
    }
    hr_engine *hr = calloc(1, sizeof *hr);
    if (!hr) { snprintf(tl_create_error, sizeof tl_create_error, "hr_create: out of memory."); return NULL; }
    snprintf(hr->path, sizeof hr->path, "%s", path);
    const char *slash = strrchr(path, '/');
#ifdef _WIN32
    const char *bs = strrchr(path, '\\');
    if (bs && (!slash || bs > slash)) slash = bs;
#endif
    if (slash) {
        snprintf(hr->dir, sizeof hr->dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
        snprintf(hr->file, sizeof hr->file, "%s", slash + 1);
    } else {
        snprintf(hr->dir, sizeof hr->dir, ".");
        snprintf(hr->file, sizeof hr->file, "%s", path);
    }
    if (!hr->file[0]) {
        snprintf(tl_create_error, sizeof tl_create_error, "hr_create: %s names a folder; pass the library file.", path);
        free(hr);
        return NULL;
    }
    /* stem for temp names: hr-<file without extension>, letters/digits only */
    size_t k = (size_t)snprintf(hr->stem, sizeof hr->stem, "hr-");
    for (const char *c = hr->file; *c && *c != '.' && k + 1 < sizeof hr->stem; c++)
        hr->stem[k++] = ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')) ? *c : '_';
    hr->stem[k] = '\0';
    snprintf(hr->tmp_dir, sizeof hr->tmp_dir, "%s", kiln_plat_temp_dir());
    pthread_mutex_init(&hr->load_m, NULL);
    pthread_mutex_init(&hr->alloc_m, NULL);
    pthread_cond_init(&hr->alloc_cv, NULL);
    hr->alloc_fn = default_alloc;
    hr->free_fn = default_free;
    hr->grace_ms = 1000;
    hr->status = HR_WAITING;
    return hr;
}

int hr_set_temp_dir(hr_engine *hr, const char *dir) {
    if (!hr || !dir || !*dir || strlen(dir) >= KILN_PATH_MAX - 300) return HR_ERR_INVALID;
    char err[KILN_PLAT_ERR];
    if (kiln_plat_mkdirs(dir, err) != 0) {
        set_error(hr, "hr_set_temp_dir: cannot create %s (%s).", dir, err);
        return HR_ERR_COPY;
    }
    pthread_mutex_lock(&hr->load_m);
    snprintf(hr->tmp_dir, sizeof hr->tmp_dir, "%s", dir);
    pthread_mutex_unlock(&hr->load_m);
    return HR_SUCCESS;
}

int hr_register_func(hr_engine *hr, const char *name, void **ptr) {
    if (!hr || !name || !*name || !ptr || strlen(name) >= sizeof hr->funcs[0].name) {
        if (hr) set_error(hr, "hr_register_func: pass a symbol name (under 128 chars) and the address of a pointer.");
        return HR_ERR_INVALID;
    }
    pthread_mutex_lock(&hr->load_m);
    int rc = HR_SUCCESS;
    if (hr->nfuncs == HR_MAX_FUNCS) {
        set_error(hr, "hr_register_func: at most %d functions per engine.", HR_MAX_FUNCS);
        rc = HR_ERR_INVALID;
    } else if (hr->current.lib) {
        void *sym = kiln_plat_lib_symbol(hr->current.lib, name);
        if (!sym) {
            set_error(hr, "hr_register_func: %s has no symbol \"%s\"; export it (not static) and rebuild.", hr->path, name);
            rc = HR_ERR_SYMBOL;
        } else {
            __atomic_store_n(ptr, sym, __ATOMIC_SEQ_CST);
        }
    }
    if (rc == HR_SUCCESS) {
        snprintf(hr->funcs[hr->nfuncs].name, sizeof hr->funcs[0].name, "%s", name);
        hr->funcs[hr->nfuncs].ptr = ptr;
        hr->nfuncs++;
    }
    pthread_mutex_unlock(&hr->load_m);
    return rc;
}

/* --- grace ------------------------------------------------------------------------------------------------- */
unsigned hr_enter(hr_engine *hr) {
    unsigned idx = __atomic_load_n(&hr->gen, __ATOMIC_SEQ_CST) & 1u;
    __atomic_add_fetch(&hr->active[idx], 1, __ATOMIC_SEQ_CST);
    return idx;
}

void hr_exit(hr_engine *hr, unsigned token) { __atomic_sub_fetch(&hr->active[token & 1u], 1, __ATOMIC_SEQ_CST); }

void hr_set_grace_timeout_ms(hr_engine *hr, int32_t ms) { if (hr) hr->grace_ms = ms < 0 ? 0 : ms; }

/* Waits until every thread that was inside before the call has left: flip the phase and drain the old counter,
   twice (a reader may have read the phase just before a flip). 0, or -1 on timeout. */
static int grace_wait(hr_engine *hr, int32_t timeout_ms) {
    double deadline = kiln_plat_now() + timeout_ms / 1000.0;
    for (int phase = 0; phase < 2; phase++) {
        unsigned old = __atomic_fetch_add(&hr->gen, 1u, __ATOMIC_SEQ_CST) & 1u;
        for (int spins = 0; __atomic_load_n(&hr->active[old], __ATOMIC_SEQ_CST) != 0; spins++) {
            if (kiln_plat_now() > deadline) return -1;
            if (spins < 4096) kiln_plat_yield(); /* readers leave within a call: usually microseconds */
            else kiln_plat_sleep_ms(1);
        }
    }
    return 0;
}

/* Closes retired images once it is safe. Called with load_m held. */
static void reap(hr_engine *hr, int32_t timeout_ms) {
    if (hr->nretired == 0) return;
    if (grace_wait(hr, timeout_ms) != 0) return;
    for (int i = 0; i < hr->nretired; i++) kiln__image_close(&hr->retired[i]);
    hr->nretired = 0;
}

int32_t hr_retired_images(const hr_engine *hr) {
    if (!hr) return 0;
    hr_engine *m = (hr_engine *)hr;
    pthread_mutex_lock(&m->load_m);
    int32_t n = m->nretired;
    pthread_mutex_unlock(&m->load_m);
    return n;
}

/* --- freeze / thaw -------------------------------------------------------------------------------------------- */
void hr_set_allocator(hr_engine *hr, hr_alloc_fn alloc, hr_free_fn free_fn, void *user) {
    if (!hr) return;
    pthread_mutex_lock(&hr->alloc_m);
    hr->alloc_fn = alloc ? alloc : default_alloc;
    hr->free_fn = free_fn ? free_fn : default_free;
    hr->alloc_user = user;
    pthread_mutex_unlock(&hr->alloc_m);
}

void hr_set_freeze_hooks(hr_engine *hr, hr_freeze_fn freeze, hr_freeze_fn thaw, void *user) {
    if (!hr) return;
    pthread_mutex_lock(&hr->load_m);
    hr->freeze = freeze; hr->thaw = thaw; hr->freeze_user = user;
    pthread_mutex_unlock(&hr->load_m);
}

/* 0 when the caller may allocate (in_flight counted), -1 if the freeze lasted over 1 s. */
static int gate_enter(hr_engine *hr) {
    pthread_mutex_lock(&hr->alloc_m);
    double deadline = kiln_plat_now() + 1.0;
    while (hr->frozen) {
        if (kiln_plat_now() > deadline) { pthread_mutex_unlock(&hr->alloc_m); return -1; }
        pthread_mutex_unlock(&hr->alloc_m);
        kiln_plat_yield();     /* a swap takes microseconds: yielding beats a timed wait here */
        pthread_mutex_lock(&hr->alloc_m);
    }
    hr->in_flight++;
    pthread_mutex_unlock(&hr->alloc_m);
    return 0;
}

static void gate_leave(hr_engine *hr) {
    pthread_mutex_lock(&hr->alloc_m);
    if (--hr->in_flight == 0 && hr->frozen) pthread_cond_broadcast(&hr->alloc_cv);
    pthread_mutex_unlock(&hr->alloc_m);
}

void *hr_alloc(hr_engine *hr, size_t size) {
    if (!hr || gate_enter(hr) != 0) return NULL;
    void *p = hr->alloc_fn(size, hr->alloc_user);
    gate_leave(hr);
    return p;
}

void hr_free(hr_engine *hr, void *ptr) {
    if (!hr || !ptr) return;
    while (gate_enter(hr) != 0) {} /* a free must not be lost: wait out even a long freeze */
    hr->free_fn(ptr, hr->alloc_user);
    gate_leave(hr);
}

static void freeze(hr_engine *hr) {
    pthread_mutex_lock(&hr->alloc_m);
    hr->frozen = 1;
    while (hr->in_flight > 0) pthread_cond_wait(&hr->alloc_cv, &hr->alloc_m);
    pthread_mutex_unlock(&hr->alloc_m);
    if (hr->freeze) hr->freeze(hr->freeze_user);
}

static void thaw(hr_engine *hr) {
    if (hr->thaw) hr->thaw(hr->freeze_user);
    pthread_mutex_lock(&hr->alloc_m);
    hr->frozen = 0;
    pthread_mutex_unlock(&hr->alloc_m);
}

/* --- loading ----------------------------------------------------------------------------------------------------- */
/* One load attempt, load_m held. Returns an hr_result; sets status and last_error. */
static int load_locked(hr_engine *hr) {
    int had = hr->current.lib != NULL;
    __atomic_store_n(&hr->status, HR_LOADING, __ATOMIC_SEQ_CST);
    kiln_loaded_image img;
    char err[KILN_PLAT_ERR];
    uint64_t stamp[3] = {0, 0, 0};
    kiln_plat_file_stamp(hr->path, stamp); /* before the copy: a change during it makes the next event reload */
    int rc = kiln__image_open(hr->path, hr->tmp_dir, hr->stem, &img, err);
    if (rc != KILN_IMG_OK) {
        int r;
        switch (rc) {
        case KILN_IMG_ERR_INCOMPLETE:
            set_error(hr, "%s was not loaded: %s. The build is probably still writing it; it is retried.", hr->path, err);
            r = HR_ERR_INCOMPLETE;
            break;
        case KILN_IMG_ERR_DLOPEN:
            set_error(hr, "dlopen failed for %s: %s. Is it a shared library built for this machine (-shared -fPIC)? "
                      "%s", hr->path, err, had ? "The previous version keeps running." : "");
            r = HR_ERR_DLOPEN;
            break;
        default:
            set_error(hr, "could not copy %s to %s (%s). Check that the build produced the file and that the temp "
                      "folder is writable (hr_set_temp_dir).", hr->path, hr->tmp_dir, err);
            r = HR_ERR_COPY;
            break;
        }
        __atomic_store_n(&hr->status, HR_ERROR, __ATOMIC_SEQ_CST);
        return r;
    }
    void *syms[HR_MAX_FUNCS];
    for (int i = 0; i < hr->nfuncs; i++) {
        syms[i] = kiln_plat_lib_symbol(img.lib, hr->funcs[i].name);
        if (!syms[i]) {
            kiln__image_close(&img);
            set_error(hr, "%s has no symbol \"%s\", so nothing was swapped%s. Export it (not static, extern \"C\" in "
                      "C++) and rebuild.", hr->path, hr->funcs[i].name, had ? " and the previous version keeps running" : "");
            __atomic_store_n(&hr->status, HR_ERROR, __ATOMIC_SEQ_CST);
            return HR_ERR_SYMBOL;
        }
    }
    /* everything resolved: swap, with allocations frozen */
    freeze(hr);
    for (int i = 0; i < hr->nfuncs; i++) __atomic_store_n(hr->funcs[i].ptr, syms[i], __ATOMIC_SEQ_CST);
    /* state before version: whoever sees the new version sees HR_OK (closing the old image below takes a while) */
    hr->last_error[0] = '\0';
    hr->retries = 0;
    __atomic_store_n(&hr->status, HR_OK, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&hr->version, 1, __ATOMIC_SEQ_CST);
    thaw(hr);
    if (had) {
        if (hr->nretired == HR_MAX_RETIRED) reap(hr, 1 << 30); /* never more than that many open: wait */
        hr->retired[hr->nretired++] = hr->current;
    }
    hr->current = img;
    memcpy(hr->loaded_stamp, stamp, sizeof stamp);
    reap(hr, hr->grace_ms);
    return HR_SUCCESS;
}

static void notify(hr_engine *hr) {
    hr_callback cb;
    hr_callback_t brick_cb;
    void *user;
    pthread_mutex_lock(&hr->load_m);
    cb = hr->cb; user = hr->cb_user; brick_cb = hr->brick_cb;
    pthread_mutex_unlock(&hr->load_m);
    hr_status st = hr_state(hr);
    if (cb) cb(hr, st, hr_version(hr), user);
    if (brick_cb && st != HR_LOADING) brick_cb(hr->path); /* a retry still waiting is not a finished attempt */
}

int hr_load_initial(hr_engine *hr) {
    if (!hr) return HR_ERR_INVALID;
    pthread_mutex_lock(&hr->load_m);
    int rc = load_locked(hr);
    pthread_mutex_unlock(&hr->load_m);
    notify(hr);
    return rc;
}

int hr_reload(hr_engine *hr) { return hr_load_initial(hr); }

/* Watcher thread: one attempt per burst of events; an incomplete image is retried with a doubling delay. */
static int on_change(void *user) {
    hr_engine *hr = user;
    pthread_mutex_lock(&hr->load_m);
    uint64_t stamp[3];
    if (hr->current.lib && hr->status == HR_OK && kiln_plat_file_stamp(hr->path, stamp) == 0 &&
        memcmp(stamp, hr->loaded_stamp, sizeof stamp) == 0) {
        pthread_mutex_unlock(&hr->load_m); /* the file we already run (a late event of the same write) */
        return 0;
    }
    int rc = load_locked(hr);
    int again = 0;
    if (rc == HR_ERR_INCOMPLETE && hr->retries < HR_RETRY_MAX) {
        again = HR_RETRY_FIRST_MS << hr->retries;
        hr->retries++;
        __atomic_store_n(&hr->status, HR_LOADING, __ATOMIC_SEQ_CST);
    } else if (rc == HR_ERR_INCOMPLETE) {
        hr->retries = 0;
        size_t n = strlen(hr->last_error);
        snprintf(hr->last_error + n, sizeof hr->last_error - n, " Gave up after %d retries: rebuild it.", HR_RETRY_MAX);
    }
    pthread_mutex_unlock(&hr->load_m);
    notify(hr);
    return again;
}

int hr_start_watching(hr_engine *hr) {
    if (!hr) return HR_ERR_INVALID;
    pthread_mutex_lock(&hr->load_m);
    int rc = HR_SUCCESS;
    if (!hr->watch) {
        char err[KILN_PLAT_ERR];
        hr->watch = kiln_plat_watch_start(hr->dir, hr->file, on_change, hr, err);
        if (!hr->watch) {
            set_error(hr, "hr_start_watching: cannot watch %s (%s). Check that the folder exists; on Linux raise "
                      "fs.inotify.max_user_instances if it is exhausted.", hr->dir, err);
            rc = HR_ERR_WATCH;
        }
    }
    pthread_mutex_unlock(&hr->load_m);
    return rc;
}

hr_status hr_state(const hr_engine *hr) { return hr ? (hr_status)__atomic_load_n(&hr->status, __ATOMIC_SEQ_CST) : HR_ERROR; }
int32_t hr_version(const hr_engine *hr) { return hr ? __atomic_load_n(&hr->version, __ATOMIC_SEQ_CST) : 0; }
const char *hr_last_error(const hr_engine *hr) { return hr ? hr->last_error : "hr: no engine (NULL)"; }

void hr_set_callback(hr_engine *hr, hr_callback_t cb) {
    if (!hr) return;
    pthread_mutex_lock(&hr->load_m);
    hr->brick_cb = cb;
    pthread_mutex_unlock(&hr->load_m);
}

void hr_set_callback_ex(hr_engine *hr, hr_callback cb, void *user) {
    if (!hr) return;
    pthread_mutex_lock(&hr->load_m);
    hr->cb = cb; hr->cb_user = user;
    pthread_mutex_unlock(&hr->load_m);
}

void hr_destroy(hr_engine *hr) {
    if (!hr) return;
    kiln_plat_watch_stop(hr->watch); /* no load runs after this */
    pthread_mutex_lock(&hr->load_m);
    for (int i = 0; i < hr->nfuncs; i++) __atomic_store_n(hr->funcs[i].ptr, NULL, __ATOMIC_SEQ_CST);
    if (grace_wait(hr, hr->grace_ms) == 0) {
        for (int i = 0; i < hr->nretired; i++) kiln__image_close(&hr->retired[i]);
        kiln__image_close(&hr->current);
    } else {
        /* a thread is still inside: leaking the images is better than unmapping code it runs */
        fprintf(stderr, "hot_reload: %s: a thread was still between hr_enter and hr_exit at hr_destroy; its images "
                "were left open.\n", hr->path);
    }
    pthread_mutex_unlock(&hr->load_m);
    pthread_mutex_destroy(&hr->load_m);
    pthread_mutex_destroy(&hr->alloc_m);
    pthread_cond_destroy(&hr->alloc_cv);
    free(hr);
}
