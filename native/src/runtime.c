/* runtime.c — kiln_runtime: loading and swapping plugin images, host-owned state blocks, the frame loop
   and crash rollback. See include/kiln_runtime.h for the contract. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"
#include "commit.h"


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

int32_t kiln_load_plugin_report(kiln_runtime *rt, const char *name, const char *path, int32_t version, char *error_out,
                                int32_t cap) {
    tl_last_error[0] = '\0';
    int32_t rc = kiln_load_plugin_version(rt, name, path, version);
    if (error_out && cap > 0) snprintf(error_out, (size_t)cap, "%s", rc < 0 ? tl_last_error : "");
    return rc;
}

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
const char *const kiln__call_names[] = {"init", "update", "draw", "on_reload", "migrate", "shutdown", "kiln_plugin_entry"};

typedef struct call_ctx {
    call_kind kind;
    const kiln_callbacks *cb;
    void *state;
    float dt;
    const void *old_state;
    uint32_t old_size, old_version;
    int32_t result;
    kiln_entry_fn entry;
    const kiln_host *host;
    const kiln_plugin *desc;
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
    case CALL_ENTRY: c->desc = c->entry(c->host); break;
    }
}

/* Returns 0, or the signal that interrupted the callback (KILN_PLAT_TIMEOUT: the watchdog). The slot's arena
   sees the call as a transaction: on a crash its allocations and frees are undone. */
static int guarded(kiln_runtime *rt, kiln_slot *slot, call_ctx *c, int outcome) {
    if (slot && slot->arena) kiln__arena_begin(slot->arena);
    kiln__host_enter(rt, slot);
    int sig = kiln_plat_guarded_call_watched(rt->watchdog, call_thunk, c);
    kiln__host_leave();
    if (slot && slot->arena) kiln__arena_end(slot->arena, sig ? KILN_TXN_ABORT : outcome);
    return sig;
}

int kiln__call(kiln_runtime *rt, kiln_slot *slot, call_kind kind, const kiln_callbacks *cb, void *state, float dt,
               int outcome) {
    call_ctx c;
    memset(&c, 0, sizeof c);
    c.kind = kind; c.cb = cb; c.state = state; c.dt = dt;
    return guarded(rt, slot, &c, outcome);
}

int kiln__call_migrate(kiln_runtime *rt, kiln_slot *slot, const kiln_callbacks *cb, void *fresh, const void *old,
                       uint32_t old_size, uint32_t old_version, int32_t *result) {
    call_ctx c;
    memset(&c, 0, sizeof c);
    c.kind = CALL_MIGRATE; c.cb = cb; c.state = fresh; c.old_state = old; c.old_size = old_size; c.old_version = old_version;
    int sig = guarded(rt, slot, &c, KILN_TXN_COMMIT);
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
static void image_free(kiln_image *im) {
    if (!im) return;
    kiln__image_close(&im->img);
    free(im->cb.fields);
    free(im);
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
    if (!rt->watchdog) {
        snprintf(tl_create_error, sizeof tl_create_error, "kiln_create: cannot create the watchdog (%s).", err);
        kiln_plat_guard_uninstall();
        free(fb); free(rt);
        return NULL;
    }
    kiln_plat_watchdog_set_limit(rt->watchdog, KILN_WATCHDOG_DEFAULT_MS);
    kiln_plat_remove_stale_copies(rt->tmp_dir);
    kiln_plat_remove_stale_copies(rt->state_dir);
    pthread_mutex_init(&rt->lock, NULL);
    pthread_mutex_init(&rt->msg_lock, NULL);
    rt->rng = 0x2545F491u;
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
            int sig = kiln__call(rt, s, CALL_SHUTDOWN, cb, s->state, 0, KILN_TXN_COMMIT);
            if (sig) fprintf(stderr, "kiln: %s: shutdown crashed with %s (ignored)\n", s->name, kiln_plat_signal_name(sig));
        }
        image_free(s->current);
        image_free(s->previous);
        kiln__slot_free(s);
    }
    rt->nslots = 0;
    pthread_mutex_unlock(&rt->lock);
    for (int i = 0; i < rt->msg_count; i++) free(rt->msgs[(rt->msg_head + i) % KILN_MSG_QUEUE].text);
    pthread_mutex_destroy(&rt->lock);
    pthread_mutex_destroy(&rt->msg_lock);
    kiln_plat_watchdog_destroy(rt->watchdog);
    kiln_plat_guard_uninstall();
    free(rt->fb);
    free(rt);
}

const char *kiln_last_error(const kiln_runtime *rt) { return rt ? rt->last_error : "kiln: no runtime (NULL)"; }

