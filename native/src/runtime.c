/* runtime.c — kiln_runtime: loading and swapping plugin images, host-owned state blocks, the frame loop
   and crash rollback. See include/kiln_runtime.h for the contract. */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"
#include "rng.h"
#include "output.h"
#include "commit.h"
#include "world.h"
#include "crash_site.h"


static __thread char tl_create_error[KILN_ERROR_MAX];

/* The calling thread's last error: a load on a worker thread and a frame on the game thread each see
   their own, even when both fail at once (rt->last_error is whichever came last). */
static __thread char tl_last_error[KILN_ERROR_MAX];

void kiln__set_error(kiln_runtime *rt, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tl_last_error, sizeof tl_last_error, fmt, ap);
    va_end(ap);
    memcpy(rt->last_error, tl_last_error, sizeof rt->last_error);
}

const char *kiln_thread_last_error(void) { return tl_last_error; }

static int valid_name(const char *name) {
    if (!name || !*name) return 0;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n < KILN_NAME_MAX;
}

static kiln_slot *find_slot(const kiln_runtime *rt, const char *name) {
    if (!name) return NULL;
    for (int i = 0; i < rt->nslots; i++)
        if (strcmp(rt->slots[i]->name, name) == 0) return rt->slots[i];
    return NULL;
}

/* --- guarded plugin calls ------------------------------------------------------------------------------- */
const char *const kiln__call_names[] = {"init", "update", "draw", "on_reload", "migrate", "shutdown", "kiln_plugin_entry",
                                        "a constructor (dlopen)", "a destructor (dlclose)"};

/* The facts of the last fault a guarded call on this thread met (all but running_version and text): whoever
   handles the crash completes them and queues the record. tl_crash_seq counts them. */
static __thread kiln_crash tl_crash;
static __thread uint64_t tl_crash_seq;

typedef struct call_ctx {
    call_kind kind;
    const kiln_callbacks *cb;
    void *state;
    float dt;
    const void *old_state;
    uint32_t old_size, old_version;
    int32_t result;
    /* loads and unloads: who, for the records; the image being opened / entered / closed */
    const char *plugin;
    int32_t version, running;
    kiln_image *img;
    int rc;                           /* CALL_DLOPEN: kiln__image_dlopen's; CALL_ENTRY: 0 or KILN_ERR_NO_ENTRY */
    const kiln_plugin *desc;
    char err[KILN_PLAT_ERR];
} call_ctx;

static void call_thunk(void *p) {
    call_ctx *c = p;
    switch (c->kind) {
    case CALL_INIT: c->cb->init(c->state); break;
    case CALL_UPDATE: c->cb->update(c->state, c->dt); break;
    case CALL_DRAW: c->cb->draw(c->state); break;
    case CALL_ON_RELOAD: c->cb->on_reload(c->state); break;
    case CALL_MIGRATE: c->result = c->cb->migrate(c->old_state, c->old_size, c->old_version, c->state); break;
    case CALL_SHUTDOWN: c->cb->shutdown(c->state); break;
    case CALL_ENTRY: { /* dlsym reads the image's own symbol tables: inside the guard too */
        void *sym = kiln_plat_lib_symbol(c->img->img.lib, KILN_ENTRY_SYMBOL);
        kiln_entry_fn entry;
        memcpy(&entry, &sym, sizeof entry);
        if (!entry) { c->rc = KILN_ERR_NO_ENTRY; break; }
        c->desc = entry(c->img->host);
        break;
    }
    case CALL_DLOPEN: c->rc = kiln__image_dlopen(&c->img->img, c->err); break;
    case CALL_DLCLOSE: kiln_plat_lib_close(c->img->img.lib); break;
    }
}

static int32_t running_version(const kiln_slot *s) {
    return s && !s->paused && s->current ? s->current->version : 0;
}

static void heartbeat_enter(kiln_runtime *rt, kiln_heartbeat *hb, const kiln_slot *slot, call_kind kind, int32_t version) {
    if (slot != rt->hb_slot) { /* the name changes only when another plugin runs */
        memset(hb->plugin, 0, sizeof hb->plugin);
        if (slot) memcpy(hb->plugin, slot->name, strnlen(slot->name, sizeof hb->plugin - 1));
        rt->hb_slot = slot;
    }
    hb->callback = (int32_t)kind;
    hb->version = version;
    hb->watchdog_ms = kiln_plat_watchdog_limit(rt->watchdog);
    hb->frame = rt->frame_count;
    hb->call_started = kiln_plat_now();
    __atomic_store_n(&hb->in_call, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&hb->calls, 1, __ATOMIC_RELEASE);
}

static void heartbeat_leave(kiln_heartbeat *hb) {
    __atomic_store_n(&hb->in_call, 0, __ATOMIC_RELEASE);
    __atomic_add_fetch(&hb->calls, 1, __ATOMIC_RELEASE);
}

/* A call started threads that still run: they may execute its image at any time, so the image stays mapped for
   the life of the process; the plugin is named in a record and the log. */
static void report_threads(kiln_runtime *rt, const char *plugin, int32_t version, int32_t running, call_kind kind,
                           kiln_image *img, int started) {
    if (img) img->pinned = 1;
    kiln_crash c;
    memset(&c, 0, sizeof c);
    snprintf(c.plugin, sizeof c.plugin, "%s", plugin ? plugin : "");
    c.callback = (int32_t)kind;
    c.kind = KILN_FAULT_THREAD;
    c.crashed_version = version;
    c.running_version = running;
    c.frame = rt->frame_count;
    snprintf(c.text, sizeof c.text, "%s: version %d started %d thread%s in %s that %s still running; its code stays "
             "loaded for the rest of this run and may still change the game's memory. Plugins must not start "
             "threads: do the work in update().", c.plugin, (int)version, started, started == 1 ? "" : "s",
             kiln__call_names[kind], started == 1 ? "is" : "are");
    kiln__queue_crash(rt, &c);
    kiln__queue_message_from(rt, c.plugin, KILN_LOG_WARN, c.text, strlen(c.text));
}

static const char *short_signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
#ifdef SIGBUS
    case SIGBUS: return "SIGBUS";
#endif
    default: return "watchdog signal";
    }
}

/* The plugin whose code ran last (rt->last_ran) changed a handler: it is named; the guard is back in force. */
static void report_replaced_handlers(kiln_runtime *rt, int replaced, int first_sig) {
    char m[600];
    int n = snprintf(m, sizeof m, "libkiln's %s handler%s (%d in all) %s replaced after %s version %d ran (by its code or "
                     "a thread it started); the crash guard put its own back and never calls the replacement. Plugins "
                     "must not install signal handlers.", short_signal_name(first_sig), replaced > 1 ? " and others" : "",
                     replaced, replaced > 1 ? "were" : "was", rt->last_ran[0] ? rt->last_ran : "a plugin",
                     (int)rt->last_ran_version);
    kiln__queue_message_from(rt, rt->last_ran, KILN_LOG_WARN, m, n > 0 ? (size_t)n : 0);
}

/* The dynamic loader's work (dlopen, dlclose) is stopped only after max(2 x the limit, 2 s): it may be slow on a busy
   machine (ASan runs saw dlclose take > 100 ms), and a loader stopped halfway is broken for the whole process. */
