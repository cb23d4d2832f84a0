/* platform_posix.c — the POSIX side of platform.h: files, mmap, dlopen, time and the crash guard. */
#include "platform.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <ucontext.h>
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
int kiln_plat_file_reserve(const char *path, uint64_t size, char err[KILN_PLAT_ERR]) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) { int e = errno; set_err(err, path, e); return -e; }
    struct stat st;
    int rc = fstat(fd, &st) == 0 ? 0 : errno;
    if (rc == 0 && (uint64_t)st.st_size < size) {
        rc = posix_fallocate(fd, 0, (off_t)size);
        if (rc == EOPNOTSUPP || rc == EINVAL) rc = ftruncate(fd, (off_t)size) == 0 ? 0 : errno; /* no fallocate here */
    }
    close(fd);
    if (rc) { set_err(err, path, rc); return -rc; }
    return 0;
}

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
/* The loader appends what one dlopen maps to its list in load order: the image, then the libraries it needs that
   were not loaded yet. So right after the open, the entries after the image's are what it brought. */
int kiln_plat_lib_companion(void *lib, const char *dir, char *out, size_t cap) {
    struct link_map *lm = NULL;
    if (!lib || !dir || !dir[0] || dlinfo(lib, RTLD_DI_LINKMAP, &lm) != 0 || !lm) return -1;
    size_t n = strlen(dir);
    for (struct link_map *l = lm->l_next; l; l = l->l_next) {
        const char *name = l->l_name;
        if (!name || strncmp(name, dir, n) != 0 || name[n] != '/' || strchr(name + n + 1, '/')) continue;
        snprintf(out, cap, "%s", name);
        return 0;
    }
    return -1;
}

void kiln_plat_lib_close(void *lib) { if (lib) dlclose(lib); }

