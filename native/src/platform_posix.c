/* platform_posix.c — the POSIX side of platform.h: files, mmap, dlopen, time and the crash guard. */
#include "platform.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void set_err(char *err, const char *what, int e) {
    if (err) snprintf(err, KILN_PLAT_ERR, "%.400s: %s", what, strerror(e));
}

/* --- files ------------------------------------------------------------------------------------------ */
int kiln_plat_mkdirs(const char *path, char err[KILN_PLAT_ERR]) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) { if (err) snprintf(err, KILN_PLAT_ERR, "path too long"); return -ENAMETOOLONG; }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) { int e = errno; set_err(err, buf, e); return -e; }
            buf[i] = c;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) { if (err) snprintf(err, KILN_PLAT_ERR, "%s is not a folder", path); return -ENOTDIR; }
    return 0;
}

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) { if (errno == EINTR) continue; return -errno; }
        c += w; n -= (size_t)w;
    }
    return 0;
}

int kiln_plat_copy_file(const char *src, const char *dst, char err[KILN_PLAT_ERR]) {
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) { int e = errno; set_err(err, src, e); return -e; }
    /* O_EXCL: never truncate an existing file, it may be a mapped image */
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (out < 0) { int e = errno; set_err(err, dst, e); close(in); return -e; }
    char buf[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0) { if (errno == EINTR) continue; rc = -errno; set_err(err, src, errno); break; }
        if (r == 0) break;
        if ((rc = write_all(out, buf, (size_t)r)) != 0) { set_err(err, dst, -rc); break; }
    }
    close(in);
    if (close(out) != 0 && rc == 0) { rc = -errno; set_err(err, dst, errno); }
    if (rc != 0) unlink(dst);
    return rc;
}

int kiln_plat_remove(const char *path) { return unlink(path) == 0 ? 0 : -errno; }

int kiln_plat_exists(const char *path) { struct stat st; return stat(path, &st) == 0; }

int kiln_plat_write_file_atomic(const char *path, const void *a, size_t a_len, const void *b, size_t b_len,
                                char err[KILN_PLAT_ERR]) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { int e = errno; set_err(err, tmp, e); return -e; }
    int rc = write_all(fd, a, a_len);
    if (rc == 0 && b_len) rc = write_all(fd, b, b_len);
    if (close(fd) != 0 && rc == 0) rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0) rc = -errno;
    if (rc != 0) { set_err(err, path, -rc); unlink(tmp); }
    return rc;
}

int32_t kiln_plat_pid(void) { return (int32_t)getpid(); }

void kiln_plat_remove_stale_copies(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0) continue;
        /* <name>-<pid>-<counter>.so: the pid is between the last two dashes */
        const char *last = strrchr(e->d_name, '-');
        if (!last || last == e->d_name) continue;
        const char *p = last - 1;
        while (p > e->d_name && *p != '-') p--;
        if (*p != '-') continue;
        long pid = strtol(p + 1, NULL, 10);
        if (pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char full[4400];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        unlink(full);
    }
    closedir(d);
}

int kiln_plat_open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the DIR itself */
}

/* --- mmap ----------------------------------------------------------------------------------------------- */
int kiln_plat_map_file(const char *path, kiln_plat_map *map, char err[KILN_PLAT_ERR]) {
    map->base = NULL; map->size = 0;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) { int e = errno; set_err(err, path, e); return -e; }
    struct stat st;
    if (fstat(fd, &st) != 0) { int e = errno; set_err(err, path, e); close(fd); return -e; }
    if (st.st_size <= 0) { if (err) snprintf(err, KILN_PLAT_ERR, "%s is empty", path); close(fd); return -EINVAL; }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) { set_err(err, path, e); return -e; }
    map->base = p; map->size = (size_t)st.st_size;
    return 0;
}

void kiln_plat_unmap(kiln_plat_map *map) {
    if (!map->base) return;
    msync(map->base, map->size, MS_ASYNC);
    munmap(map->base, map->size);
    map->base = NULL; map->size = 0;
}

/* --- dynamic libraries ------------------------------------------------------------------------------------ */
void *kiln_plat_lib_open(const char *path, char err[KILN_PLAT_ERR]) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h && err) { const char *d = dlerror(); snprintf(err, KILN_PLAT_ERR, "%s", d ? d : "unknown dlopen error"); }
    return h;
}
void *kiln_plat_lib_symbol(void *lib, const char *name) { return dlsym(lib, name); }
void kiln_plat_lib_close(void *lib) { if (lib) dlclose(lib); }