static int32_t loader_min_ms(const kiln_runtime *rt, call_kind kind) {
    if (kind != CALL_DLOPEN && kind != CALL_DLCLOSE) return 0;
    int32_t twice = 2 * kiln_plat_watchdog_limit(rt->watchdog);
    return twice > 2000 ? twice : 2000;
}

/* "crashed with SIGSEGV (...)" or "was stopped by the watchdog after N ms", N the limit that applied (tl_crash). */
static void describe_pending(int sig, char *out, size_t len) {
    if (sig == KILN_PLAT_TIMEOUT)
        snprintf(out, len, "was stopped by the watchdog after %d ms (it never returned)", (int)tl_crash.watchdog_ms);
    else
        snprintf(out, len, "crashed with %s", kiln_plat_signal_name(sig));
}

/* Returns 0, or the signal that interrupted the call (KILN_PLAT_TIMEOUT: the watchdog); on a fault tl_crash holds
   its facts. Before the call the crash guard's handlers are checked (and put back if a plugin replaced them);
   around it the process's threads are counted, and the heartbeat (if any) marks it. The slot's arena sees the call
   as a transaction: on a crash its allocations and frees are undone. in_frame: a frame's call (rt->lock held, the
   frame counted the threads when it began): the count after the previous call is this one's "before", one stat less. */
static int guarded_ex(kiln_runtime *rt, kiln_slot *slot, call_ctx *c, int outcome, int watched, int in_frame) {
    const char *plugin = slot ? slot->name : c->plugin;
    kiln_image *img = slot ? kiln__image_of(c->cb) : c->img;
    int32_t version = img ? img->version : c->version;
    int first_sig = 0;
    int replaced = kiln_plat_guard_check(&first_sig);
    if (replaced) report_replaced_handlers(rt, replaced, first_sig);
    if (plugin && strncmp(rt->last_ran, plugin, sizeof rt->last_ran) != 0)
        snprintf(rt->last_ran, sizeof rt->last_ran, "%s", plugin);
    rt->last_ran_version = version;
    kiln_heartbeat *hb = slot ? rt->hb : NULL; /* frame-thread calls only (they hold rt->lock) */
    if (hb) heartbeat_enter(rt, hb, slot, c->kind, version);
    int threads_before = in_frame ? rt->threads : kiln_plat_thread_count();
    if (slot && slot->arena) kiln__arena_begin(slot->arena);
    kiln__output_before_call(rt);
    kiln__host_enter(rt, slot);
    int32_t min_ms = loader_min_ms(rt, c->kind);
    int sig = kiln_plat_guarded_call_watched_min(watched ? rt->watchdog : NULL, min_ms, call_thunk, c);
    kiln__host_leave();
    kiln__output_after_call(rt, plugin, sig != 0); /* what it printed, tagged with this plugin */
    if (slot && slot->arena) kiln__arena_end(slot->arena, sig ? KILN_TXN_ABORT : outcome);
    int threads_after = threads_before >= 0 ? kiln_plat_thread_count() : -1;
    if (in_frame) rt->threads = threads_after;
    if (hb) heartbeat_leave(hb);
    int32_t running = slot ? running_version(slot) : c->running;
    if (threads_after > threads_before)
        report_threads(rt, plugin, version, running, c->kind, img, threads_after - threads_before);
    if (sig) {
        kiln_crash *k = &tl_crash;
        memset(k, 0, sizeof *k);
        snprintf(k->plugin, sizeof k->plugin, "%s", plugin ? plugin : "");
        k->callback = (int32_t)c->kind;
        k->kind = sig == KILN_PLAT_TIMEOUT ? KILN_FAULT_WATCHDOG : KILN_FAULT_SIGNAL;
        k->signal = sig == KILN_PLAT_TIMEOUT ? 0 : sig;
        k->address = sig == KILN_PLAT_TIMEOUT ? 0 : kiln_plat_fault_address();
        int32_t limit = kiln_plat_watchdog_limit(rt->watchdog);
        k->watchdog_ms = sig == KILN_PLAT_TIMEOUT ? (min_ms > limit ? min_ms : limit) : 0;
        k->crashed_version = version;
        k->running_version = running;
        k->frame = rt->frame_count;
        kiln__crash_site(k, img ? img->img.temp_path : NULL, img ? img->img.companion : NULL);
        tl_crash_seq++;
    }
    return sig;
}

static int guarded(kiln_runtime *rt, kiln_slot *slot, call_ctx *c, int outcome, int watched) {
    return guarded_ex(rt, slot, c, outcome, watched, 0);
}

/* update / draw from kiln_frame */
static int frame_call(kiln_runtime *rt, kiln_slot *slot, call_kind kind, const kiln_callbacks *cb, float dt) {
    call_ctx c;
    c.kind = kind; c.cb = cb; c.state = slot->state; c.dt = dt;
    c.plugin = NULL; c.img = NULL; c.version = 0; c.running = 0;
    return guarded_ex(rt, slot, &c, KILN_TXN_COMMIT, 1, 1);
}

/* Queues the pending record of this thread's last fault with its outcome: the version running now and the text. */
static void queue_pending_crash(kiln_runtime *rt, int32_t running, const char *text) {
    tl_crash.running_version = running;
    snprintf(tl_crash.text, sizeof tl_crash.text, "%s", text);
    kiln__queue_crash(rt, &tl_crash);
}

int kiln__call(kiln_runtime *rt, kiln_slot *slot, call_kind kind, const kiln_callbacks *cb, void *state, float dt,
               int outcome) {
    call_ctx c;
    c.kind = kind; c.cb = cb; c.state = state; c.dt = dt;
    c.plugin = NULL; c.img = NULL; c.version = 0; c.running = 0;
    return guarded(rt, slot, &c, outcome, 1);
}

int kiln__call_migrate(kiln_runtime *rt, kiln_slot *slot, const kiln_callbacks *cb, void *fresh, const void *old,
                       uint32_t old_size, uint32_t old_version, int32_t *result) {
    call_ctx c;
    memset(&c, 0, sizeof c);
    c.kind = CALL_MIGRATE; c.cb = cb; c.state = fresh; c.old_state = old; c.old_size = old_size; c.old_version = old_version;
    int sig = guarded(rt, slot, &c, KILN_TXN_COMMIT, 1);
    *result = c.result;
    return sig;
}

void kiln__describe_fault(const kiln_runtime *rt, int sig, char *out, size_t len) {
    if (sig == KILN_PLAT_TIMEOUT)
        snprintf(out, len, "was stopped by the watchdog after %d ms (an endless loop?)", (int)kiln_plat_watchdog_limit(rt->watchdog));
    else
        snprintf(out, len, "crashed with %s", kiln_plat_signal_name(sig));
}

/* --- images ----------------------------------------------------------------------------------------------- */
#define HOST_PAGE 4096 /* one page holds the host table (static-asserted below) */
_Static_assert(sizeof(kiln_host) <= HOST_PAGE, "kiln_host must fit in one page");

/* A new image with its own copy of the host table on a read-only page: a plugin that writes over `kiln->...`
   faults (a crash of that version) and cannot break the table any other version sees. */