/* --- time --------------------------------------------------------------------------------------------------- */
double kiln_plat_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
double kiln_plat_thread_cpu(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- crash guard ---------------------------------------------------------------------------------------------
 * Process-wide handlers for the fault signals; per-thread guard context. In the handler: if this thread is
 * inside a guarded call, siglongjmp back to it; otherwise hand the fault to whoever was installed before us
 * (V8 uses SIGSEGV for WebAssembly bounds checks, so stealing it would break Node). initial-exec TLS: no
 * lazy allocation when the handler first touches it. */
typedef struct guard_ctx {
    sigjmp_buf jb;
    sigset_t mask;             /* the thread's mask before the call, put back after a fault */
    volatile sig_atomic_t sig;
    struct guard_ctx *outer;
    /* watched calls: registered with the watchdog for their duration */
    pthread_t thread;
    double started;
    int32_t min_ms;            /* this call's floor on the limit (loader work), 0: none */
    int fired;                 /* set (atomically) by the watchdog thread */
    struct guard_ctx *next;    /* watchdog list */
} guard_ctx;

/* Not tls_model("initial-exec"): that marks libkiln STATIC_TLS, and a dlopen'd library's whole TLS block
 * (≈2 KiB with the error buffers) must then fit glibc's small static surplus — inside Node + koffi it does
 * not ("cannot allocate memory in static TLS block"). The signal handler only reads these after the
 * guarded call on the same thread has written them, so their dynamic TLS block already exists. */
static __thread guard_ctx *tl_guard;
static __thread int tl_altstack_ready;
static __thread int tl_defer;
static __thread volatile sig_atomic_t tl_defer_pending;
static __thread uint64_t tl_fault_addr;

#ifdef SIGRTMIN
#define WATCHDOG_SIGNAL (SIGRTMIN + 4)
#else
#define WATCHDOG_SIGNAL SIGUSR2
#endif
static struct sigaction watchdog_old;

static const int guard_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define GUARD_NSIG ((int)(sizeof guard_signals / sizeof guard_signals[0]))
static struct sigaction guard_old[GUARD_NSIG];
static int guard_refs;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;

/* --- where it crashed: read from the signal's ucontext, inside the handler (no locks, no allocation) --- */
static __thread kiln_plat_site tl_site;

/* The interrupted pc, frame pointer and stack pointer, where this architecture's ucontext has them. */
static int site_regs(const void *ucv, uint64_t *pc, uint64_t *fp, uint64_t *sp, uint64_t *err) {
    const ucontext_t *uc = ucv;
    *err = 0;
#if defined(__linux__) && defined(__x86_64__)
    *pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    *fp = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
    *sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
    *err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
    return 1;
#elif defined(__linux__) && defined(__aarch64__)
    *pc = uc->uc_mcontext.pc;
    *fp = uc->uc_mcontext.regs[29];
    *sp = uc->uc_mcontext.sp;
    return 1;
#else
    (void)uc; *pc = *fp = *sp = 0;
    return 0;
#endif
}

/* Only stack memory between the interrupted sp and the guard's own frame (`top`: every plugin frame lies below
   it) is read, so the walk cannot fault; after a stack overflow the part below the fault address is skipped. */
/* Not instrumented: the copy reads libkiln's own frames too, whose redzones AddressSanitizer has poisoned. */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize_address)
__attribute__((no_sanitize_address))
#endif
#endif
static void site_capture(int sig, const siginfo_t *si, const void *uc, const void *top) {
    kiln_plat_site *s = &tl_site;
    s->valid = 0;
    uint64_t pc, fp, sp, err;
    if (!uc || !site_regs(uc, &pc, &fp, &sp, &err)) return;
    s->access = 0;
    s->stack_overflow = 0;
    uint64_t lo = sp, hi = (uint64_t)(uintptr_t)top;
    if ((sig == SIGSEGV || sig == SIGBUS) && si && si->si_code > 0) {
#if defined(__x86_64__)
        /* page-fault error code: bit 1 a write, bit 4 an instruction fetch */
        s->access = (err & 0x10) ? 3 : (err & 0x2) ? 2 : 1;
#endif
        uint64_t a = (uint64_t)(uintptr_t)si->si_addr;
        if (a < hi && a + 65536 >= sp) { /* at or just below the stack pointer: the stack ran out */
            s->stack_overflow = a < sp + 4096;
            uint64_t above = (a & ~(uint64_t)4095) + 4096;
            if (above > lo) lo = above;
        }
    }
    int n = 0;
    s->frames[n++] = pc;
    while (n < KILN_PLAT_SITE_FRAMES && fp >= lo && fp + 16 <= hi && (fp & 7) == 0) {
        const uint64_t *f = (const uint64_t *)(uintptr_t)fp;
        if (f[1] == 0) break;
        s->frames[n++] = f[1];
        if (f[0] <= fp) break; /* frames only go up the stack */
        fp = f[0];
    }
    s->depth = n;
    int w = 0;
    for (uint64_t a = (sp + 7) & ~(uint64_t)7; a >= lo && a + 8 <= hi && w < KILN_PLAT_SITE_WORDS; a += 8)
        s->words[w++] = *(const uint64_t *)(uintptr_t)a;
    s->nwords = w;
    s->valid = 1;
}

void kiln_plat_fault_site(kiln_plat_site *out) {
    *out = tl_site;
    tl_site.valid = 0;
}

int kiln_plat_addr_image(uint64_t addr, char *path, size_t cap, uint64_t *base) {
    Dl_info info;
    if (!addr || !dladdr((void *)(uintptr_t)addr, &info) || !info.dli_fbase) return -1;
    snprintf(path, cap, "%s", info.dli_fname ? info.dli_fname : "");
    *base = (uint64_t)(uintptr_t)info.dli_fbase;
    return 0;
}

static int guard_index(int sig) {
    for (int i = 0; i < GUARD_NSIG; i++) if (guard_signals[i] == sig) return i;
    return -1;
}