/* --- loading ---------------------------------------------------------------------------------------------- */
int32_t kiln_load_plugin(kiln_runtime *rt, const char *name, const char *path) {
    return kiln_load_plugin_version(rt, name, path, 0);
}

int32_t kiln_load_plugin_version(kiln_runtime *rt, const char *name, const char *path, int32_t version) {
    if (!rt) return KILN_ERR_INVALID;
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
    kiln_image *img = calloc(1, sizeof *img);
    if (!img) { kiln__set_error(rt, "%s: out of memory.", name); return KILN_ERR_INVALID; }
    char err[KILN_PLAT_ERR];
    int irc = kiln__image_open(path, rt->tmp_dir, name, &img->img, err);
    double t_copied = t_start + img->img.copy_seconds;
    if (irc != KILN_IMG_OK) {
        free(img);
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
    kiln_entry_fn entry;
    void *sym = kiln_plat_lib_symbol(img->img.lib, KILN_ENTRY_SYMBOL);
    memcpy(&entry, &sym, sizeof entry);
    if (!entry) {
        image_free(img);
        kiln__set_error(rt, "%s: no " KILN_ENTRY_SYMBOL " symbol in %s — did you forget KILN_PLUGIN(...) at the end of the "
                  "plugin source?", name, path);
        return KILN_ERR_NO_ENTRY;
    }
    call_ctx c;
    memset(&c, 0, sizeof c);
    c.kind = CALL_ENTRY; c.entry = entry; c.host = &rt->host;
    int sig = guarded(rt, NULL, &c, KILN_TXN_COMMIT);
    if (sig) {
        image_free(img);
        char fault[200];
        kiln__describe_fault(rt, sig, fault, sizeof fault);
        kiln__set_error(rt, "%s: " KILN_ENTRY_SYMBOL " in %s %s; the old version keeps running. Use the "
                  "KILN_PLUGIN(...) macro rather than a hand-written entry.", name, path, fault);
        return KILN_ERR_CRASH;
    }
    const kiln_plugin *desc = c.desc;
    if (!desc) {
        image_free(img);
        kiln__set_error(rt, "%s: " KILN_ENTRY_SYMBOL " in %s returned NULL; it must return the plugin description "
                  "(use KILN_PLUGIN(...)).", name, path);
        return KILN_ERR_ABI;
    }
    if (desc->abi_version != KILN_ABI_VERSION) {
        unsigned v = desc->abi_version;
        image_free(img);
        kiln__set_error(rt, "%s: %s was built against kiln.h ABI version %u but this Kiln speaks version %u; rebuild it "
                  "with the kiln.h that ships with this Kiln.", name, path, v, KILN_ABI_VERSION);
        return KILN_ERR_ABI;
    }
    if (desc->state_size > KILN_STATE_SIZE_MAX) {
        unsigned sz = desc->state_size;
        image_free(img);
        kiln__set_error(rt, "%s: state_size %u is larger than the %u-byte limit; keep big data (levels, images) out of the "
                  "state block.", name, sz, KILN_STATE_SIZE_MAX);
        return KILN_ERR_ABI;
    }
    kiln_callbacks *cb = &img->cb;
    cb->state_size = desc->state_size;
    cb->state_version = desc->state_version;
    cb->init = desc->init;
    cb->update = desc->update;
    cb->draw = desc->draw;
    cb->on_reload = desc->on_reload;
    cb->migrate = desc->migrate;
    cb->shutdown = desc->shutdown;
    if (kiln__copy_fields(rt, name, desc, cb) != 0) { image_free(img); return KILN_ERR_ABI; }

    /* 2. state + swap: under the lock, between frames */
    double t_opened = kiln_plat_now();
    pthread_mutex_lock(&rt->lock);
    double t_locked = kiln_plat_now();
    kiln_slot *slot = find_slot(rt, name);
    int new_slot = slot == NULL;
    if (new_slot) {
        if (rt->nslots == KILN_MAX_PLUGINS) {
            pthread_mutex_unlock(&rt->lock);
            image_free(img);
            kiln__set_error(rt, "%s: too many plugins (at most %d per game); merge some modules.", name, KILN_MAX_PLUGINS);
            return KILN_ERR_INVALID;
        }
        slot = calloc(1, sizeof *slot);
        if (!slot) { pthread_mutex_unlock(&rt->lock); image_free(img); kiln__set_error(rt, "%s: out of memory.", name); return KILN_ERR_INVALID; }
        snprintf(slot->name, sizeof slot->name, "%s", name);
    }
    int32_t action = KILN_STATE_NEW;
    char note[700];
    int32_t rc = kiln__state_prepare(rt, slot, cb, 0, &action, note, sizeof note);
    if (rc != KILN_OK) {
        pthread_mutex_unlock(&rt->lock);
        image_free(img);
        if (new_slot) kiln__slot_free(slot);
        return rc;
    }
    img->version = version > 0 ? version : slot->loads + 1;
    if (!new_slot) kiln__checkpoint_pin(rt, slot, img->version);
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
    rt->load_time[KILN_PHASE_COPY] = t_copied - t_start;
    rt->load_time[KILN_PHASE_OPEN] = t_opened - t_copied;
    rt->load_time[KILN_PHASE_SWAP] = t_swapped - t_locked;
    rt->load_time[KILN_PHASE_TOTAL] = t_swapped - t_start;

    /* Not active since the swap before this one, and frames are serialised by the lock: nothing runs it. */
    image_free(retired);
    if (note[0]) kiln__queue_message(rt, KILN_LOG_WARN, note, strlen(note));
    rt->last_error[0] = '\0';
    tl_last_error[0] = '\0';
    return img->version;
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
            pthread_mutex_unlock(&rt->lock);
            char fault[200];
            kiln__describe_fault(rt, sig, fault, sizeof fault);
            kiln__set_error(rt, "%s: init %s during the state reset; the previous state was kept. Fix init() "
                      "and save.", name, fault);
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
    memcpy(s->state, s->snapshot, s->state_size);
    kiln_image *bad = s->current;
    int32_t bad_version = bad ? bad->version : 0;
    char msg[1200], fault[200];
    kiln__describe_fault(rt, sig, fault, sizeof fault);
    if (s->previous) {
        kiln_image *good = s->previous;
        __atomic_store_n(&s->active, &good->cb, __ATOMIC_SEQ_CST);
        s->current = good;
        s->previous = NULL;
        image_free(bad);
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
    kiln__queue_message(rt, KILN_LOG_ERROR, msg, strlen(msg));
}

int32_t kiln_frame(kiln_runtime *rt, double dt) {
    if (!rt) return KILN_ERR_INVALID;
    if (kiln_plat_in_guarded_call()) { kiln__set_error(rt, "kiln_frame was called from inside a plugin callback."); return KILN_ERR_INVALID; }
    if (!(dt >= 0)) dt = 0; /* also NaN */
    if (dt > 1) dt = 1;     /* a stalled runner must not teleport the game */
    pthread_mutex_lock(&rt->lock);
    rt->time += dt;
    kiln_input *in = &rt->in;
    for (int k = 0; k < KEY_COUNT; k++) {
        in->pressed[k] = __atomic_exchange_n(&in->press_latch[k], 0, __ATOMIC_RELAXED);
        in->released[k] = __atomic_exchange_n(&in->release_latch[k], 0, __ATOMIC_RELAXED);
    }
    in->buttons_pressed = __atomic_exchange_n(&in->button_press_latch, 0, __ATOMIC_RELAXED);
    in->buttons_released = __atomic_exchange_n(&in->button_release_latch, 0, __ATOMIC_RELAXED);
    int crashed = 0;
    for (int i = 0; i < rt->nslots; i++) {
        kiln_slot *s = rt->slots[i];
        const kiln_callbacks *cb = __atomic_load_n(&s->active, __ATOMIC_SEQ_CST);
        if (!cb || s->paused) continue;
        memcpy(s->snapshot, s->state, s->state_size);
        if (cb->update) {
            int sig = kiln__call(rt, s, CALL_UPDATE, cb, s->state, (float)dt, KILN_TXN_COMMIT);
            if (sig) { handle_crash(rt, s, CALL_UPDATE, sig); crashed = 1; continue; }
        }
        if (cb->draw) {
            int sig = kiln__call(rt, s, CALL_DRAW, cb, s->state, 0, KILN_TXN_COMMIT);
            if (sig) { handle_crash(rt, s, CALL_DRAW, sig); crashed = 1; continue; }
        }
        kiln__commit_frame(rt, s);
    }
    rt->frame_count++;
    pthread_mutex_unlock(&rt->lock);
    return crashed ? KILN_ERR_CRASH : KILN_OK;
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

void kiln_set_watchdog_ms(kiln_runtime *rt, int32_t ms) {
    if (rt) kiln_plat_watchdog_set_limit(rt->watchdog, ms < 0 ? 0 : ms);
}

void kiln_set_seed(kiln_runtime *rt, uint32_t seed) {
    if (rt) rt->rng = seed ? seed : 0x2545F491u;
}