static kiln_image *image_new(kiln_runtime *rt) {
    kiln_image *im = calloc(1, sizeof *im);
    if (!im) return NULL;
    im->magic = KILN_IMAGE_MAGIC;
    im->host = kiln_plat_pages_alloc(HOST_PAGE);
    if (!im->host) { free(im); return NULL; }
    memcpy(im->host, &rt->host, sizeof rt->host);
    if (kiln_plat_pages_protect_ro(im->host, HOST_PAGE) != 0) { kiln_plat_pages_free(im->host, HOST_PAGE); free(im); return NULL; }
    return im;
}

/* Frees an image that was never opened, or whose handle is already gone or must not be touched. */
static void image_release(kiln_image *im, int keep_mapped) {
    if (!im) return;
    kiln__world_image_free(im);
    if (im->img.temp_path[0]) kiln_plat_remove(im->img.temp_path); /* POSIX: the mapping outlives the name */
    if (!keep_mapped) kiln_plat_pages_free(im->host, HOST_PAGE);
    free(im->cb.fields);
    free(im);
}

/* dlcloses an image inside a guarded, watched call, so a destructor that faults or hangs is reported against the
   version being unloaded (plugin `plugin`, `im->version`) and nothing else. A pinned image (a thread it started
   may still run it) stays mapped. Returns 1 if a destructor faulted: the dynamic loader may be left locked, so
   the process should be replaced soon (needs_restart). */
static int image_close(kiln_runtime *rt, const char *plugin, kiln_image *im, int32_t running) {
    if (!im) return 0;
    if (!im->img.lib || im->pinned) { image_release(im, im->pinned); return 0; }
    call_ctx c;
    memset(&c, 0, sizeof c);
    c.kind = CALL_DLCLOSE; c.plugin = plugin; c.img = im; c.version = im->version; c.running = running;
    int sig = guarded(rt, NULL, &c, KILN_TXN_COMMIT, 1);
    if (!sig) { image_release(im, im->pinned); return 0; }
    char fault[200], text[900];
    describe_pending(sig, fault, sizeof fault);
    snprintf(text, sizeof text, "%s: a destructor of version %d %s while it was unloaded; version %d is not affected. "
             "Its code stays mapped, and the runner should be restarted soon (the dynamic loader may be left locked). "
             "Fix the destructor (__attribute__((destructor)) or a C++ static object).", plugin, (int)im->version,
             fault, (int)running);
    queue_pending_crash(rt, running, text);
    kiln__queue_message_from(rt, plugin, KILN_LOG_ERROR, text, strlen(text));
    image_release(im, 1); /* the loader's state for it is unknown: never unmap what it may still use */
    return 1;
}

/* --- lifecycle -------------------------------------------------------------------------------------------- */
const char *kiln_create_error(void) { return tl_create_error; }

kiln_runtime *kiln_create(int32_t width, int32_t height, const char *work_dir) {
    tl_create_error[0] = '\0';
    if (width <= 0 || height <= 0 || width > 8192 || height > 8192) {
        snprintf(tl_create_error, sizeof tl_create_error, "kiln_create: size %dx%d is out of range; use 1..8192 for both "
                 "width and height (kiln.json \"width\"/\"height\").", (int)width, (int)height);
        return NULL;
    }
    if (!work_dir || !*work_dir || strlen(work_dir) > KILN_PATH_MAX - 256) {
        snprintf(tl_create_error, sizeof tl_create_error, "kiln_create: work_dir is missing or too long; pass the "
                 "project's .kiln folder.");
        return NULL;
    }
    kiln_runtime *rt = calloc(1, sizeof *rt);
    uint8_t *fb = calloc((size_t)width * (size_t)height, 4);
    if (!rt || !fb) {
        free(rt); free(fb);
        snprintf(tl_create_error, sizeof tl_create_error, "kiln_create: out of memory for a %dx%d framebuffer.", (int)width, (int)height);
        return NULL;
    }
    rt->width = width; rt->height = height; rt->fb = fb;
    for (size_t i = 3; i < (size_t)width * (size_t)height * 4; i += 4) fb[i] = 0xFF; /* opaque black */
    snprintf(rt->work_dir, sizeof rt->work_dir, "%s", work_dir);
    size_t wl = strlen(rt->work_dir);
    while (wl > 1 && rt->work_dir[wl - 1] == '/') rt->work_dir[--wl] = '\0';
    snprintf(rt->tmp_dir, sizeof rt->tmp_dir, "%s/tmp", rt->work_dir);
    snprintf(rt->state_dir, sizeof rt->state_dir, "%s/state", rt->work_dir);
    char err[KILN_PLAT_ERR];
    const char *dirs[] = {rt->work_dir, rt->tmp_dir, rt->state_dir};
    for (int i = 0; i < 3; i++) {
        if (kiln_plat_mkdirs(dirs[i], err) != 0) {
            snprintf(tl_create_error, sizeof tl_create_error, "kiln_create: cannot create folder %s (%s); check that "
                     "the project folder is writable.", dirs[i], err);
            free(fb); free(rt);
            return NULL;
        }
    }
    if (kiln_plat_guard_install(err) != 0) {
        snprintf(tl_create_error, sizeof tl_create_error, "kiln_create: cannot install the crash guard (%s).", err);
        free(fb); free(rt);
        return NULL;
    }
    rt->watchdog = kiln_plat_watchdog_create(err);
    if (!rt->watchdog || kiln__sound_init(rt) != 0) {
        snprintf(tl_create_error, sizeof tl_create_error, "kiln_create: cannot create the watchdog (%s).", rt->watchdog ? "out of memory" : err);
        if (rt->watchdog) kiln_plat_watchdog_destroy(rt->watchdog);
        kiln_plat_guard_uninstall();
        free(fb); free(rt);
        return NULL;
    }
    kiln_plat_watchdog_set_limit(rt->watchdog, KILN_WATCHDOG_DEFAULT_MS);
    kiln_plat_remove_stale_copies(rt->tmp_dir);
    kiln_plat_remove_stale_copies(rt->state_dir);
    pthread_mutex_init(&rt->lock, NULL);
    pthread_mutex_init(&rt->msg_lock, NULL);
    pthread_mutex_init(&rt->project_lock, NULL);
    rt->rng = KILN_RNG_DEFAULT_SEED;
    rt->last_state_action = KILN_STATE_NEW;
    kiln__host_init(rt);
    return rt;
}