static void guard_handler(int sig, siginfo_t *si, void *uc) {
    guard_ctx *g = tl_guard;
    if (g) {
        tl_guard = g->outer;
        g->sig = sig;
        /* kill()/raise()/abort() have no fault address (si_code <= 0) */
        tl_fault_addr = si && si->si_code > 0 && sig != SIGABRT ? (uint64_t)(uintptr_t)si->si_addr : 0;
        site_capture(sig, si, uc, g);
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

/* Leaves the innermost guarded call as if it had been interrupted by `sig`. */
static void guard_leave(guard_ctx *g, int sig) {
    tl_guard = g->outer;
    tl_fault_addr = 0;
    g->sig = sig;
    siglongjmp(g->jb, 1);
}

static void watchdog_handler(int sig, siginfo_t *si, void *uc) {
    guard_ctx *g = tl_guard;
    if (g && __atomic_load_n(&g->fired, __ATOMIC_ACQUIRE)) {
        site_capture(sig, si, uc, g); /* where it was looping (in host code: the scan finds the plugin's caller) */
        if (tl_defer > 0) { tl_defer_pending = 1; return; } /* in host code holding a lock: at its end */
        guard_leave(g, KILN_PLAT_TIMEOUT);
    }
    /* late (the call already finished) or not ours */
    if ((watchdog_old.sa_flags & SA_SIGINFO) && watchdog_old.sa_sigaction) watchdog_old.sa_sigaction(sig, si, uc);
    else if (!(watchdog_old.sa_flags & SA_SIGINFO) && watchdog_old.sa_handler != SIG_DFL &&
             watchdog_old.sa_handler != SIG_IGN && watchdog_old.sa_handler)
        watchdog_old.sa_handler(sig);
}

void kiln_plat_defer_begin(void) { tl_defer++; }
void kiln_plat_defer_end(void) {
    if (--tl_defer > 0 || !tl_defer_pending) return;
    tl_defer_pending = 0;
    guard_ctx *g = tl_guard;
    if (g && __atomic_load_n(&g->fired, __ATOMIC_ACQUIRE)) guard_leave(g, KILN_PLAT_TIMEOUT);
}

static struct sigaction guard_sa, watchdog_sa;  /* ours, as installed */
static sigset_t guard_set;                       /* the fault signals + the watchdog's */

static void guard_actions_init(void) {
    memset(&guard_sa, 0, sizeof guard_sa);
    guard_sa.sa_sigaction = guard_handler;
    guard_sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&guard_sa.sa_mask);
    memset(&watchdog_sa, 0, sizeof watchdog_sa);
    watchdog_sa.sa_sigaction = watchdog_handler;
    watchdog_sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&watchdog_sa.sa_mask);
    sigemptyset(&guard_set);
    for (int i = 0; i < GUARD_NSIG; i++) sigaddset(&guard_set, guard_signals[i]);
    sigaddset(&guard_set, WATCHDOG_SIGNAL);
}

static int is_ours(const struct sigaction *cur, void (*h)(int, siginfo_t *, void *)) {
    return (cur->sa_flags & SA_SIGINFO) && cur->sa_sigaction == h && (cur->sa_flags & SA_ONSTACK);
}

/* One sigaction query per signal (~0.1 µs on bare metal, ~1 µs in a VM): cheap enough to run before every
   guarded call, which is what makes the guard hold whatever a plugin did in its previous call. */
int kiln_plat_guard_check(int *first_sig) {
    if (__atomic_load_n(&guard_refs, __ATOMIC_RELAXED) == 0) return 0;
    int fixed = 0;
    struct sigaction cur;
    for (int i = 0; i < GUARD_NSIG; i++) {
        if (sigaction(guard_signals[i], NULL, &cur) == 0 && is_ours(&cur, guard_handler)) continue;
        sigaction(guard_signals[i], &guard_sa, NULL);
        if (fixed++ == 0 && first_sig) *first_sig = guard_signals[i];
    }
    if (!(sigaction(WATCHDOG_SIGNAL, NULL, &cur) == 0 && is_ours(&cur, watchdog_handler))) {
        sigaction(WATCHDOG_SIGNAL, &watchdog_sa, NULL);
        if (fixed++ == 0 && first_sig) *first_sig = WATCHDOG_SIGNAL;
    }
    return fixed;
}

uint64_t kiln_plat_fault_address(void) { return tl_fault_addr; }

/* /proc/self/task has one link per thread + "." + "..". fstat of a directory fd kept open skips the path lookup
   (~40% cheaper than stat); the fd names this process's folder, so a forked child opens its own. */
static int task_fd = -1;
static void task_fd_open(void) { task_fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC); }
static void task_fd_after_fork(void) {
    if (task_fd < 0) return;
    close(task_fd);
    task_fd_open();
}

int kiln_plat_thread_count(void) {
    struct stat st;
    int fd = __atomic_load_n(&task_fd, __ATOMIC_RELAXED);
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_nlink < 3) return -1;
    return (int)st.st_nlink - 2;
}