/* --- time --------------------------------------------------------------------------------------------------- */
double kiln_plat_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- crash guard ---------------------------------------------------------------------------------------------
 * Process-wide handlers for the fault signals; per-thread guard context. In the handler: if this thread is
 * inside a guarded call, siglongjmp back to it; otherwise hand the fault to whoever was installed before us
 * (V8 uses SIGSEGV for WebAssembly bounds checks, so stealing it would break Node). initial-exec TLS: no
 * lazy allocation when the handler first touches it. */
typedef struct guard_ctx {
    sigjmp_buf jb;
    volatile sig_atomic_t sig;
    struct guard_ctx *outer;
} guard_ctx;

static __thread guard_ctx *tl_guard __attribute__((tls_model("initial-exec")));
static __thread int tl_altstack_ready __attribute__((tls_model("initial-exec")));

static const int guard_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define GUARD_NSIG ((int)(sizeof guard_signals / sizeof guard_signals[0]))
static struct sigaction guard_old[GUARD_NSIG];
static int guard_refs;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;

static int guard_index(int sig) {
    for (int i = 0; i < GUARD_NSIG; i++) if (guard_signals[i] == sig) return i;
    return -1;
}

static void guard_handler(int sig, siginfo_t *si, void *uc) {
    guard_ctx *g = tl_guard;
    if (g) {
        tl_guard = g->outer;
        g->sig = sig;
        siglongjmp(g->jb, 1);
    }
    /* Not ours: chain to the previous handler. */
    int i = guard_index(sig);
    struct sigaction *old = i >= 0 ? &guard_old[i] : NULL;
    if (old && (old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
        old->sa_sigaction(sig, si, uc);
        return;
    }
    if (old && old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    /* Default action: reinstate it; a real fault re-executes and kills the process as it would have;
       a signal sent with kill()/raise() has to be raised again. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (si == NULL || si->si_code <= 0 || sig == SIGABRT) raise(sig);
}

int kiln_plat_guard_install(char err[KILN_PLAT_ERR]) {
    pthread_mutex_lock(&guard_lock);
    if (guard_refs++ == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = guard_handler;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        for (int i = 0; i < GUARD_NSIG; i++) {
            if (sigaction(guard_signals[i], &sa, &guard_old[i]) != 0) {
                int e = errno;
                for (int j = 0; j < i; j++) sigaction(guard_signals[j], &guard_old[j], NULL);
                guard_refs = 0;
                pthread_mutex_unlock(&guard_lock);
                set_err(err, "sigaction", e);
                return -e;
            }
        }
    }
    pthread_mutex_unlock(&guard_lock);
    return 0;
}

void kiln_plat_guard_uninstall(void) {
    pthread_mutex_lock(&guard_lock);
    if (guard_refs > 0 && --guard_refs == 0) {
        for (int i = 0; i < GUARD_NSIG; i++) {
            struct sigaction cur;
            /* Only restore if nobody replaced us since; otherwise we would remove their handler. */
            if (sigaction(guard_signals[i], NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
                cur.sa_sigaction == guard_handler)
                sigaction(guard_signals[i], &guard_old[i], NULL);
        }
    }
    pthread_mutex_unlock(&guard_lock);
}

/* Each thread that runs plugin code needs an alternate signal stack, or a stack overflow cannot be
   reported (the handler would have no stack to run on). Keep one the thread already has. */
static void ensure_altstack(void) {
    if (tl_altstack_ready) return;
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) && cur.ss_size >= 32768) {
        tl_altstack_ready = 1;
        return;
    }
    size_t size = 65536 > (size_t)SIGSTKSZ * 4 ? 65536 : (size_t)SIGSTKSZ * 4;
    stack_t ss;
    ss.ss_sp = malloc(size); /* lives as long as the thread; a few threads at most */
    ss.ss_size = size;
    ss.ss_flags = 0;
    if (ss.ss_sp && sigaltstack(&ss, NULL) == 0) tl_altstack_ready = 1;
    else free(ss.ss_sp);
}

int kiln_plat_guarded_call(kiln_plat_guarded_fn fn, void *ctx) {
    ensure_altstack();
    guard_ctx g;
    g.sig = 0;
    g.outer = tl_guard;
    if (sigsetjmp(g.jb, 1) == 0) {
        tl_guard = &g;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        fn(ctx);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        tl_guard = g.outer;
        return 0;
    }
    /* the handler already popped tl_guard */
    return g.sig ? (int)g.sig : SIGSEGV;
}

int kiln_plat_in_guarded_call(void) { return tl_guard != NULL; }

const char *kiln_plat_signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access or stack overflow)";
    case SIGBUS: return "SIGBUS (bad memory access)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGFPE: return "SIGFPE (arithmetic error, e.g. integer division by zero)";
    case SIGABRT: return "SIGABRT (abort() or a failed assert)";
    default: return "unknown signal";
    }
}