void kiln_destroy(kiln_runtime *rt) {
    if (!rt) return;
    pthread_mutex_lock(&rt->lock);
    for (int i = rt->nslots - 1; i >= 0; i--) {
        kiln_slot *s = rt->slots[i];
        const kiln_callbacks *cb = __atomic_load_n(&s->active, __ATOMIC_SEQ_CST);
        if (cb && !s->paused && cb->shutdown) {
            memcpy(s->snapshot, s->state, s->state_size);
            int sig = kiln__call(rt, s, CALL_SHUTDOWN, cb, s->state, 0, KILN_TXN_COMMIT);
            if (sig) {
                /* nothing of a crashed shutdown is committed: the state file keeps the last complete frame */
                memcpy(s->state, s->snapshot, s->state_size);
                fprintf(stderr, "kiln: %s: shutdown crashed with %s (its writes were dropped)\n", s->name, kiln_plat_signal_name(sig));
            } else {
                kiln__commit_frame(rt, s);
            }
        }
        image_close(rt, s->name, s->current, 0);
        image_close(rt, s->name, s->previous, 0);
        kiln__slot_free(s);
    }
    rt->nslots = 0;
    kiln__world_free(rt);
    kiln__history_free(rt);
    kiln__assets_free(rt);
    pthread_mutex_unlock(&rt->lock);
    for (int i = 0; i < rt->msg_count; i++) free(rt->msgs[(rt->msg_head + i) % KILN_MSG_QUEUE].text);
    kiln_set_heartbeat(rt, NULL);
    pthread_mutex_destroy(&rt->lock);
    pthread_mutex_destroy(&rt->msg_lock);
    pthread_mutex_destroy(&rt->project_lock);
    kiln_plat_watchdog_destroy(rt->watchdog);
    kiln_plat_guard_uninstall();
    kiln__sound_free(rt);
    free(rt->fb);
    free(rt);
}

const char *kiln_last_error(const kiln_runtime *rt) { return rt ? rt->last_error : "kiln: no runtime (NULL)"; }

/* --- loading ---------------------------------------------------------------------------------------------- */
/* Reads and checks what the entry returned, inside a guarded call: the description, its callbacks and its field
   table are plugin memory that may be wild. */
typedef struct describe_ctx {
    kiln_runtime *rt;
    const char *name, *path;
    const kiln_plugin *desc;
    kiln_callbacks *cb;
    int32_t code;
} describe_ctx;

static void describe_thunk(void *p) {
    describe_ctx *d = p;
    kiln_runtime *rt = d->rt;
    kiln_plugin pd;
    memcpy(&pd, d->desc, sizeof pd);
    if (pd.abi_version != KILN_ABI_VERSION) {
        kiln__set_error(rt, "%s: %s was built against kiln.h ABI version %u but this Kiln speaks version %u; rebuild it "
                        "with the kiln.h that ships with this Kiln.", d->name, d->path, pd.abi_version, KILN_ABI_VERSION);
        d->code = KILN_ERR_ABI;
        return;
    }
    if (pd.state_size > KILN_STATE_SIZE_MAX) {
        kiln__set_error(rt, "%s: state_size %u is larger than the %u-byte limit; keep big data (levels, images) out of the "
                        "state block.", d->name, pd.state_size, KILN_STATE_SIZE_MAX);
        d->code = KILN_ERR_ABI;
        return;
    }
    kiln_callbacks *cb = d->cb;
    cb->state_size = pd.state_size;
    cb->state_version = pd.state_version;
    cb->init = pd.init;
    cb->update = pd.update;
    cb->draw = pd.draw;
    cb->on_reload = pd.on_reload;
    cb->migrate = pd.migrate;
    cb->shutdown = pd.shutdown;
    d->code = kiln__copy_fields(rt, d->name, &pd, cb) != 0 ? KILN_ERR_ABI : KILN_OK;
    if (d->code == KILN_OK) {
        kiln_image *im = kiln__image_of(cb);
        d->code = kiln__system_copy(rt, d->name, im->img.lib, &im->sys);
    }
}

/* A load met a fault: the record (pending in tl_crash) goes to the queue and into the result. */
static int32_t load_fault(kiln_runtime *rt, kiln_load_result *out, int32_t code, int32_t running) {
    queue_pending_crash(rt, running, tl_last_error);
    out->crash = tl_crash;
    return code;
}

static int32_t load_fail(kiln_load_result *out, int32_t code) {
    out->code = code;
    snprintf(out->error, sizeof out->error, "%s", tl_last_error);
    return code;
}

/* The version running in `name`'s slot now (0: none, or paused) and the label the next load would get. */
static void slot_versions(kiln_runtime *rt, const char *name, int32_t label, int32_t *running, int32_t *next) {
    pthread_mutex_lock(&rt->lock);
    kiln_slot *s = find_slot(rt, name);
    *running = running_version(s);
    *next = label > 0 ? label : (s ? s->loads : 0) + 1;
    pthread_mutex_unlock(&rt->lock);
}

