/* platform_win32_guard.c — crash guard and watchdog of platform.h on Windows (see platform_win32.c's header). */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#ifndef SIGBUS
#define SIGBUS 10
#endif

typedef struct guard_ctx {
    void *jb[5];                 /* __builtin_setjmp buffer: no unwinding through plugin frames */
    volatile LONG sig;
    struct guard_ctx *outer;
    uintptr_t safe_sp;           /* stack the recovery code runs on: below this frame, above the callee's */
    DWORD tid;
    double started;
    int32_t min_ms;              /* this call's floor on the limit (loader work), 0: none */
    volatile LONG fired, defer, pending, overflow;
    struct guard_ctx *next;      /* watchdog list */
} guard_ctx;

static __thread guard_ctx *tl_guard;
static __thread int tl_defer_outside;
static __thread uint64_t tl_fault_addr;

static PVOID veh_handle;
static void (*abort_old)(int);
static int guard_refs;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;

static __attribute__((noreturn, noinline)) void guard_recover(void) {
    guard_ctx *g = tl_guard;
    tl_guard = g->outer;
    __builtin_longjmp(g->jb, 1);
}

static int exception_signal(DWORD code) {
    switch (code) {
    case EXCEPTION_ACCESS_VIOLATION: case EXCEPTION_STACK_OVERFLOW: case EXCEPTION_ARRAY_BOUNDS_EXCEEDED:
    case EXCEPTION_GUARD_PAGE:
        return SIGSEGV;
    case EXCEPTION_IN_PAGE_ERROR: case EXCEPTION_DATATYPE_MISALIGNMENT: return SIGBUS;
    case EXCEPTION_ILLEGAL_INSTRUCTION: case EXCEPTION_PRIV_INSTRUCTION: return SIGILL;
    case EXCEPTION_INT_DIVIDE_BY_ZERO: case EXCEPTION_INT_OVERFLOW: case EXCEPTION_FLT_DIVIDE_BY_ZERO:
    case EXCEPTION_FLT_INVALID_OPERATION: case EXCEPTION_FLT_OVERFLOW:
        return SIGFPE;
    default: return 0;
    }
}

/* Where it crashed: the pc and the access kind from the exception, a frame-pointer walk bounded by the stack
   between the faulting Rsp and the guard's frame (mingw gcc plugins keep frame pointers at -O0). */
static __thread kiln_plat_site tl_site;

static void site_capture(const EXCEPTION_RECORD *er, const CONTEXT *c, const guard_ctx *g) {
    kiln_plat_site *s = &tl_site;
    memset(s, 0, sizeof *s);
    if (er->ExceptionCode == EXCEPTION_ACCESS_VIOLATION && er->NumberParameters >= 1)
        s->access = er->ExceptionInformation[0] == 1 ? 2 : er->ExceptionInformation[0] == 8 ? 3 : 1;
    s->stack_overflow = er->ExceptionCode == EXCEPTION_STACK_OVERFLOW;
    uint64_t fp = c->Rbp, lo = c->Rsp, hi = (uint64_t)(uintptr_t)g;
    int n = 0;
    s->frames[n++] = c->Rip;
    while (!s->stack_overflow && n < KILN_PLAT_SITE_FRAMES && fp >= lo && fp + 16 <= hi && (fp & 7) == 0) {
        const uint64_t *f = (const uint64_t *)(uintptr_t)fp;
        if (f[1] == 0) break;
        s->frames[n++] = f[1];
        if (f[0] <= fp) break;
        fp = f[0];
    }
    s->depth = n;
    int w = 0;
    for (uint64_t a = (lo + 7) & ~(uint64_t)7; !s->stack_overflow && a + 8 <= hi && w < KILN_PLAT_SITE_WORDS; a += 8)
        s->words[w++] = *(const uint64_t *)(uintptr_t)a;
    s->nwords = w;
    s->valid = 1;
}

void kiln_plat_fault_site(kiln_plat_site *out) {
    *out = tl_site;
    tl_site.valid = 0;
}

