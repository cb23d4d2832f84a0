/*
 * kiln_runtime.h — libkiln, the Kiln game runtime and hot-reload engine.
 *
 * The runner (Node + koffi) drives one kiln_runtime: it loads plugin images, runs frames into an RGBA
 * framebuffer, forwards keys, and drains messages for the reload log.
 *
 *     kiln_runtime *rt = kiln_create(320, 180, "game/.kiln");
 *     if (!rt) fail(kiln_create_error());
 *     if (kiln_load_plugin(rt, "pong", "game/.kiln/build/pong-v1.so") < 0) show(kiln_last_error(rt));
 *     for (;;) {
 *         if (kiln_frame(rt, 1.0 / 60) == KILN_ERR_CRASH) { ... rolled back; poll messages ... }
 *         kiln_copy_framebuffer(rt, pixels, sizeof pixels);
 *         while ((n = kiln_poll_message(rt, buf, sizeof buf, &level)) >= 0) log(level, buf);
 *     }
 *     kiln_destroy(rt);
 *
 * Contract
 *  - Threads: one runtime may be used from several threads; kiln_frame and the state/swap part of
 *    kiln_load_plugin are serialised by a lock. The expensive part of a load (copy, dlopen, entry) runs
 *    outside it, so the game thread is blocked only for the swap. Never call libkiln from inside a plugin
 *    callback (it returns KILN_ERR_INVALID).
 *  - Images: kiln_load_plugin copies the image to work_dir/tmp/<name>-<pid>-<n>.so and dlopens the copy,
 *    so the build output can be overwritten at once. The current and the previous image stay open (the
 *    previous one is the crash rollback target); older ones are dlclosed and their copies removed.
 *  - State: each plugin's state lives in work_dir/state/<name>.state, a memory-mapped file (header: magic,
 *    state_size, state_version; then the bytes), so it survives reloads and runner restarts. A block is
 *    reused only with the same state_size AND state_version; otherwise migrate() converts it, or it is
 *    zeroed + init() and a warning is queued. A block of another layout is never silently reused.
 *  - Crashes: every plugin callback runs under a guard (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, stack
 *    overflow via an alternate signal stack). A crash in a frame restores that plugin's state to the
 *    start of its turn, rolls its code back to the previous good image (or pauses it when there is none,
 *    until a load succeeds), queues an error message and makes kiln_frame return KILN_ERR_CRASH.
 *    Faults outside guarded calls are chained to the handler installed before libkiln (e.g. V8's).
 *    A callback stuck in a loop is stopped by the watchdog (kiln_set_watchdog_ms) and handled the same way.
 *  - Layout changes: with a KILN_FIELD table in both versions, state is migrated by field name (kept, added
 *    zeroed, removed, type changed and converted: all listed in the message); otherwise migrate(); otherwise
 *    reset with a warning.
 *  - Errors: every failing call returns a negative kiln_result and sets kiln_last_error() to a sentence
 *    that says what went wrong and what to do.
 */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define KILN_API __declspec(dllexport)
#else
#define KILN_API __attribute__((visibility("default")))
#endif

typedef struct kiln_runtime kiln_runtime;

typedef enum kiln_result {
    KILN_OK = 0,
    KILN_ERR_INVALID = -1,   /* bad argument (NULL, bad name, size out of range, called from a callback) */
    KILN_ERR_COPY = -2,      /* could not copy the image to the temp folder (missing file? disk full?) */
    KILN_ERR_DLOPEN = -3,    /* dlopen failed: not a shared library, missing symbol, wrong architecture */
    KILN_ERR_NO_ENTRY = -4,  /* no kiln_plugin_entry symbol: the source lacks KILN_PLUGIN(...) */
    KILN_ERR_ABI = -5,       /* entry returned NULL or a kiln_plugin of another ABI version */
    KILN_ERR_STATE = -6,     /* the state file could not be created or mapped */
    KILN_ERR_CRASH = -7,     /* a plugin callback crashed (signal caught by the guard) */
    KILN_ERR_NOT_FOUND = -8, /* no plugin of that name is loaded */
    KILN_ERR_INCOMPLETE = -9 /* the image is truncated / half-written (the build is still writing it): not loaded */
} kiln_result;