static int32_t load(kiln_runtime *rt, const kiln_load_desc *desc, kiln_load_result *out) {
    const char *name = desc->name, *path = desc->path;
    int32_t label = desc->version;
    if (kiln_plat_in_guarded_call()) {
        kiln__set_error(rt, "kiln_load_plugin was called from inside a plugin callback; load plugins from the runner only.");
        return KILN_ERR_INVALID;
    }
    if (!valid_name(name)) {
        kiln__set_error(rt, "invalid plugin name \"%s\": use 1-%d letters, digits, '_' or '-' (the \"name\" in kiln.json).",
                        name ? name : "(null)", KILN_NAME_MAX - 1);
        return KILN_ERR_INVALID;
    }
    if (!path || !*path) {
        kiln__set_error(rt, "%s: no image path given; pass the .so the build produced.", name);
        return KILN_ERR_INVALID;
    }

    /* 1. copy + check + dlopen + entry: outside the lock, the game keeps running */
    double t_start = kiln_plat_now();
    kiln_image *img = image_new(rt);
    if (!img) { kiln__set_error(rt, "%s: out of memory.", name); return KILN_ERR_INVALID; }
    char err[KILN_PLAT_ERR];
    int irc = kiln__image_copy(path, rt->tmp_dir, name, &img->img, err);
    double t_copied = t_start + img->img.copy_seconds; /* the copy itself; the check counts as opening */
    int32_t running, version;
    slot_versions(rt, name, label, &running, &version);
    img->version = version;
    call_ctx c;
    memset(&c, 0, sizeof c);
    c.plugin = name; c.img = img; c.version = version; c.running = running;
    if (irc == KILN_IMG_OK) {
        /* the image's constructors run inside dlopen: guarded and watched like any plugin code */
        c.kind = CALL_DLOPEN;
        int sig = guarded(rt, NULL, &c, KILN_TXN_COMMIT, 1);
        if (sig) {
            char fault[200];
            describe_pending(sig, fault, sizeof fault);
            kiln__set_error(rt, "%s: a constructor of %s (version %d) %s inside dlopen; it was not loaded and version %d "
                            "keeps running. The dynamic loader may be left locked: restart the runner soon. Fix the "
                            "constructor (__attribute__((constructor)) or a C++ static object).", name, path,
                            (int)version, fault, (int)running);
            out->needs_restart = 1;
            image_release(img, 1); /* half-loaded: its mapping belongs to the loader now */
            return load_fault(rt, out, KILN_ERR_CRASH, running);
        }
        irc = c.rc;
        if (irc != KILN_IMG_OK) memcpy(err, c.err, sizeof err);
    }
    if (irc != KILN_IMG_OK) {
        image_release(img, 0);
        size_t n = strlen(err);
        switch (irc) {
        case KILN_IMG_ERR_PATH:
            kiln__set_error(rt, "%s: temp path too long; use a shorter project folder.", name);
            return KILN_ERR_COPY;
        case KILN_IMG_ERR_COPY:
            kiln__set_error(rt, "%s: could not copy %s to the temp folder (%s). Check that the build produced the file "
                            "and that %s is writable.", name, path, err, rt->tmp_dir);
            return KILN_ERR_COPY;
        case KILN_IMG_ERR_INCOMPLETE:
            kiln__set_error(rt, "%s: the image is incomplete and was not loaded: %s. The build is probably still writing "
                            "it (or crashed while writing); load it again once the build has finished.", name, err);
            return KILN_ERR_INCOMPLETE;
        default:
            break;
        }
        if (strstr(err, "undefined symbol: kiln") && n >= 6 && strcmp(err + n - 6, ": kiln") == 0) {
            /* kiln.h's `kiln` host pointer is defined by KILN_PLUGIN: without it nothing binds it. */
            kiln__set_error(rt, "%s: %s uses kiln.h but has no KILN_PLUGIN(...) line, so it has no entry function — "
                            "add KILN_PLUGIN(.name = \"%s\", ...) at the end of the source (%s)", name, path, name, err);
            return KILN_ERR_NO_ENTRY;
        }
        kiln__set_error(rt, "%s: dlopen failed for %s: %s. Is it a shared library built for this machine (cc -shared -fPIC)? "
                        "Undefined symbols usually mean a missing source file or library.", name, path, err);
        return KILN_ERR_DLOPEN;
    }

    c.kind = CALL_ENTRY;
    int sig = guarded(rt, NULL, &c, KILN_TXN_COMMIT, 1);
    if (sig) {
        char fault[200];
        kiln__describe_fault(rt, sig, fault, sizeof fault);
        kiln__set_error(rt, "%s: " KILN_ENTRY_SYMBOL " in %s %s; version %d was not loaded and version %d keeps running. "
                        "Use the KILN_PLUGIN(...) macro rather than a hand-written entry.", name, path, fault,
                        (int)version, (int)running);
        kiln_crash pending = tl_crash;
        out->needs_restart |= image_close(rt, name, img, running);
        tl_crash = pending;
        return load_fault(rt, out, KILN_ERR_CRASH, running);
    }
    if (c.rc == KILN_ERR_NO_ENTRY) {
        out->needs_restart |= image_close(rt, name, img, running);
        kiln__set_error(rt, "%s: no " KILN_ENTRY_SYMBOL " symbol in %s — did you forget KILN_PLUGIN(...) at the end of the "
                        "plugin source?", name, path);
        return KILN_ERR_NO_ENTRY;
    }
    if (!c.desc) {
        out->needs_restart |= image_close(rt, name, img, running);
        kiln__set_error(rt, "%s: " KILN_ENTRY_SYMBOL " in %s returned NULL; it must return the plugin description "
                        "(use KILN_PLUGIN(...)).", name, path);
        return KILN_ERR_ABI;
    }
    /* Unwatched: copy_fields allocates, and a watchdog stop inside malloc would leave it locked; every read in it is
       bounded, so it cannot run long. */
    describe_ctx d = {rt, name, path, c.desc, &img->cb, KILN_OK};
    kiln__host_enter(rt, NULL);
    sig = kiln_plat_guarded_call(describe_thunk, &d);
    kiln__host_leave();
    if (sig) {
        memset(&tl_crash, 0, sizeof tl_crash);
        snprintf(tl_crash.plugin, sizeof tl_crash.plugin, "%s", name);
        tl_crash.callback = KILN_CB_ENTRY;
        tl_crash.kind = KILN_FAULT_SIGNAL;
        tl_crash.signal = sig;
        tl_crash.address = kiln_plat_fault_address();
        tl_crash.crashed_version = version;
        tl_crash.frame = rt->frame_count;
        kiln__crash_site(&tl_crash, img->img.temp_path, img->img.companion);
        kiln__set_error(rt, "%s: " KILN_ENTRY_SYMBOL " in %s returned a plugin description that cannot be read (its "
                        "pointer, field table or a field name points at unmapped memory, %s at 0x%llx); version %d was "
                        "not loaded and version %d keeps running. Return the KILN_PLUGIN(...) description.", name, path,
                        kiln_plat_signal_name(sig), (unsigned long long)tl_crash.address, (int)version, (int)running);
        kiln_crash pending = tl_crash;
        out->needs_restart |= image_close(rt, name, img, running);
        tl_crash = pending;
        return load_fault(rt, out, KILN_ERR_ABI, running);
    }
    if (d.code != KILN_OK) {
        char keep[KILN_ERROR_MAX];
        memcpy(keep, tl_last_error, sizeof keep);
        out->needs_restart |= image_close(rt, name, img, running);
        kiln__set_error(rt, "%s", keep);
        return d.code;
    }
    kiln_callbacks *cb = &img->cb;

    /* 2. state + swap: under the lock, between frames */
    double t_opened = kiln_plat_now();
    pthread_mutex_lock(&rt->lock);
    double t_locked = kiln_plat_now();
    kiln_slot *slot = find_slot(rt, name);
    int new_slot = slot == NULL;
    if (new_slot) {
        if (rt->nslots == KILN_MAX_PLUGINS) {
            pthread_mutex_unlock(&rt->lock);
            out->needs_restart |= image_close(rt, name, img, 0);
            kiln__set_error(rt, "%s: too many plugins (at most %d per game); merge some modules.", name, KILN_MAX_PLUGINS);
            return KILN_ERR_INVALID;
        }
        slot = calloc(1, sizeof *slot);
        if (!slot) {
            pthread_mutex_unlock(&rt->lock);
            out->needs_restart |= image_close(rt, name, img, 0);
            kiln__set_error(rt, "%s: out of memory.", name);
            return KILN_ERR_INVALID;
        }
        snprintf(slot->name, sizeof slot->name, "%s", name);
    }
    img->version = label > 0 ? label : slot->loads + 1;
    int32_t action = KILN_STATE_NEW;
    char note[700];
    uint64_t seq = tl_crash_seq;
    /* the world first: init() may spawn entities with the components this version declares */
    int32_t rc = kiln__world_load(rt, slot, img);
    if (rc == KILN_OK) {
        rc = kiln__state_prepare(rt, slot, cb, desc->restore_before, &action, note, sizeof note);
        if (rc != KILN_OK) kiln__world_load_failed(rt);
    }
    if (rc != KILN_OK) {
        int32_t now_running = running_version(slot);
        if (rt->hb_slot == slot) rt->hb_slot = NULL; /* the heartbeat must not compare with a freed slot */
        pthread_mutex_unlock(&rt->lock);
        if (new_slot) kiln__slot_free(slot);
        if (tl_crash_seq != seq) { /* init / on_reload / migrate of the new version faulted */
            load_fault(rt, out, rc, now_running);
        }
        kiln_crash pending = out->crash;
        out->needs_restart |= image_close(rt, name, img, now_running);
        tl_crash = pending;
        return rc;
    }
    if (!new_slot) kiln__checkpoint_pin(rt, slot, img->version);
    kiln__world_load_done(rt, img);
    __atomic_store_n(&slot->active, cb, __ATOMIC_SEQ_CST);
    kiln_image *retired = slot->previous;
    slot->previous = slot->current;
    slot->current = img;
    slot->loads++;
    slot->paused = 0;
    if (new_slot) rt->slots[rt->nslots++] = slot;
    rt->last_state_action = action;
    double t_swapped = kiln_plat_now();
    pthread_mutex_unlock(&rt->lock);
    out->copy_s = rt->load_time[KILN_PHASE_COPY] = t_copied - t_start;
    out->open_s = rt->load_time[KILN_PHASE_OPEN] = t_opened - t_copied;
    out->swap_s = rt->load_time[KILN_PHASE_SWAP] = t_swapped - t_locked;
    out->total_s = rt->load_time[KILN_PHASE_TOTAL] = t_swapped - t_start;
    out->version = img->version;
    out->state_action = action;

    /* Not active since the swap before this one, and frames are serialised by the lock: nothing runs it. Its
       destructors are blamed on it, never on the version just loaded. */
    out->needs_restart |= image_close(rt, name, retired, img->version);
    if (note[0]) kiln__queue_message_from(rt, name, KILN_LOG_WARN, note, strlen(note));
    return KILN_OK;
}