int kiln_plat_guard_install(char err[KILN_PLAT_ERR]) {
    pthread_mutex_lock(&guard_lock);
    if (guard_refs++ == 0) {
        guard_actions_init();
        static int atfork_set;
        if (!atfork_set) atfork_set = pthread_atfork(NULL, NULL, task_fd_after_fork) == 0;
        if (task_fd < 0) task_fd_open();
        struct sigaction sa = guard_sa;
        for (int i = 0; i < GUARD_NSIG; i++) {
            if (sigaction(guard_signals[i], &sa, &guard_old[i]) != 0) {
                int e = errno;
                for (int j = 0; j < i; j++) sigaction(guard_signals[j], &guard_old[j], NULL);
                guard_refs = 0;
                if (task_fd >= 0) { close(task_fd); task_fd = -1; }
                pthread_mutex_unlock(&guard_lock);
                set_err(err, "sigaction", e);
                return -e;
            }
        }
        sigaction(WATCHDOG_SIGNAL, &watchdog_sa, &watchdog_old);
    }
    pthread_mutex_unlock(&guard_lock);
    return 0;
}

void kiln_plat_guard_uninstall(void) {
    pthread_mutex_lock(&guard_lock);
    if (guard_refs > 0 && --guard_refs == 0) {
        if (task_fd >= 0) { close(task_fd); task_fd = -1; }
        for (int i = 0; i < GUARD_NSIG; i++) {
            struct sigaction cur;
            /* Only restore if nobody replaced us since; otherwise we would remove their handler. */
            if (sigaction(guard_signals[i], NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
                cur.sa_sigaction == guard_handler)
                sigaction(guard_signals[i], &guard_old[i], NULL);
        }
        struct sigaction cur;
        if (sigaction(WATCHDOG_SIGNAL, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == watchdog_handler)
            sigaction(WATCHDOG_SIGNAL, &watchdog_old, NULL);
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

/* --- watchdog ------------------------------------------------------------------------------------------------ */
struct kiln_plat_watchdog {
    pthread_mutex_t m;
    pthread_cond_t cv;
    pthread_t thread;
    int running, stop;
    int32_t limit_ms;
    guard_ctx *calls;          /* watched calls in progress */
};

static void watch_add(kiln_plat_watchdog *wd, guard_ctx *g) {
    pthread_mutex_lock(&wd->m);
    g->next = wd->calls;
    wd->calls = g;
    pthread_mutex_unlock(&wd->m);
}

static void watch_remove(kiln_plat_watchdog *wd, guard_ctx *g) {
    pthread_mutex_lock(&wd->m);
    for (guard_ctx **p = &wd->calls; *p; p = &(*p)->next)
        if (*p == g) { *p = g->next; break; }
    pthread_mutex_unlock(&wd->m);
}

static void *watchdog_main(void *arg) {
    kiln_plat_watchdog *wd = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are for the game threads */
    pthread_mutex_lock(&wd->m);
    while (!wd->stop) {
        int32_t limit = wd->limit_ms;
        if (limit <= 0) { pthread_cond_wait(&wd->cv, &wd->m); continue; }
        double now = kiln_plat_now();
        /* A registered call cannot finish while we hold the lock, so its thread is alive. Re-sent every
           period while it stays registered: a signal that arrived in a deferred section is not lost. */
        for (guard_ctx *g = wd->calls; g; g = g->next) {
            if (now - g->started >= (g->min_ms > limit ? g->min_ms : limit) / 1000.0) {
                __atomic_store_n(&g->fired, 1, __ATOMIC_RELEASE);
                pthread_kill(g->thread, WATCHDOG_SIGNAL);
            }
        }
        int32_t period = limit / 8;
        if (period < 2) period = 2;
        if (period > 250) period = 250;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)period * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&wd->cv, &wd->m, &ts);
    }
    pthread_mutex_unlock(&wd->m);
    return NULL;
}

kiln_plat_watchdog *kiln_plat_watchdog_create(char err[KILN_PLAT_ERR]) {
    kiln_plat_watchdog *wd = calloc(1, sizeof *wd);
    if (!wd) { set_err(err, "watchdog", ENOMEM); return NULL; }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&wd->m, NULL);
    return wd;
}

void kiln_plat_watchdog_set_limit(kiln_plat_watchdog *wd, int32_t ms) {
    if (!wd) return;
    pthread_mutex_lock(&wd->m);
    wd->limit_ms = ms > 0 ? ms : 0;
    if (wd->limit_ms > 0 && !wd->running) wd->running = pthread_create(&wd->thread, NULL, watchdog_main, wd) == 0;
    pthread_cond_signal(&wd->cv);
    pthread_mutex_unlock(&wd->m);
}

int32_t kiln_plat_watchdog_limit(const kiln_plat_watchdog *wd) { return wd ? __atomic_load_n(&wd->limit_ms, __ATOMIC_RELAXED) : 0; }

void kiln_plat_watchdog_destroy(kiln_plat_watchdog *wd) {
    if (!wd) return;
    pthread_mutex_lock(&wd->m);
    wd->stop = 1;
    pthread_cond_signal(&wd->cv);
    int running = wd->running;
    pthread_mutex_unlock(&wd->m);
    if (running) pthread_join(wd->thread, NULL);
    pthread_cond_destroy(&wd->cv);
    pthread_mutex_destroy(&wd->m);
    free(wd);
}

int kiln_plat_guarded_call_watched(kiln_plat_watchdog *wd, kiln_plat_guarded_fn fn, void *ctx) {
    return kiln_plat_guarded_call_watched_min(wd, 0, fn, ctx);
}

int kiln_plat_guarded_call_watched_min(kiln_plat_watchdog *wd, int32_t min_ms, kiln_plat_guarded_fn fn, void *ctx) {
    ensure_altstack();
    guard_ctx g;
    memset(&g, 0, sizeof g);
    g.min_ms = min_ms;
    g.outer = tl_guard;
    g.thread = pthread_self();
    g.started = kiln_plat_now();
    int defer_saved = tl_defer;
    /* The fault signals are unblocked for the call (a plugin may have blocked them in an earlier one: a blocked
       SIGSEGV kills the process); the old mask is saved here instead of by sigsetjmp: one syscall either way. */
    pthread_sigmask(SIG_UNBLOCK, &guard_set, &g.mask);
    if (sigsetjmp(g.jb, 0) == 0) {
        if (wd) watch_add(wd, &g);
        tl_guard = &g;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        fn(ctx);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        tl_guard = g.outer;
        if (wd) watch_remove(wd, &g);
        return 0;
    }
    /* the handler already popped tl_guard */
    pthread_sigmask(SIG_SETMASK, &g.mask, NULL);
    tl_defer = defer_saved;
    tl_defer_pending = 0;
    if (wd) watch_remove(wd, &g);
    return g.sig ? (int)g.sig : SIGSEGV;
}

int kiln_plat_guarded_call(kiln_plat_guarded_fn fn, void *ctx) { return kiln_plat_guarded_call_watched(NULL, fn, ctx); }

int kiln_plat_in_guarded_call(void) { return tl_guard != NULL; }

/* --- image sanity --------------------------------------------------------------------------------------------- */
static int range_ok(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

int kiln_plat_image_check(const char *path, char err[KILN_PLAT_ERR]) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { set_err(err, path, errno); return KILN_PLAT_IMG_TRUNCATED; }
    struct stat st;
    Elf64_Ehdr eh;
    int rc = 0;
    if (fstat(fd, &st) != 0) { set_err(err, path, errno); close(fd); return KILN_PLAT_IMG_TRUNCATED; }
    uint64_t size = (uint64_t)st.st_size;
    ssize_t got = pread(fd, &eh, sizeof eh, 0);
    if (got < 0) got = 0;
    static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};
    if (memcmp(eh.e_ident, magic, (size_t)got < 4 ? (size_t)got : 4) != 0) {
        if (err) snprintf(err, KILN_PLAT_ERR, "%.300s is not an ELF file", path);
        close(fd);
        return KILN_PLAT_IMG_FOREIGN;
    }
    if ((size_t)got < sizeof eh) {
        if (err) snprintf(err, KILN_PLAT_ERR, "%.300s is truncated (%llu bytes, shorter than an ELF header)", path, (unsigned long long)size);
        close(fd);
        return KILN_PLAT_IMG_TRUNCATED;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) { close(fd); return 0; } /* 32-bit: let the loader judge it */
    uint64_t need = 0;
    if (!range_ok(eh.e_phoff, (uint64_t)eh.e_phnum * eh.e_phentsize, size) ||
        (eh.e_shoff && !range_ok(eh.e_shoff, (uint64_t)eh.e_shnum * eh.e_shentsize, size))) {
        need = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
        rc = KILN_PLAT_IMG_TRUNCATED;
    }
    for (int i = 0; rc == 0 && i < eh.e_phnum && eh.e_phentsize == sizeof(Elf64_Phdr); i++) {
        Elf64_Phdr ph;
        if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != (ssize_t)sizeof ph) { rc = KILN_PLAT_IMG_TRUNCATED; break; }
        if (ph.p_type == PT_LOAD && !range_ok(ph.p_offset, ph.p_filesz, size)) { need = ph.p_offset + ph.p_filesz; rc = KILN_PLAT_IMG_TRUNCATED; }
    }
    for (int i = 0; rc == 0 && eh.e_shoff && i < eh.e_shnum && eh.e_shentsize == sizeof(Elf64_Shdr); i++) {
        Elf64_Shdr sh;
        if (pread(fd, &sh, sizeof sh, (off_t)(eh.e_shoff + (uint64_t)i * sizeof sh)) != (ssize_t)sizeof sh) { rc = KILN_PLAT_IMG_TRUNCATED; break; }
        if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL && !range_ok(sh.sh_offset, sh.sh_size, size)) {
            need = sh.sh_offset + sh.sh_size;
            rc = KILN_PLAT_IMG_TRUNCATED;
        }
    }
    close(fd);
    if (rc && err)
        snprintf(err, KILN_PLAT_ERR, "%.300s is truncated: %llu bytes, but its ELF headers describe at least %llu", path,
                 (unsigned long long)size, (unsigned long long)need);
    return rc;
}