typedef enum kiln_state_action {
    KILN_STATE_NEW = 0,      /* no state existed: zeroed + init() */
    KILN_STATE_KEPT = 1,     /* reload, same layout: same block, on_reload() */
    KILN_STATE_RESET = 2,    /* layout changed without a (working) migrate: zeroed + init(), warning queued */
    KILN_STATE_RESTORED = 3, /* first load in this runtime, state file of the same layout reused, no init() */
    KILN_STATE_MIGRATED = 4  /* layout changed and migrate() converted the old block */
} kiln_state_action;

/* work_dir: a writable folder (the project's .kiln/); libkiln puts temp image copies in work_dir/tmp and
   state files in work_dir/state (creates them). Returns NULL on failure (kiln_create_error() says why). */
KILN_API kiln_runtime *kiln_create(int32_t width, int32_t height, const char *work_dir);
KILN_API const char *kiln_create_error(void);
KILN_API void kiln_destroy(kiln_runtime *rt);            /* calls shutdown callbacks, dlcloses, removes temp copies */
KILN_API const char *kiln_last_error(const kiln_runtime *rt); /* human text for the last failure: what and what to do */

/* Load or reload plugin `name` ([A-Za-z0-9_-], at most 63 chars) from the image at `path`. Copies the image
   to a unique temp path, dlopens the copy (RTLD_NOW|RTLD_LOCAL), finds kiln_plugin_entry, calls it with the
   host table, validates the returned kiln_plugin (abi_version, non-NULL), then swaps the plugin's callback
   table with ONE __atomic_store_n(..., __ATOMIC_SEQ_CST) of a pointer to a host-owned copy of the callbacks.
   Returns the new version (1, 2, 3... per plugin, +1 on each successful load) or a negative kiln_result;
   on failure nothing changes: the old image, old callbacks, old state stay. */
KILN_API int32_t kiln_load_plugin(kiln_runtime *rt, const char *name, const char *path);
/* The same, labelling the image with the host's own version number (> 0; e.g. the editor's build
   versions, which outlive a runner restart) so crash messages and kiln_plugin_version speak the user's
   numbers. 0 means "count loads", as kiln_load_plugin does. Returns the version or a negative kiln_result. */
KILN_API int32_t kiln_load_plugin_version(kiln_runtime *rt, const char *name, const char *path, int32_t version);
/* kiln_load_plugin_version for a load on another thread than the frames: copies this load's own error
   text into error_out (empty on success), so a crash reported by a frame at the same moment cannot
   overwrite it the way it can overwrite kiln_last_error(). */
KILN_API int32_t kiln_load_plugin_report(kiln_runtime *rt, const char *name, const char *path, int32_t version,
                                         char *error_out, int32_t cap);
/* The last error set on the calling thread (by any runtime): after kiln_frame returns KILN_ERR_CRASH on the
   game thread, this is that crash's report even if a load on another thread failed meanwhile. */
KILN_API const char *kiln_thread_last_error(void);
KILN_API int32_t kiln_plugin_version(const kiln_runtime *rt, const char *name);   /* 0 if not loaded; after a crash rollback, the version running */
KILN_API int32_t kiln_last_state_action(const kiln_runtime *rt);                  /* kiln_state_action of the last successful load */
KILN_API int32_t kiln_reset_state(kiln_runtime *rt, const char *name);            /* zero + init again (restart with fresh state); unpauses */

/* One frame: for each plugin in load order call update(state, dt) then draw(state) into the RGBA framebuffer.
   Returns KILN_OK, or KILN_ERR_CRASH if a plugin callback crashed (see crash guard above). */
KILN_API int32_t kiln_frame(kiln_runtime *rt, double dt);
KILN_API uint64_t kiln_frame_count(const kiln_runtime *rt);
KILN_API int32_t kiln_width(const kiln_runtime *rt);
KILN_API int32_t kiln_height(const kiln_runtime *rt);
/* Copies the framebuffer (RGBA8, row-major, width*height*4 bytes; byte order R,G,B,A in memory) into out.
   Returns bytes copied or negative (KILN_ERR_INVALID if cap is too small). */