int32_t kiln_load(kiln_runtime *rt, const kiln_load_desc *desc, kiln_load_result *out) {
    kiln_load_result scratch;
    if (!out) out = &scratch;
    memset(out, 0, sizeof *out);
    if (!rt) { out->code = KILN_ERR_INVALID; snprintf(out->error, sizeof out->error, "kiln_load: no runtime (NULL)."); return out->code; }
    if (!desc) {
        kiln__set_error(rt, "kiln_load: no kiln_load_desc given; pass the plugin's name and image path.");
        return load_fail(out, KILN_ERR_INVALID);
    }
    tl_last_error[0] = '\0';
    int32_t rc = load(rt, desc, out);
    if (rc != KILN_OK) return load_fail(out, rc);
    out->code = KILN_OK;
    out->error[0] = '\0';
    rt->last_error[0] = '\0';
    tl_last_error[0] = '\0';
    return KILN_OK;
}

int32_t kiln_load_plugin(kiln_runtime *rt, const char *name, const char *path) {
    return kiln_load_plugin_version(rt, name, path, 0);
}

int32_t kiln_load_plugin_version(kiln_runtime *rt, const char *name, const char *path, int32_t version) {
    return kiln_load_plugin_report(rt, name, path, version, NULL, 0);
}

int32_t kiln_load_plugin_report(kiln_runtime *rt, const char *name, const char *path, int32_t version, char *error_out,
                                int32_t cap) {
    kiln_load_desc d = {name, path, version, 0};
    kiln_load_result *r = malloc(sizeof *r); /* ~1.7 KiB: not on a koffi worker's stack */
    if (!r) { if (error_out && cap > 0) snprintf(error_out, (size_t)cap, "out of memory"); return KILN_ERR_INVALID; }
    int32_t rc = kiln_load(rt, &d, r);
    if (error_out && cap > 0) snprintf(error_out, (size_t)cap, "%s", r->error);
    if (rc == KILN_OK) rc = r->version;
    free(r);
    return rc;
}

int32_t kiln_plugin_version(const kiln_runtime *rt, const char *name) {
    if (!rt) return 0;
    kiln_runtime *m = (kiln_runtime *)rt;
    pthread_mutex_lock(&m->lock);
    kiln_slot *s = find_slot(rt, name);
    int32_t v = s && s->current ? s->current->version : 0;
    pthread_mutex_unlock(&m->lock);
    return v;
}

int32_t kiln_plugin_paused(const kiln_runtime *rt, const char *name) {
    if (!rt) return KILN_ERR_INVALID;
    kiln_runtime *m = (kiln_runtime *)rt;
    pthread_mutex_lock(&m->lock);
    kiln_slot *s = find_slot(rt, name);
    int32_t r = s ? s->paused : KILN_ERR_NOT_FOUND;
    pthread_mutex_unlock(&m->lock);
    return r;
}

int32_t kiln_last_state_action(const kiln_runtime *rt) { return rt ? rt->last_state_action : KILN_ERR_INVALID; }

int32_t kiln_reset_state(kiln_runtime *rt, const char *name) {
    if (!rt) return KILN_ERR_INVALID;
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "kiln_reset_state was called from inside a plugin callback."); return KILN_ERR_INVALID; }
    pthread_mutex_lock(&rt->lock);
    kiln_slot *s = find_slot(rt, name);
    if (!s) {
        pthread_mutex_unlock(&rt->lock);
        kiln__set_error(rt, "%s: no plugin of that name is loaded; load it before resetting its state.", name ? name : "(null)");
        return KILN_ERR_NOT_FOUND;
    }
    const kiln_callbacks *cb = __atomic_load_n(&s->active, __ATOMIC_SEQ_CST);
    memcpy(s->snapshot, s->state, s->state_size);
    memset(s->state, 0, s->state_size);
    if (cb && cb->init) {
        int sig = kiln__call(rt, s, CALL_INIT, cb, s->state, 0, KILN_TXN_KEEP_ONLY_NEW);
        if (sig) {
            memcpy(s->state, s->snapshot, s->state_size);
            int32_t running = running_version(s);
            pthread_mutex_unlock(&rt->lock);
            char fault[200];
            kiln__describe_fault(rt, sig, fault, sizeof fault);
            kiln__set_error(rt, "%s: init %s during the state reset; the previous state was kept. Fix init() "
                      "and save.", name, fault);
            queue_pending_crash(rt, running, tl_last_error);
            return KILN_ERR_CRASH;
        }
    } else if (s->arena) {
        kiln__arena_wipe(s->arena);
    }
    s->paused = 0;
    pthread_mutex_unlock(&rt->lock);
    return KILN_OK;
}

/* --- frames ------------------------------------------------------------------------------------------------- */
/* A callback crashed: restore the state, roll the code back (or pause), report. Called with the lock held,
   on the frame thread, after siglongjmp left the crashed code: nothing executes the bad image any more. */