int kiln_plat_file_stamp(const char *path, uint64_t stamp[3]) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    stamp[0] = (uint64_t)st.st_size;
    stamp[1] = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
    stamp[2] = (uint64_t)st.st_ino;
    return 0;
}

const char *kiln_plat_lib_ext(void) { return ".so"; }
const char *kiln_plat_temp_dir(void) {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* --- fixed-address maps ----------------------------------------------------------------------------------------- */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
/* 0x4b494c4e0000 ("KILN"): far from the executable, the brk heap, the mmap area under the stack and ASan's shadow. */
#define ARENA_REGION ((uintptr_t)0x4b494c4e0000ull)

int kiln_plat_map_file_at(const char *path, size_t size, void *addr, kiln_plat_map *map, char err[KILN_PLAT_ERR]) {
    map->base = NULL; map->size = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) { int e = errno; set_err(err, path, e); return -e; }
    struct stat st;
    if (fstat(fd, &st) != 0 || ((size_t)st.st_size < size && ftruncate(fd, (off_t)size) != 0)) {
        int e = errno; set_err(err, path, e); close(fd); return -e;
    }
    void *p = MAP_FAILED;
    if (addr) {
        p = mmap(addr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
        if (p != MAP_FAILED && p != addr) { munmap(p, size); p = MAP_FAILED; }
        if (p == MAP_FAILED) {
            close(fd);
            if (err) snprintf(err, KILN_PLAT_ERR, "address %p is taken in this process", addr);
            return -EEXIST;
        }
    } else {
        size_t stride = (size + ((size_t)1 << 30) - 1) & ~(((size_t)1 << 30) - 1);
        for (int i = 0; i < 64 && p == MAP_FAILED; i++) {
            void *want = (void *)(ARENA_REGION + (uintptr_t)i * stride);
            p = mmap(want, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
            if (p != MAP_FAILED && p != want) { munmap(p, size); p = MAP_FAILED; }
        }
        if (p == MAP_FAILED) p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) { set_err(err, path, e); return -e; }
    map->base = p; map->size = size;
    return 0;
}

/* --- read-only pages, new mapped files -------------------------------------------------------------------------- */
void *kiln_plat_pages_alloc(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
int kiln_plat_pages_protect_ro(void *p, size_t size) { return mprotect(p, size, PROT_READ) == 0 ? 0 : -errno; }
int kiln_plat_pages_protect_rw(void *p, size_t size) { return mprotect(p, size, PROT_READ | PROT_WRITE) == 0 ? 0 : -errno; }
void kiln_plat_pages_free(void *p, size_t size) { if (p) munmap(p, size); }

int kiln_plat_map_new_file(const char *path, size_t size, kiln_plat_map *map, char err[KILN_PLAT_ERR]) {
    map->base = NULL; map->size = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { int e = errno; set_err(err, path, e); return -e; }
    if (ftruncate(fd, (off_t)size) != 0) { int e = errno; set_err(err, path, e); close(fd); return -e; }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) { set_err(err, path, e); return -e; }
    map->base = p; map->size = size;
    return 0;
}

/* --- threads ------------------------------------------------------------------------------------------------------ */
void kiln_plat_yield(void) { sched_yield(); }
void kiln_plat_sleep_ms(int32_t ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}
