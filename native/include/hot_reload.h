/*
 * hot_reload.h — a generic hot-reload engine for any C host (part of libkiln, usable without the rest of Kiln).
 * The API of the Brick hot-reload design, without its holes (fixed sleep, dlclose race, half-written images).
 *
 *     #include "hot_reload.h"
 *
 *     int (*game_step)(int) = NULL;
 *     hr_engine *hr = hr_create("./build/game.so");
 *     if (!hr) die(hr_create_error());
 *     hr_register_func(hr, "game_step", (void **)&game_step);
 *     if (hr_load_initial(hr) != HR_SUCCESS) die(hr_last_error(hr));
 *     hr_set_callback(hr, on_reload);            // optional: on_reload(path) after every reload attempt
 *     hr_start_watching(hr);                     // rebuild game.so: game_step changes under you
 *     for (;;) {
 *         unsigned t = hr_enter(hr);             // "I may run code of the image" ...
 *         game_step(1);
 *         hr_exit(hr, t);                        // ... "not any more": the old image can now be closed
 *     }
 *     hr_destroy(hr);
 *
 * Contract
 *  - Loading: the image is copied to <temp dir>/hr-<name>-<pid>-<n>.so (dlopen caches by path, and the build can
 *    overwrite its output at once), checked to be complete (ELF/PE headers: every segment and section inside the
 *    file), then dlopened (RTLD_NOW|RTLD_LOCAL). Every registered name is looked up. Only if ALL of that works is
 *    anything swapped: otherwise the old image and old pointers stay, hr_state() is HR_ERROR and hr_last_error()
 *    says why; the next good build brings it back to HR_OK.
 *  - Swap: each registered pointer is written with __atomic_store_n(ptr, new, __ATOMIC_SEQ_CST). A reader sees the
 *    old or the new function, never a torn value; pointers are swapped one after another, so a reader that needs
 *    all of them from one version compares hr_version() before and after.
 *  - Grace: the previous image is dlclosed (and its temp copy removed) only once no thread is between hr_enter
 *    and hr_exit that entered before the swap (two-phase counters, like SRCU). Threads that never call hr_enter
 *    are not waited for: announce every call into the image from threads other than the reloading one. If a
 *    thread stays inside for longer than the grace timeout (default 1000 ms), the old image is kept open and
 *    closed after a later reload or at hr_destroy (never while it may run).
 *  - Watching: hr_start_watching starts a thread on inotify (Linux: IN_CLOSE_WRITE and IN_MOVED_TO on the folder,
 *    so both in-place writes and atomic renames work; Windows: ReadDirectoryChangesW). No fixed sleep: the reload
 *    starts as soon as the writer closes the file. An incomplete image is never loaded: the state stays
 *    HR_LOADING and it is retried (10 ms, doubling, about 2.5 s in all) or as soon as the file changes again;
 *    after that, HR_ERROR.
 *  - Freeze/thaw: allocations through hr_alloc/hr_free wait while a swap is in progress (the Brick
 *    block_freeze/block_thaw): none is ever in flight during the swap. A host with its own allocator gets the
 *    same through hr_set_freeze_hooks. An allocation that waits longer than 1 s fails cleanly (NULL).
 *  - Threads: every function may be called from any thread; loads are serialised. The callbacks run on the
 *    thread that loaded (the watcher thread, or the caller of hr_reload) after the swap, outside any lock; they
 *    may call hr_state/hr_version/hr_last_error but not hr_destroy.
 *  - Errors: functions return an hr_result (HR_SUCCESS = 0, negative on failure) and set hr_last_error() to a
 *    sentence saying what went wrong and what to do.
 */
#ifndef HOT_RELOAD_H
#define HOT_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define HR_API __declspec(dllexport)
#else
#define HR_API __attribute__((visibility("default")))
#endif

#define HR_VERSION_STRING "1.0"
#define HR_MAX_FUNCS 256

typedef struct hr_engine hr_engine;
typedef hr_engine HotReloadEngine; /* the Brick names */

typedef enum hr_status {
    HR_WAITING = 0, /* nothing loaded yet (before hr_load_initial succeeds) */
    HR_LOADING = 1, /* a load is in progress, or an incomplete image is being retried */
    HR_OK = 2,      /* the last load worked */
    HR_ERROR = 3    /* the last load failed; the previous image (if any) is still in use */
} hr_status;
typedef hr_status HotReloadState;