static void handle_crash(kiln_runtime *rt, kiln_slot *s, call_kind kind, int sig) {
    kiln_crash rec = tl_crash; /* the fault's facts; a fresh init below may fault and overwrite tl_crash */
    memcpy(s->state, s->snapshot, s->state_size);
    kiln_image *bad = s->current;
    kiln__world_turn_crashed(rt, s, bad, s->previous != NULL);
    int32_t bad_version = bad ? bad->version : 0;
    char msg[1200], fault[200];
    kiln__describe_fault(rt, sig, fault, sizeof fault);
    if (s->previous) {
        kiln_image *good = s->previous;
        __atomic_store_n(&s->active, &good->cb, __ATOMIC_SEQ_CST);
        s->current = good;
        s->previous = NULL;
        const char *state_note = "state restored to the start of the frame";
        if (good->cb.state_size != s->state_size || good->cb.state_version != s->state_version) {
            /* the good version has another layout: give it a fresh block of its own layout */
            int32_t action;
            char note[700];
            state_note = kiln__state_prepare(rt, s, &good->cb, 0, &action, note, sizeof note) == KILN_OK
                             ? "state reset: that version uses another state layout"
                             : "state could not be reset for that version, so it is paused";
            if (s->state_size != good->cb.state_size || s->state_version != good->cb.state_version) s->paused = 1;
        }
        snprintf(msg, sizeof msg, "%s: %s %s in version %d; rolled back to version %d (%s). Fix the "
                 "code and save to reload.", s->name, kiln__call_names[kind], fault, (int)bad_version,
                 (int)good->version, state_note);
    } else {
        s->paused = 1;
        snprintf(msg, sizeof msg, "%s: %s %s in version %d; there is no earlier version to roll back to, "
                 "so the plugin is paused (state restored to the start of the frame). Fix the code and save to reload.",
                 s->name, kiln__call_names[kind], fault, (int)bad_version);
    }
    kiln__set_error(rt, "%s", msg);
    rec.running_version = running_version(s);
    snprintf(rec.text, sizeof rec.text, "%s", msg);
    kiln__queue_crash(rt, &rec);
    kiln__queue_message_from(rt, s->name, KILN_LOG_ERROR, msg, strlen(msg));
    if (bad != s->current) {
        /* nothing executes the bad image any more; its destructors are its own (a fault there is reported too) */
        kiln_crash keep = tl_crash;
        image_close(rt, s->name, bad, rec.running_version);
        tl_crash = keep;
    }
}

int32_t kiln_frame(kiln_runtime *rt, double dt) {
    if (!rt) return KILN_ERR_INVALID;
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "kiln_frame was called from inside a plugin callback."); return KILN_ERR_INVALID; }
    if (!(dt >= 0)) dt = 0; /* also NaN */
    if (dt > 1) dt = 1;     /* a stalled runner must not teleport the game */
    double t0 = kiln_plat_now(), cpu0 = rt->frame_cpu_timing ? kiln_plat_thread_cpu() : -1, waited = 0;
    if (pthread_mutex_trylock(&rt->lock) != 0) { /* held: by a load's swap, a state read, ... time the wait */
        pthread_mutex_lock(&rt->lock);
        waited = kiln_plat_now() - t0;
    }
    kiln_input *in = &rt->in;
    for (int k = 0; k < KEY_COUNT; k++) {
        in->pressed[k] = __atomic_exchange_n(&in->press_latch[k], 0, __ATOMIC_RELAXED);
        in->released[k] = __atomic_exchange_n(&in->release_latch[k], 0, __ATOMIC_RELAXED);
    }
    in->buttons_pressed = __atomic_exchange_n(&in->button_press_latch, 0, __ATOMIC_RELAXED);
    in->buttons_released = __atomic_exchange_n(&in->button_release_latch, 0, __ATOMIC_RELAXED);
    for (int p = 0; p < KILN_PAD_COUNT; p++) {
        in->pad_pressed[p] = __atomic_exchange_n(&in->pad_press_latch[p], 0, __ATOMIC_RELAXED);
        in->pad_released[p] = __atomic_exchange_n(&in->pad_release_latch[p], 0, __ATOMIC_RELAXED);
    }
    int crashed = kiln__frame_locked(rt, dt);
    uint64_t frame = rt->frame_count;
    pthread_mutex_unlock(&rt->lock);
    double cpu1 = cpu0 < 0 ? -1 : kiln_plat_thread_cpu();
    rt->last_frame = (kiln_frame_timing){ frame, kiln_plat_now() - t0, waited, cpu1 < 0 ? -1 : cpu1 - cpu0 };
    return crashed ? KILN_ERR_CRASH : KILN_OK;
}

void kiln_set_frame_cpu_timing(kiln_runtime *rt, int32_t on) {
    if (rt) rt->frame_cpu_timing = on != 0;
}

int32_t kiln_last_frame_timing(const kiln_runtime *rt, kiln_frame_timing *out) {
    if (!rt || !out || !rt->last_frame.frame) return KILN_ERR_INVALID;
    *out = rt->last_frame;
    return KILN_OK;
}

/* The frame's order: by system phase, then order, then load order (insertion sort: at most KILN_MAX_PLUGINS). */
static int frame_order(const kiln_runtime *rt, kiln_slot **out) {
    int n = 0;
    for (int i = 0; i < rt->nslots; i++) {
        kiln_slot *s = rt->slots[i];
        int32_t p = kiln__system_phase(s), o = s->current && s->current->sys ? s->current->sys->order : 0;
        int k = n++;
        while (k > 0) {
            const kiln_slot *t = out[k - 1];
            int32_t tp = kiln__system_phase(t), to = t->current && t->current->sys ? t->current->sys->order : 0;
            if (tp < p || (tp == p && to <= o)) break;
            out[k] = out[k - 1];
            k--;
        }
        out[k] = s;
    }
    return n;
}

int kiln__frame_locked(kiln_runtime *rt, double dt) {
    kiln__history_frame_begin(rt);
    rt->time += dt;
    int crashed = 0;
    if (rt->nslots) rt->threads = kiln_plat_thread_count(); /* threads the host started between frames are not news */
    kiln_slot *order[KILN_MAX_PLUGINS];
    int n = frame_order(rt, order);
    for (int i = 0; i < n; i++) {
        kiln_slot *s = order[i];
        const kiln_callbacks *cb = __atomic_load_n(&s->active, __ATOMIC_SEQ_CST);
        if (!cb || s->paused) continue;
        memcpy(s->snapshot, s->state, s->state_size);
        kiln__world_turn_begin(rt, s);
        if (cb->update) {
            int sig = frame_call(rt, s, CALL_UPDATE, cb, (float)dt);
            if (sig) { handle_crash(rt, s, CALL_UPDATE, sig); crashed = 1; continue; }
        }
        if (cb->draw) {
            int sig = frame_call(rt, s, CALL_DRAW, cb, 0);
            if (sig) { handle_crash(rt, s, CALL_DRAW, sig); crashed = 1; continue; }
        }
        kiln__commit_frame(rt, s);
    }
    kiln__world_frame_end(rt);
    rt->frame_count++;
    kiln__history_frame_end(rt, dt);
    return crashed;
}

int kiln__redraw_locked(kiln_runtime *rt) {
    int crashed = 0;
    kiln_slot *order[KILN_MAX_PLUGINS];
    int n = frame_order(rt, order);
    for (int i = 0; i < n; i++) {
        kiln_slot *s = order[i];
        const kiln_callbacks *cb = __atomic_load_n(&s->active, __ATOMIC_SEQ_CST);
        if (!cb || s->paused || !cb->draw) continue;
        memcpy(s->snapshot, s->state, s->state_size);
        kiln__world_turn_begin(rt, s);
        int sig = frame_call(rt, s, CALL_DRAW, cb, 0);
        if (sig) { handle_crash(rt, s, CALL_DRAW, sig); crashed = 1; continue; }
        memcpy(s->state, s->snapshot, s->state_size); /* a redraw shows the frame; it must not change it */
        kiln__world_turn_undo(rt, s);
    }
    return crashed;
}