KILN_API int32_t kiln_copy_framebuffer(const kiln_runtime *rt, uint8_t *out, int32_t cap);
KILN_API void kiln_set_key(kiln_runtime *rt, int32_t key, int32_t down);   /* key codes: enum kiln_key in kiln.h */

/* Messages for the reload log (plugin log_info/log_warn, crash reports, state resets). Returns the message
   length and copies it NUL-terminated into buf (truncated to cap-1), sets *level (0 info, 1 warn, 2 error);
   returns -1 when none is queued. At most 256 messages are queued; older ones are dropped first. */
KILN_API int32_t kiln_poll_message(kiln_runtime *rt, char *buf, int32_t cap, int32_t *level);

/* --- additions beyond the runner's binding ------------------------------------------------------------ */
/* 1 if the plugin is paused (its first version crashed; waiting for a load that works), 0 if running,
   KILN_ERR_NOT_FOUND if not loaded. */
KILN_API int32_t kiln_plugin_paused(const kiln_runtime *rt, const char *name);
/* Reseed the host PRNG (xorshift32; 0 is replaced by a fixed non-zero seed). Default seed is fixed. */
KILN_API void kiln_set_seed(kiln_runtime *rt, uint32_t seed);
/* Timings of the last successful kiln_load_plugin, in seconds, for the reload log: copy of the image,
   dlopen + entry call, state + swap (the only part that holds the frame lock), and the total. */
typedef enum kiln_load_phase { KILN_PHASE_COPY = 0, KILN_PHASE_OPEN = 1, KILN_PHASE_SWAP = 2, KILN_PHASE_TOTAL = 3 } kiln_load_phase;
KILN_API double kiln_last_load_time(const kiln_runtime *rt, int32_t phase);
/* Game time in seconds: the sum of dt over all frames so far (what plugins see as time()). */
KILN_API double kiln_time(const kiln_runtime *rt);

/* Mouse position in framebuffer pixels (may be outside it) and the buttons held: bit 1 left, 2 right, 4 middle
   (MOUSE_LEFT/RIGHT/MIDDLE in kiln.h). Like kiln_set_key, a press or release between two frames is latched and
   seen by the next frame's mouse_pressed/mouse_released. Any thread. */
KILN_API void kiln_set_mouse(kiln_runtime *rt, int32_t x, int32_t y, int32_t buttons);

/* Snapshot of everything a replay needs: every plugin's state block (and its alloc() arena), the game clock and
   frame count, the PRNG state, and the input state (keys, mouse, latched presses/releases). Take it between
   frames. Returns the bytes written, or -(bytes needed) when cap is too small (call with buf NULL, cap 0 to size
   it), or a negative kiln_result (KILN_ERR_INVALID). Handmade-Hero-style loop recording: snapshot, record the
   kiln_set_key/kiln_set_mouse calls of each frame, then kiln_restore + replay them in a loop while the user edits:
   code reloads between iterations keep working because the state layout is checked on restore. */
KILN_API int32_t kiln_snapshot(kiln_runtime *rt, uint8_t *buf, int32_t cap);
/* Restores a kiln_snapshot. Refuses (KILN_ERR_STATE, nothing changed, kiln_last_error says which plugin and how)
   a snapshot whose plugins are not all loaded with the same state layout (size, version, field table), or a
   damaged one (KILN_ERR_INVALID). Paused plugins stay paused. */
KILN_API int32_t kiln_restore(kiln_runtime *rt, const uint8_t *buf, int32_t len);

/* Watchdog: a plugin callback running longer than `ms` (default 2000) is interrupted and treated as a crash
   (state restored to the start of the frame, rollback to the previous version or pause, message queued, the
   call returns KILN_ERR_CRASH). 0 disables it. Host functions plugins call that take locks (log, alloc) are
   never interrupted halfway: the stop waits for them to return. A plugin stuck inside a blocking system call
   or a libc lock of its own is interrupted too, but libc may be left locked: restart the runner if it hangs. */
KILN_API void kiln_set_watchdog_ms(kiln_runtime *rt, int32_t ms);
#define KILN_WATCHDOG_DEFAULT_MS 2000

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_H */