typedef enum hr_result {
    HR_SUCCESS = 0,
    HR_ERR_INVALID = -1,    /* bad argument, or too many functions */
    HR_ERR_COPY = -2,       /* the image could not be copied (missing? temp folder not writable?) */
    HR_ERR_INCOMPLETE = -3, /* the image is truncated or half-written */
    HR_ERR_DLOPEN = -4,     /* the loader refused it */
    HR_ERR_SYMBOL = -5,     /* a registered function is missing from the new image */
    HR_ERR_WATCH = -6       /* the folder cannot be watched */
} hr_result;

/* The Brick callback: called after each finished load attempt (worked: hr_state is HR_OK; failed: HR_ERROR) with
   the path given to hr_create. */
typedef void (*hr_callback_t)(const char *so_path);
/* The richer one: also called while an incomplete image waits to be retried (status HR_LOADING), with the version
   and a user pointer. */
typedef void (*hr_callback)(hr_engine *hr, hr_status status, int32_t version, void *user);

/* Creates an engine for the image at `path` (nothing is loaded yet). NULL on failure: hr_create_error() says why. */
HR_API hr_engine *hr_create(const char *path);
HR_API const char *hr_create_error(void);
/* Registers `*ptr` to receive symbol `name` of every loaded image. Before hr_load_initial it only records it; after,
   the symbol is looked up at once (HR_ERR_SYMBOL if missing; nothing registered). */
HR_API int hr_register_func(hr_engine *hr, const char *name, void **ptr);
HR_API int hr_load_initial(hr_engine *hr);  /* first load; fills every registered pointer */
HR_API int hr_start_watching(hr_engine *hr);
HR_API int hr_reload(hr_engine *hr);        /* reload now (manual); the same steps as a watched change */
HR_API hr_status hr_state(const hr_engine *hr);
/* One callback of each kind at a time (NULL removes it); both may be set: the rich one is called first. */
HR_API void hr_set_callback(hr_engine *hr, hr_callback_t cb);
HR_API void hr_set_callback_ex(hr_engine *hr, hr_callback cb, void *user);
/* Stops watching, waits for the grace period (up to the grace timeout), sets every registered pointer to NULL,
   closes the images and removes their temp copies. No thread may call into the image afterwards. */
HR_API void hr_destroy(hr_engine *hr);
HR_API const char *hr_last_error(const hr_engine *hr); /* "" after a successful load */
HR_API int32_t hr_version(const hr_engine *hr);        /* 0 before the first load, +1 per successful load */

/* Grace: announce that this thread may run code of the image, and that it no longer does. Cheap (two atomic
   adds); nestable; the token from hr_enter goes to the matching hr_exit. */
HR_API unsigned hr_enter(hr_engine *hr);
HR_API void hr_exit(hr_engine *hr, unsigned token);
HR_API void hr_set_grace_timeout_ms(hr_engine *hr, int32_t ms);
/* Images swapped out but not yet closed because a thread was still inside (0 normally). */
HR_API int32_t hr_retired_images(const hr_engine *hr);

/* Temp folder for image copies (default: $TMPDIR or /tmp; %TEMP% on Windows). */
HR_API int hr_set_temp_dir(hr_engine *hr, const char *dir);

/* Freeze/thaw: allocations that never interleave with a swap. The allocator defaults to malloc/free. */
typedef void *(*hr_alloc_fn)(size_t size, void *user);
typedef void (*hr_free_fn)(void *ptr, void *user);
typedef void (*hr_freeze_fn)(void *user);
HR_API void hr_set_allocator(hr_engine *hr, hr_alloc_fn alloc, hr_free_fn free_fn, void *user);
HR_API void *hr_alloc(hr_engine *hr, size_t size);
HR_API void hr_free(hr_engine *hr, void *ptr);
/* freeze(user) runs right before the pointers are swapped (after every hr_alloc/hr_free in flight finished and
   new ones are held), thaw(user) right after. */
HR_API void hr_set_freeze_hooks(hr_engine *hr, hr_freeze_fn freeze, hr_freeze_fn thaw, void *user);

#ifdef __cplusplus
}
#endif
#endif /* HOT_RELOAD_H */