uint64_t kiln_frame_count(const kiln_runtime *rt) { return rt ? rt->frame_count : 0; }
int32_t kiln_width(const kiln_runtime *rt) { return rt ? rt->width : 0; }
int32_t kiln_height(const kiln_runtime *rt) { return rt ? rt->height : 0; }
double kiln_last_load_time(const kiln_runtime *rt, int32_t phase) {
    return rt && phase >= 0 && phase <= KILN_PHASE_TOTAL ? rt->load_time[phase] : 0;
}
double kiln_time(const kiln_runtime *rt) { return rt ? rt->time : 0; }

int32_t kiln_copy_framebuffer(const kiln_runtime *rt, uint8_t *out, int32_t cap) {
    if (!rt || !out) return KILN_ERR_INVALID;
    size_t n = (size_t)rt->width * (size_t)rt->height * 4;
    if (cap < 0 || (size_t)cap < n) return KILN_ERR_INVALID;
    kiln_runtime *m = (kiln_runtime *)rt;
    pthread_mutex_lock(&m->lock);
    memcpy(out, rt->fb, n);
    pthread_mutex_unlock(&m->lock);
    return (int32_t)n;
}

void kiln_set_key(kiln_runtime *rt, int32_t key, int32_t down) {
    if (!rt || key < 0 || key >= KEY_COUNT) return;
    uint8_t was = __atomic_exchange_n(&rt->in.keys[key], (uint8_t)(down ? 1 : 0), __ATOMIC_RELAXED);
    if (down && !was) __atomic_store_n(&rt->in.press_latch[key], 1, __ATOMIC_RELAXED);
    if (!down && was) __atomic_store_n(&rt->in.release_latch[key], 1, __ATOMIC_RELAXED);
}

void kiln_set_mouse(kiln_runtime *rt, int32_t x, int32_t y, int32_t buttons) {
    if (!rt) return;
    uint32_t now = (uint32_t)buttons & 7u;
    __atomic_store_n(&rt->in.mouse_x, x, __ATOMIC_RELAXED);
    __atomic_store_n(&rt->in.mouse_y, y, __ATOMIC_RELAXED);
    uint32_t was = __atomic_exchange_n(&rt->in.buttons, now, __ATOMIC_RELAXED);
    if (now & ~was) __atomic_or_fetch(&rt->in.button_press_latch, now & ~was, __ATOMIC_RELAXED);
    if (was & ~now) __atomic_or_fetch(&rt->in.button_release_latch, was & ~now, __ATOMIC_RELAXED);
}

void kiln_set_pad(kiln_runtime *rt, int32_t pad, int32_t connected, uint32_t buttons, float lx, float ly, float rx, float ry) {
    if (!rt || pad < 0 || pad >= KILN_PAD_COUNT) return;
    uint32_t now = connected ? buttons & ((1u << PAD_BUTTON_COUNT) - 1) : 0;
    float axes[PAD_AXIS_COUNT] = {lx, ly, rx, ry};
    kiln_input *in = &rt->in;
    __atomic_store_n(&in->pad_connected[pad], (uint8_t)(connected ? 1 : 0), __ATOMIC_RELAXED);
    for (int a = 0; a < PAD_AXIS_COUNT; a++) {
        float v = connected && axes[a] == axes[a] ? axes[a] : 0.0f; /* NaN and a gone pad read 0 */
        in->pad_axes[pad][a] = v < -1.0f ? -1.0f : v > 1.0f ? 1.0f : v;
    }
    uint32_t was = __atomic_exchange_n(&in->pad_buttons[pad], now, __ATOMIC_RELAXED);
    if (now & ~was) __atomic_or_fetch(&in->pad_press_latch[pad], now & ~was, __ATOMIC_RELAXED);
    if (was & ~now) __atomic_or_fetch(&in->pad_release_latch[pad], was & ~now, __ATOMIC_RELAXED);
}

int32_t kiln_resize(kiln_runtime *rt, int32_t width, int32_t height) {
    if (!rt) return KILN_ERR_INVALID;
    if (width <= 0 || height <= 0 || width > 8192 || height > 8192) {
        kiln__set_error(rt, "kiln_resize: size %dx%d is out of range; use 1..8192 for both width and height.", (int)width, (int)height);
        return KILN_ERR_INVALID;
    }
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "kiln_resize was called from inside a plugin callback."); return KILN_ERR_INVALID; }
    uint8_t *fb = calloc((size_t)width * (size_t)height, 4);
    if (!fb) { kiln__set_error(rt, "kiln_resize: out of memory for a %dx%d framebuffer.", (int)width, (int)height); return KILN_ERR_INVALID; }
    for (size_t i = 3; i < (size_t)width * (size_t)height * 4; i += 4) fb[i] = 0xFF; /* opaque black */
    pthread_mutex_lock(&rt->lock);
    uint8_t *old = rt->fb;
    rt->fb = fb; rt->width = width; rt->height = height;
    rt->host.width = width; rt->host.height = height;
    /* every loaded image reads kiln->width from its own read-only copy of the table */
    for (int i = 0; i < rt->nslots; i++) {
        kiln_image *ims[2] = {rt->slots[i]->current, rt->slots[i]->previous};
        for (int k = 0; k < 2; k++) {
            if (!ims[k] || !ims[k]->host || kiln_plat_pages_protect_rw(ims[k]->host, HOST_PAGE) != 0) continue;
            ims[k]->host->width = width; ims[k]->host->height = height;
            kiln_plat_pages_protect_ro(ims[k]->host, HOST_PAGE);
        }
    }
    pthread_mutex_unlock(&rt->lock);
    free(old);
    return KILN_OK;
}

void kiln_set_watchdog_ms(kiln_runtime *rt, int32_t ms) {
    if (!rt) return;
    kiln_plat_watchdog_set_limit(rt->watchdog, ms < 0 ? 0 : ms); /* the heartbeat shows it from the next call on */
}

void kiln_set_seed(kiln_runtime *rt, uint32_t seed) {
    if (rt) rt->rng = kiln_rng_seed(seed);
}

/* --- heartbeat ---------------------------------------------------------------------------------------------------- */
int32_t kiln_set_heartbeat(kiln_runtime *rt, const char *path) {
    if (!rt) return KILN_ERR_INVALID;
    kiln_plat_map map = {NULL, 0};
    if (path && *path) {
        char err[KILN_PLAT_ERR];
        if (kiln_plat_map_new_file(path, sizeof(kiln_heartbeat), &map, err) != 0) {
            kiln__set_error(rt, "kiln_set_heartbeat: cannot create %s (%s); check that the folder exists and is writable.",
                            path, err);
            return KILN_ERR_STATE;
        }
        kiln_heartbeat *hb = map.base;
        hb->pid = (uint32_t)kiln_plat_pid();
        hb->watchdog_ms = kiln_plat_watchdog_limit(rt->watchdog);
        hb->frame = rt->frame_count;
        memcpy(hb->magic, "KILNBEAT", 8); /* last: a reader that sees the magic sees the rest */
    }
    pthread_mutex_lock(&rt->lock); /* frames write through rt->hb under this lock */
    kiln_plat_map old = rt->hb_map;
    rt->hb_map = map;
    rt->hb = map.base;
    rt->hb_slot = NULL;
    pthread_mutex_unlock(&rt->lock);
    kiln_plat_unmap(&old);
    return KILN_OK;
}