int kiln_plat_addr_image(uint64_t addr, char *path, size_t cap, uint64_t *base) {
    HMODULE m = NULL;
    if (!addr || !GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                     (LPCSTR)(uintptr_t)addr, &m) || !m)
        return -1;
    DWORD len = GetModuleFileNameA(m, path, (DWORD)cap);
    if (len == 0 || len >= cap) path[0] = '\0';
    *base = (uint64_t)(uintptr_t)m;
    return 0;
}

/* Continue in guard_recover on the safe stack instead of at the fault. */
static void redirect(CONTEXT *c, guard_ctx *g) {
    uintptr_t sp = (g->safe_sp - 4096) & ~(uintptr_t)15;
    c->Rsp = sp - 8; /* as after a call: rsp % 16 == 8 at function entry */
    c->Rip = (DWORD64)(uintptr_t)guard_recover;
}

static LONG CALLBACK guard_veh(EXCEPTION_POINTERS *ep) {
    guard_ctx *g = tl_guard;
    if (!g) return EXCEPTION_CONTINUE_SEARCH; /* not in plugin code: whoever is next decides */
    DWORD code = ep->ExceptionRecord->ExceptionCode;
    int sig = exception_signal(code);
    if (!sig) return EXCEPTION_CONTINUE_SEARCH;
    g->sig = sig;
    /* an access violation says which address it touched; other exceptions: where the instruction was */
    const EXCEPTION_RECORD *er = ep->ExceptionRecord;
    tl_fault_addr = (code == EXCEPTION_ACCESS_VIOLATION || code == EXCEPTION_IN_PAGE_ERROR) && er->NumberParameters >= 2
                        ? (uint64_t)er->ExceptionInformation[1] : (uint64_t)(uintptr_t)er->ExceptionAddress;
    if (code == EXCEPTION_STACK_OVERFLOW) g->overflow = 1;
    site_capture(er, ep->ContextRecord, g);
    redirect(ep->ContextRecord, g);
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* Where abort() was called: no exception context here, so this handler's own context is unwound with the x64
   unwind tables (.pdata: every x64 PE has them, the CRT's too) up to the guard's frame; the first entry is then
   inside the CRT's abort, and the plugin's call to it follows. */
static void site_capture_abort(const guard_ctx *g) {
    kiln_plat_site *s = &tl_site;
    memset(s, 0, sizeof *s);
    CONTEXT c;
    RtlCaptureContext(&c);
    uint64_t hi = (uint64_t)(uintptr_t)g;
    int n = 0;
    for (int step = 0; step < 64 && n < KILN_PLAT_SITE_FRAMES; step++) {
        DWORD64 base = 0;
        PRUNTIME_FUNCTION f = RtlLookupFunctionEntry(c.Rip, &base, NULL);
        if (f) {
            PVOID data = NULL;
            DWORD64 frame = 0;
            RtlVirtualUnwind(UNW_FLAG_NHANDLER, base, c.Rip, f, &c, &data, &frame, NULL);
        } else { /* a leaf function: the return address is at the top of the stack */
            c.Rip = *(const DWORD64 *)(uintptr_t)c.Rsp;
            c.Rsp += 8;
        }
        if (!c.Rip || c.Rsp >= hi) break;
        if (step >= 1) s->frames[n++] = c.Rip; /* step 0 is this handler, called by the CRT's raise */
    }
    s->depth = n;
    s->valid = n > 0;
}

static void abort_handler(int sig) {
    guard_ctx *g = tl_guard;
    /* the CRT resets the handler to SIG_DFL before calling it: re-arm for the next abort() */
    if (g) { signal(SIGABRT, abort_handler); g->sig = SIGABRT; tl_fault_addr = 0; site_capture_abort(g); guard_recover(); }
    signal(SIGABRT, abort_old ? abort_old : SIG_DFL);
    raise(sig);
}

int kiln_plat_guard_install(char err[KILN_PLAT_ERR]) {
    pthread_mutex_lock(&guard_lock);
    if (guard_refs++ == 0) {
        veh_handle = AddVectoredExceptionHandler(1, guard_veh);
        if (!veh_handle) {
            guard_refs = 0;
            pthread_mutex_unlock(&guard_lock);
            if (err) snprintf(err, KILN_PLAT_ERR, "AddVectoredExceptionHandler failed");
            return -1;
        }
        abort_old = signal(SIGABRT, abort_handler);
        if (abort_old == SIG_ERR) abort_old = NULL;
    }
    pthread_mutex_unlock(&guard_lock);
    return 0;
}

void kiln_plat_guard_uninstall(void) {
    pthread_mutex_lock(&guard_lock);
    if (guard_refs > 0 && --guard_refs == 0) {
        RemoveVectoredExceptionHandler(veh_handle);
        veh_handle = NULL;
        signal(SIGABRT, abort_old ? abort_old : SIG_DFL);
    }
    pthread_mutex_unlock(&guard_lock);
}

int kiln_plat_in_guarded_call(void) { return tl_guard != NULL; }

uint64_t kiln_plat_fault_address(void) { return tl_fault_addr; }

/* The CRT's SIGABRT handler is the one a plugin can replace (signal()); it is put back if so. A vectored handler a
   plugin adds in front of ours cannot be listed, so that case is not covered on Windows. */
int kiln_plat_guard_check(int *first_sig) {
    if (__atomic_load_n(&guard_refs, __ATOMIC_RELAXED) == 0) return 0;
    void (*cur)(int) = signal(SIGABRT, abort_handler);
    if (cur == abort_handler || cur == SIG_ERR) return 0;
    if (first_sig) *first_sig = SIGABRT;
    return 1;
}

/* --- deferred sections ---------------------------------------------------------------------------------------- */
void kiln_plat_defer_begin(void) {
    guard_ctx *g = tl_guard;
    if (g) InterlockedIncrement(&g->defer);
    else tl_defer_outside++;
}

void kiln_plat_defer_end(void) {
    guard_ctx *g = tl_guard;
    if (!g) { tl_defer_outside--; return; }
    if (InterlockedDecrement(&g->defer) == 0 && g->pending && g->fired) {
        g->sig = KILN_PLAT_TIMEOUT;
        guard_recover();
    }
}

/* --- watchdog -------------------------------------------------------------------------------------------------- */
struct kiln_plat_watchdog {
    pthread_mutex_t m;
    HANDLE wake;
    pthread_t thread;
    int running, stop;
    int32_t limit_ms;
    guard_ctx *calls;
};

/* Called with wd->m held, so g's call cannot finish meanwhile. */
static void interrupt(guard_ctx *g) {
    if (g->defer > 0) { g->pending = 1; return; }
    HANDLE t = OpenThread(THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT | THREAD_SET_CONTEXT, FALSE, g->tid);
    if (!t) return;
    if (SuspendThread(t) != (DWORD)-1) {
        CONTEXT c;
        memset(&c, 0, sizeof c);
        c.ContextFlags = CONTEXT_CONTROL;
        if (GetThreadContext(t, &c)) { /* also waits until the suspension took effect */
            if (g->defer > 0) {
                g->pending = 1;
            } else {
                g->sig = KILN_PLAT_TIMEOUT;
                redirect(&c, g);
                SetThreadContext(t, &c);
            }
        }
        ResumeThread(t);
    }
    CloseHandle(t);
}

static void *watchdog_main(void *arg) {
    kiln_plat_watchdog *wd = arg;
    for (;;) {
        pthread_mutex_lock(&wd->m);
        if (wd->stop) { pthread_mutex_unlock(&wd->m); break; }
        int32_t limit = wd->limit_ms;
        double now = kiln_plat_now();
        if (limit > 0)
            for (guard_ctx *g = wd->calls; g; g = g->next)
                if (!g->fired && now - g->started >= (g->min_ms > limit ? g->min_ms : limit) / 1000.0) { g->fired = 1; interrupt(g); }
        pthread_mutex_unlock(&wd->m);
        int32_t period = limit / 8;
        if (period < 2) period = 2;
        if (period > 250) period = 250;
        WaitForSingleObject(wd->wake, limit > 0 ? (DWORD)period : INFINITE);
    }
    return NULL;
}

kiln_plat_watchdog *kiln_plat_watchdog_create(char err[KILN_PLAT_ERR]) {
    kiln_plat_watchdog *wd = calloc(1, sizeof *wd);
    if (!wd) { if (err) snprintf(err, KILN_PLAT_ERR, "out of memory"); return NULL; }
    wd->wake = CreateEventA(NULL, FALSE, FALSE, NULL);
    pthread_mutex_init(&wd->m, NULL);
    return wd;
}

void kiln_plat_watchdog_set_limit(kiln_plat_watchdog *wd, int32_t ms) {
    if (!wd) return;
    pthread_mutex_lock(&wd->m);
    wd->limit_ms = ms > 0 ? ms : 0;
    if (wd->limit_ms > 0 && !wd->running) wd->running = pthread_create(&wd->thread, NULL, watchdog_main, wd) == 0;
    pthread_mutex_unlock(&wd->m);
    SetEvent(wd->wake);
}

int32_t kiln_plat_watchdog_limit(const kiln_plat_watchdog *wd) { return wd ? wd->limit_ms : 0; }

void kiln_plat_watchdog_destroy(kiln_plat_watchdog *wd) {
    if (!wd) return;
    pthread_mutex_lock(&wd->m);
    wd->stop = 1;
    int running = wd->running;
    pthread_mutex_unlock(&wd->m);
    SetEvent(wd->wake);
    if (running) pthread_join(wd->thread, NULL);
    CloseHandle(wd->wake);
    pthread_mutex_destroy(&wd->m);
    free(wd);
}

static void watch_list(kiln_plat_watchdog *wd, guard_ctx *g, int add) {
    pthread_mutex_lock(&wd->m);
    if (add) { g->next = wd->calls; wd->calls = g; }
    else for (guard_ctx **p = &wd->calls; *p; p = &(*p)->next) if (*p == g) { *p = g->next; break; }
    pthread_mutex_unlock(&wd->m);
}

int kiln_plat_guarded_call_watched(kiln_plat_watchdog *wd, kiln_plat_guarded_fn fn, void *ctx) {
    return kiln_plat_guarded_call_watched_min(wd, 0, fn, ctx);
}

int kiln_plat_guarded_call_watched_min(kiln_plat_watchdog *wd, int32_t min_ms, kiln_plat_guarded_fn fn, void *ctx) {
    static __thread int stack_guarantee_set;
    if (!stack_guarantee_set) { ULONG want = 64 * 1024; SetThreadStackGuarantee(&want); stack_guarantee_set = 1; }
    volatile guard_ctx g;
    memset((void *)&g, 0, sizeof g);
    g.outer = tl_guard;
    g.safe_sp = (uintptr_t)__builtin_frame_address(0) - 256;
    g.tid = GetCurrentThreadId();
    g.started = kiln_plat_now();
    g.min_ms = min_ms;
    guard_ctx *gp = (guard_ctx *)&g;
    if (__builtin_setjmp(gp->jb) == 0) {
        if (wd) watch_list(wd, gp, 1);
        tl_guard = gp;
        fn(ctx);
        tl_guard = gp->outer;
        if (wd) watch_list(wd, gp, 0);
        return 0;
    }
    /* recovered: guard_recover popped tl_guard */
    if (wd) watch_list(wd, gp, 0);
    if (gp->overflow) _resetstkoflw(); /* re-arm the guard page for the next overflow */
    return gp->sig ? (int)gp->sig : SIGSEGV;
}

int kiln_plat_guarded_call(kiln_plat_guarded_fn fn, void *ctx) { return kiln_plat_guarded_call_watched(NULL, fn, ctx); }
