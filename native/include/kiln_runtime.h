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
 *    with the value init() gives it on a scratch block, removed, type changed and converted: all listed in the
 *    message); otherwise migrate(); otherwise
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
/* How the last kiln_frame spent its time, for a host that times its frames: the whole call, its wait for the frame
   lock (held by a load's swap, a state read, a reset: the time a reload blocks the game), and the calling thread's
   CPU time in the call. The wall time minus the other two is time the thread was runnable but off the CPU
   (preempted: a compiler on the same cores). Call it on the thread that calls kiln_frame. Returns KILN_OK, or
   KILN_ERR_INVALID (no frame yet, or NULL arguments). */
typedef struct kiln_frame_timing {
    uint64_t frame;     /* kiln_frame_count after that frame */
    double wall_s;      /* the call, lock wait included */
    double lock_wait_s; /* 0 when the lock was free */
    double cpu_s;       /* the thread's CPU time in the call (user + system); -1 unless kiln_set_frame_cpu_timing
                           turned it on, and where the platform has no per-thread clock (Windows) */
} kiln_frame_timing;
KILN_API int32_t kiln_last_frame_timing(const kiln_runtime *rt, kiln_frame_timing *out);
/* on 1: kiln_frame also reads the calling thread's CPU clock on entry and exit, for kiln_frame_timing.cpu_s. Off by
   default: each read is a system call (2 µs each on the 2-core VM, +3.5 µs on a 26 µs no-op frame). */
KILN_API void kiln_set_frame_cpu_timing(kiln_runtime *rt, int32_t on);
KILN_API int32_t kiln_width(const kiln_runtime *rt);
KILN_API int32_t kiln_height(const kiln_runtime *rt);
/* Copies the framebuffer (RGBA8, row-major, width*height*4 bytes; byte order R,G,B,A in memory) into out.
   Returns bytes copied or negative (KILN_ERR_INVALID if cap is too small). */
KILN_API int32_t kiln_copy_framebuffer(const kiln_runtime *rt, uint8_t *out, int32_t cap);
KILN_API void kiln_set_key(kiln_runtime *rt, int32_t key, int32_t down);   /* key codes: enum kiln_key in kiln.h */
/* A frame of n pixels (u32 each) as the ops that turn ref (NULL: none) into cur, the editor's frame stream format
   (electron/shared/frame-codec.ts, encodeFrameOps: the same ops): each op word a kind in its top 2 bits (0 SKIP
   count pixels as in ref, 1 RUN count pixels of the colour in the next word, 2 LIT count pixels, the next count
   words) and a count in the rest. Writes at most n + 1 words to out; returns the words written, or
   KILN_ERR_INVALID (cap < n + 2, n < 1 or n >= 2^30). Reads no runtime: any thread. */
KILN_API int32_t kiln_frame_ops(const uint32_t *ref, const uint32_t *cur, int32_t n, uint32_t *out, int32_t cap);

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
/* (dlopen and dlclose of an image, i.e. its constructors and destructors, are stopped only after max(2 x ms, 2000):
   the loader may be slow on a busy machine, and one stopped halfway is broken for the process.) */
#define KILN_WATCHDOG_DEFAULT_MS 2000


/* --- typed records (one record from libkiln to the screen) --------------------------------------------------
 * A load's result and a crash are structs, never sentences to parse: the runner passes their fields on as they
 * are. `text` / `error` is the same fact for humans (also queued for the reload log). */

/* Which plugin code was running when a fault happened. */
typedef enum kiln_callback {
    KILN_CB_INIT = 0, KILN_CB_UPDATE = 1, KILN_CB_DRAW = 2, KILN_CB_ON_RELOAD = 3, KILN_CB_MIGRATE = 4,
    KILN_CB_SHUTDOWN = 5,
    KILN_CB_ENTRY = 6,       /* kiln_plugin_entry(), or reading what it returned (wild pointers, field table) */
    KILN_CB_CONSTRUCTOR = 7, /* dlopen: the image's constructors / the dynamic loader */
    KILN_CB_DESTRUCTOR = 8   /* dlclose of a retired image: its destructors */
} kiln_callback;

typedef enum kiln_fault_kind {
    KILN_FAULT_NONE = 0,
    KILN_FAULT_SIGNAL = 1,   /* a fault signal caught by the guard: `signal` and `address` are set */
    KILN_FAULT_WATCHDOG = 2, /* stopped by the watchdog after `watchdog_ms` */
    KILN_FAULT_THREAD = 3    /* the plugin left a thread running (reported, never unmapped) */
} kiln_fault_kind;

/* Where it crashed: what the faulting instruction did (x86-64 page-fault error code; Windows: the access
   violation's first parameter). */
typedef enum kiln_access {
    KILN_ACCESS_UNKNOWN = 0,
    KILN_ACCESS_READ = 1,
    KILN_ACCESS_WRITE = 2,
    KILN_ACCESS_EXECUTE = 3
} kiln_access;

#define KILN_CRASH_STACK_MAX 16
#define KILN_CRASH_IMAGES 4
/* One stack entry: an absolute address and where it lies in a loaded image. */
typedef struct kiln_crash_frame {
    uint64_t address;
    uint64_t offset;          /* address - the image's load base (what addr2line takes), 0 if image < 0 */
    int32_t image;            /* index in kiln_crash.images, -1: in no loaded image (or more images than fit) */
    int32_t in_plugin;        /* 1: in the crashed plugin's own image; 2: in the library of its other units that a
                                 split build linked the image against (loaded as is from the build folder); 0: neither */
} kiln_crash_frame;

typedef struct kiln_crash {
    char plugin[64];
    int32_t callback;         /* kiln_callback */
    int32_t kind;             /* kiln_fault_kind */
    int32_t signal;           /* POSIX number (SIGSEGV 11, SIGBUS 7, SIGILL 4, SIGFPE 8, SIGABRT 6); Windows maps to these */
    int32_t crashed_version;  /* the version whose code faulted */
    int32_t running_version;  /* the version that runs now; 0: the plugin is paused (nothing to roll back to) */
    int32_t watchdog_ms;      /* the limit, for KILN_FAULT_WATCHDOG */
    uint64_t address;         /* the fault address (si_addr), 0 if none */
    uint64_t frame;           /* kiln_frame_count() when it happened */
    char text[512];           /* one sentence for humans */
    /* --- where it crashed (guard faults and watchdog stops; zero / empty for the others) --- */
    uint64_t pc;              /* the faulting (or, for a watchdog stop, the interrupted) instruction */
    int32_t access;           /* kiln_access, for SIGSEGV / SIGBUS */
    int32_t stack_overflow;   /* 1: the fault address is at the end of the thread's stack */
    int32_t depth;            /* entries used in stack[] */
    int32_t plugin_frame;     /* index in stack[] of the first entry in the crashed plugin's code (in_plugin != 0), -1: none */
    kiln_crash_frame stack[KILN_CRASH_STACK_MAX]; /* [0] is the pc, then return addresses, innermost first */
    char images[KILN_CRASH_IMAGES][256]; /* paths of the images stack[].image names (as loaded: the temp copy) */
} kiln_crash;

/* Crash records, oldest first (a queue of 32; older ones are dropped first). Returns 0 and fills *out, or -1
   when none is queued. Every crash the frames, loads (entry, constructors) and unloads (destructors) meet is
   queued here; kiln_frame returning KILN_ERR_CRASH means at least one was. Any thread.
   A frame's record is polled after its rollback: running_version is what runs now. KILN_FAULT_THREAD records are
   facts, not rollbacks: that version keeps running and its image stays mapped for the life of the process.
   A destructor record may come from a load that succeeded (its needs_restart is 1). */
KILN_API int32_t kiln_poll_crash(kiln_runtime *rt, kiln_crash *out);

typedef struct kiln_load_desc {
    const char *name;          /* [A-Za-z0-9_-], at most 63 chars */
    const char *path;          /* the image the build produced */
    int32_t version;           /* the host's version label (> 0), 0: count loads */
    /* > 0: a rollback after version `restore_before` of this plugin killed or hung the runner: start from the
       state committed just before that version was swapped in, instead of the last committed frame. */
    int32_t restore_before;
} kiln_load_desc;

typedef struct kiln_load_result {
    int32_t code;              /* KILN_OK (0) or a negative kiln_result */
    int32_t version;           /* the version now running (on success) */
    int32_t state_action;      /* kiln_state_action (on success) */
    int32_t needs_restart;     /* 1: a constructor/destructor faulted or hung inside the dynamic loader, which may
                                  be left locked: replace this process (restart the runner) soon */
    double copy_s, open_s, swap_s, total_s; /* phase times in seconds (kiln_load_phase) */
    kiln_crash crash;          /* when the load failed by a fault (entry, constructors): kind != KILN_FAULT_NONE */
    char error[1024];          /* empty on success; what went wrong and what to do */
} kiln_load_result;

/* kiln_load_plugin_version with a desc and a result of its own (thread-safe: each call fills its own *out).
   Returns out->code. */
KILN_API int32_t kiln_load(kiln_runtime *rt, const kiln_load_desc *desc, kiln_load_result *out);

/* Messages for the reload log as records: the plugin a message belongs to (empty for the runtime's own), its
   level (0 info, 1 warn, 2 error) and text. Returns 0 and fills *out, or -1 when none is queued. Same queue as
   kiln_poll_message (use one or the other). */
typedef struct kiln_log_message {
    int32_t level;
    int32_t stream;            /* kiln_log_stream: log_info()/the runtime, or a line the plugin printed */
    char plugin[64];
    char text[1024];
} kiln_log_message;
KILN_API int32_t kiln_poll_log(kiln_runtime *rt, kiln_log_message *out);

/* --- commits and checkpoints ---------------------------------------------------------------------------------
 * The state file of a plugin always holds a complete frame: a frame's state (and alloc() arena) is committed
 * only when every callback of that plugin in the frame returned; a runner killed mid-frame comes back on the
 * last committed frame, never a half-written one. Before each swap the committed state is kept as the
 * checkpoint of the incoming version (the newest few are kept), for kiln_load_desc.restore_before.
 * A shutdown() that crashes commits nothing. */

/* --- heartbeat (for the supervisor's hang detector) ------------------------------------------------------------
 * With a heartbeat file set, libkiln keeps this record in it (memory-mapped, updated at every guarded call's
 * entry and exit) so another process can tell a slow frame that makes progress from a stuck one. All numbers
 * little-endian, at these offsets; `calls` changes on every entry and exit. */
typedef struct kiln_heartbeat {
    char magic[8];             /* "KILNBEAT" */
    uint32_t pid;
    int32_t in_call;           /* 1 while a plugin callback runs */
    uint64_t calls;            /* entries + exits so far */
    double call_started;       /* CLOCK_MONOTONIC seconds at the entry of the running callback */
    int32_t watchdog_ms;       /* the limit in force */
    int32_t callback;          /* kiln_callback of the running one */
    int32_t version;           /* its plugin's version */
    int32_t reserved;
    char plugin[64];           /* its plugin's name */
    uint64_t frame;            /* kiln_frame_count() */
} kiln_heartbeat;
KILN_API int32_t kiln_set_heartbeat(kiln_runtime *rt, const char *path); /* KILN_OK or negative; NULL stops it */
/* (The calls it marks are those made under the frame lock: kiln_frame's, kiln_reset_state's, kiln_destroy's and a
   load's init/on_reload/migrate. A load's dlopen, entry and dlclose run on the loading thread, bounded by the
   watchdog, and do not touch it.) */

/* --- sandbox (process-wide, Linux; Windows: a job object) ---------------------------------------------------------
 * Call once in the runner process before any plugin runs. What it promises is in native/README.md. */
typedef struct kiln_sandbox_desc {
    int32_t no_new_processes;   /* fork/vfork/clone of a process and exec are refused (EPERM) */
    int32_t no_foreign_signals; /* signals to any other process, ptrace and process_vm_* are refused (EPERM) */
    uint64_t memory_limit;      /* bytes the process may map beyond what it has mapped now; 0: no limit */
} kiln_sandbox_desc;
/* KILN_OK, or negative with error_out saying what could not be done. Once only; it cannot be left. On Windows
   no_foreign_signals is not enforced: KILN_OK with error_out saying so. */
KILN_API int32_t kiln_sandbox_enter(const kiln_sandbox_desc *desc, char *error_out, int32_t cap);

/* --- history (the last seconds back: a ring of past frames for a timeline) ------------------------------------
 * With a budget set, every kiln_frame keeps the frame's input (keys, mouse, this frame's presses and releases) and
 * dt, and everything after it a replay needs (every plugin's state block and alloc() arena, game clock, PRNG,
 * frame count: a kiln_snapshot), delta-compressed against the frame before (XOR + run-length; a full frame again
 * when the deltas since the last full one add up to its size). The oldest frames go when the budget is used up.
 * Frame numbers are kiln_frame_count() while that frame ran (kiln_crash.frame uses the same numbers).
 *   seek(N): the game is put back to the end of frame N and drawn with the code loaded now (draw only).
 *   replay(M): from the frame shown now, frames N+1..M run again with their recorded input and dt and the code
 *     loaded now; their kept states are replaced. A plain kiln_frame after a seek drops the frames after it.
 * Off (budget 0) unless set: the runner sets it from kiln.json's history.memoryMb (default 64).
 * The frames live in work_dir/state/history.ring (budget-sized, shared mapping): turning history on in a runtime
 * on the same work_dir as one that died takes in the frames it completed; kiln_destroy / budget 0 remove the file. */
#define KILN_HISTORY_DEFAULT_BUDGET ((uint64_t)64 << 20)
typedef struct kiln_history_info {
    int32_t enabled;           /* 1: frames are being kept */
    int32_t scrubbed;          /* 1: the game shows a kept frame older than the newest (after a seek) */
    uint64_t first, last;      /* kept frames (their state), valid when frames > 0 */
    uint64_t cursor;           /* the frame the game shows now */
    uint64_t input_last;       /* newest frame with recorded input: replay can reach it (>= last after a seek) */
    uint32_t frames;           /* last - first + 1, or 0 */
    uint32_t keyframes;        /* of those, stored whole (the rest are deltas) */
    uint64_t bytes, budget;    /* memory in use / allowed */
    uint64_t raw_bytes;        /* what the kept frames would take uncompressed */
    double seconds;            /* game time the kept frames span (sum of their dt) */
    double record_us;          /* mean cost of keeping one frame, over the last 256 */
    /* frames taken in when history was turned on, left in work_dir/state/history.ring by a runtime that died (0:
       none); the dead one completed frame recovered_last and died in the frame after it */
    uint32_t recovered, reserved;
    uint64_t recovered_last;
} kiln_history_info;
/* 0 turns history off and frees it; a smaller budget drops the oldest frames at once. */
KILN_API int32_t kiln_history_set_budget(kiln_runtime *rt, uint64_t bytes);
KILN_API int32_t kiln_history_get(kiln_runtime *rt, kiln_history_info *out);
/* KILN_OK; KILN_ERR_NOT_FOUND (frame not kept); KILN_ERR_STATE (a plugin's state layout changed since that frame,
   or a plugin was loaded after it: nothing changed, kiln_last_error says which); KILN_ERR_CRASH (draw crashed and
   was rolled back, the state is that frame's). */
KILN_API int32_t kiln_history_seek(kiln_runtime *rt, uint64_t frame);
/* Draw the state as it is with the code loaded now, no time passing, no frame kept (after a reload while scrubbed). */
KILN_API int32_t kiln_history_redraw(kiln_runtime *rt);
/* Replay recorded input from the frame shown now up to frame `to` (clamped to input_last) with the code loaded now.
   Returns the frames run (0: nothing to replay), or a negative kiln_result. A crash in a replayed frame is rolled
   back as in kiln_frame (kiln_poll_crash) and the replay goes on. */
KILN_API int32_t kiln_history_replay(kiln_runtime *rt, uint64_t to);
/* delta < 0: seek back; delta > 0: seek forward through kept frames, then replay recorded input. KILN_ERR_NOT_FOUND
   past either end. */
KILN_API int32_t kiln_history_step(kiln_runtime *rt, int32_t delta);

/* --- state inspector ------------------------------------------------------------------------------------------
 * The editor's state inspector reads every plugin's state block (with its KILN_FIELD table) and writes single
 * fields. Both take the frame lock, so a read is one whole frame's state and a write lands between two frames.
 * A write is committed at once (like a frame), so a runner that dies right after comes back with the edit. */

/* How a plugin's state looks now. */
typedef struct kiln_state_info {
    char plugin[64];
    int32_t version;          /* the version running (0: none) */
    int32_t paused;           /* 1: its first version crashed, it waits for a load that works */
    uint32_t state_size;      /* bytes of the block */
    uint32_t state_version;
    uint32_t field_count;     /* records of its KILN_FIELD table; 0: it has none (show the bytes) */
    uint32_t layout_hash;     /* changes with the field table: a reader may cache names by it */
    uint64_t frame;           /* kiln_frame_count() when the bytes were copied */
} kiln_state_info;

/* One record of the field table (the same 64 bytes as in the state file). type: enum kiln_field_type in kiln.h. */
typedef struct kiln_state_field {
    char name[48];
    uint32_t type, offset, count, reserved;
} kiln_state_field;

/* Plugins loaded so far (paused ones included); kiln_state_read takes 0..count-1, in load order. */
KILN_API int32_t kiln_state_plugin_count(kiln_runtime *rt);
/* Plugin `index`: fills *info, copies its field table into fields (field_cap records) and its state bytes into
   bytes (byte_cap), all under the frame lock. KILN_OK; KILN_ERR_NOT_FOUND for an index past the last plugin;
   KILN_ERR_INVALID when field_cap or byte_cap is too small (only *info is filled: grow and call again). */
KILN_API int32_t kiln_state_read(kiln_runtime *rt, int32_t index, kiln_state_info *info, kiln_state_field *fields,
                                 int32_t field_cap, uint8_t *bytes, int32_t byte_cap);

/* A value to write: kind KILN_VALUE_INT uses i, KILN_VALUE_FLOAT uses f, KILN_VALUE_BOOL uses i (0 or 1). */
typedef enum kiln_value_kind { KILN_VALUE_INT = 0, KILN_VALUE_FLOAT = 1, KILN_VALUE_BOOL = 2 } kiln_value_kind;
typedef struct kiln_state_value {
    int32_t kind;
    int32_t reserved;
    int64_t i;
    double f;
} kiln_state_value;

typedef struct kiln_state_write_result {
    int32_t code;             /* KILN_OK or a negative kiln_result */
    uint32_t type;            /* the field's kiln_field_type (0 when refused before the field was found) */
    double old_value, new_value; /* as numbers (bool: 0/1; an i64 past 2^53 is rounded here, not in the block) */
    char error[512];          /* empty on success; why it was refused and what to do */
} kiln_state_write_result;

/* Sets element `index` of field `field` of plugin `plugin` to *value, between two frames, and commits the block.
   Refused, nothing changed (code KILN_ERR_NOT_FOUND or KILN_ERR_INVALID, error says why): an unknown plugin or field,
   an index past the field's count, a value that does not fit the type (1.5 for an i32, 300 for a u8, -1 for a u32,
   2 for a bool, a float past FLT_MAX for an f32), a plugin without a field table, a call from a callback. The change
   is queued for the log as "<plugin>.<field>[i]: <old> → <new> (inspector)". Returns out->code. */
KILN_API int32_t kiln_state_write(kiln_runtime *rt, const char *plugin, const char *field, uint32_t index,
                                  const kiln_state_value *value, kiln_state_write_result *out);

/* --- What it prints: plugins' stdout and stderr in the game log ----------------------------------------------------
 * kiln_capture_output() (process-wide, Linux/macOS) makes fd 1 and 2 pipes that libkiln reads: what a plugin prints
 * with printf/puts/write during a callback comes out of kiln_poll_log as records with `stream` set and `plugin` the
 * plugin whose callback ran; bytes printed outside callbacks come out untagged and also go to the original fd.
 * At most 32 lines per callback and 64 KiB per stream between two polls are kept; the rest is counted in one
 * "N lines of output dropped" warning, so a plugin printing megabytes per frame neither stalls nor grows memory.
 * original_stdout/original_stderr receive dups of the fds 1 and 2 had: the host's own output belongs there (the
 * runner points Node's process.stdout/stderr at them), or it would be read back as untagged game output. */
typedef enum kiln_log_stream { KILN_STREAM_LOG = 0, KILN_STREAM_STDOUT = 1, KILN_STREAM_STDERR = 2 } kiln_log_stream;
KILN_API int32_t kiln_capture_output(int32_t *original_stdout, int32_t *original_stderr); /* KILN_OK; Windows: KILN_ERR_INVALID */
KILN_API void kiln_release_output(void); /* fd 1 and 2 back as they were; what was not polled goes to them */


/* --- images, gamepads, live size (issue 13) -------------------------------------------------------------------------
 * Images: plugins call image_load("sprites.png") (kiln.h); the path is relative to the asset folder (the project
 * folder) and confined to it. Handles are indexes into one table per runtime, kept in work_dir/state/images.list, so
 * a restarted runtime gives the same handle to the same path before its first frame (plugin state keeps them).
 * A missing or broken file gets a checkered placeholder (magenta/black) and a log line; kiln_image_reload replaces
 * the pixels under the same handle when the file changes on disk. */
#define KILN_IMAGE_PATH_MAX 256
typedef struct kiln_image_info {
    int32_t handle;           /* >= 0; -1 when the path is not an image the game loaded */
    int32_t width, height;
    int32_t placeholder;      /* 1: the file is missing or broken and the placeholder is drawn (error says why) */
    uint32_t generation;      /* +1 on every reload of the file */
    int32_t reserved;
    double decode_s;          /* reading + decoding the file, seconds (the last load or reload) */
    char path[KILN_IMAGE_PATH_MAX]; /* as normalised: project-relative, '/' separators */
    char error[512];          /* empty when the file decoded */
} kiln_image_info;
/* Images are read from the project folder (kiln_set_project_dir, in the sound section below). */
/* The file at `path` changed on disk: decode it again and swap the pixels in between two frames, same handle.
   Fills *out (out->handle -1 and KILN_ERR_NOT_FOUND when the game never loaded that path). KILN_OK also when the
   file is broken: out->placeholder and out->error say so. Not from a plugin callback. */
KILN_API int32_t kiln_image_reload(kiln_runtime *rt, const char *path, kiln_image_info *out);
KILN_API int32_t kiln_image_count(kiln_runtime *rt);
/* KILN_OK and *out for a handle, KILN_ERR_NOT_FOUND for a bad one. */
KILN_API int32_t kiln_image_get(kiln_runtime *rt, int32_t handle, kiln_image_info *out);

/* Gamepad `pad` (0..KILN_PAD_COUNT-1) as the browser sees it now: connected, the buttons held (bit i = button i of
   the W3C "standard" mapping, PAD_A.. in kiln.h) and the four stick axes (-1..1). Presses and releases between two
   frames are latched like keys'. Recorded and replayed by the history. Any thread. */
KILN_API void kiln_set_pad(kiln_runtime *rt, int32_t pad, int32_t connected, uint32_t buttons, float lx, float ly, float rx,
                           float ry);

/* A new framebuffer size (kiln.json width/height changed): between two frames, cleared to black; plugins see the new
   kiln->width/height from the next frame on. KILN_OK, or KILN_ERR_INVALID (out of 1..8192: nothing changed). */
KILN_API int32_t kiln_resize(kiln_runtime *rt, int32_t width, int32_t height);
/* --- The world (issue 15): entities shared by system plugins ------------------------------------------------------
 * A plugin exporting KILN_SYSTEM(...) (kiln.h) opens the runtime's world: components registered by name with a field
 * table, entities with generational ids, queries. It is host-owned state (slot "@world": state/@world.state + .heap +
 * commit store), so it survives reloads and restarts, joins snapshots and the timeline, and a crashing system rolls
 * the whole world back to the start of its turn (or, for a version that migrated components, to before the
 * migration). Systems run by phase (SYSTEM_INPUT, UPDATE, PHYSICS, RENDER), then order, then load order.
 * These calls read and write between frames under the frame lock; none may be called from a plugin callback. */

/* One component migrated when its owner loaded with another layout (a typed record for the reload log). */
typedef struct kiln_world_migration {
    char component[48];
    char plugin[64];          /* its owner, whose load migrated it */
    int32_t version;          /* that plugin version */
    uint32_t entities;        /* components converted in the one pass */
    uint32_t kept, added, removed, converted; /* fields of each kind (added: set to the owner's defaults) */
    uint32_t old_size, new_size;
    double seconds;           /* the pass */
    char detail[464];         /* "kept x, y; added spin; removed none; converted hp (i32 -> f32)" */
} kiln_world_migration;
/* Pops the oldest migration record: 1, or 0 when there is none. */
KILN_API int32_t kiln_world_poll_migration(kiln_runtime *rt, kiln_world_migration *out);

typedef struct kiln_world_component_info {
    char name[48];
    char owner[64];           /* the plugin that declared it */
    int32_t id;
    uint32_t size, count, field_count; /* count: entities that have it */
} kiln_world_component_info;
/* Entities alive; components registered (ids 0..components-1). KILN_OK, *entities and *components filled (0 and
   0 when no system has opened a world). */
KILN_API int32_t kiln_world_stats(kiln_runtime *rt, uint32_t *entities, uint32_t *components);
/* Component `id`: *info and its field table (field_cap records). KILN_ERR_NOT_FOUND past the last;
   KILN_ERR_INVALID when field_cap is too small (only *info filled). */
KILN_API int32_t kiln_world_component(kiln_runtime *rt, int32_t id, kiln_world_component_info *info,
                                      kiln_state_field *fields, int32_t field_cap);
/* The ids of the entities having component `with` (-1: every entity), in index order from the first with index >=
   `from_index`, at most cap of them; returns how many match in all (>= what was copied). */
KILN_API int32_t kiln_world_entities(kiln_runtime *rt, int32_t with, uint32_t from_index, uint64_t *ids, int32_t cap);
/* Entity e's component `id` copied into bytes: its size, KILN_ERR_NOT_FOUND (stale id, or no such component on it),
   KILN_ERR_INVALID (cap too small). */
KILN_API int32_t kiln_world_read(kiln_runtime *rt, uint64_t entity, int32_t id, uint8_t *bytes, int32_t cap);
/* Like kiln_state_write, for field `field` of entity e's component `id`; committed at once, logged as
   "Position#12.x: 3 → 40 (inspector)". */
KILN_API int32_t kiln_world_write(kiln_runtime *rt, uint64_t entity, int32_t id, const char *field, uint32_t index,
                                  const kiln_state_value *value, kiln_state_write_result *out);
/* --- sound (sound.c): a table of sound files and a per-frame queue of sound commands ---------------------------
 * libkiln plays nothing: the editor does (Web Audio). Plugins load files (sound_load) and ask for sounds
 * (sound_play, music_play, music_stop, sfx_tone); each request is queued as a kiln_sound_command that the runner
 * drains after the frame with kiln_sound_poll and sends on with that frame. A file is checked when loaded: its
 * path is relative to the project folder and stays in it (no "..", no absolute path, no symlink out, a regular
 * file: no FIFO or device), and its header is a WAV (PCM or float) or an Ogg (Vorbis or Opus) one; a refused
 * file gets a handle < 0 and a log line naming the file and the reason. The same path always gets the same
 * handle, and the table is kept in work_dir/state/sounds.list, so handles kept in game state survive runner
 * restarts. Without kiln_set_project_dir every sound_load is refused. */
#define KILN_SOUND_MAX 256        /* files in the table */
#define KILN_SOUND_QUEUE 64       /* commands between two kiln_sound_poll calls; more are dropped and counted */
#define KILN_SOUND_PATH 256       /* bytes of a path (relative, '/'-separated) */
#define KILN_SOUND_FILE_MAX ((uint64_t)64 << 20) /* the editor decodes a file whole */
typedef enum kiln_sound_op {
    KILN_SOUND_PLAY = 1,          /* sound, volume, pan */
    KILN_SOUND_MUSIC = 2,         /* sound, volume: loops, replacing the music playing */
    KILN_SOUND_MUSIC_STOP = 3,
    KILN_SOUND_TONE = 4           /* hz, ms, wave (SFX_*), volume */
} kiln_sound_op;
typedef enum kiln_sound_format { KILN_SOUND_WAV = 1, KILN_SOUND_OGG = 2 } kiln_sound_format;
typedef struct kiln_sound_command {
    int32_t op;                   /* kiln_sound_op */
    int32_t sound;                /* handle (PLAY, MUSIC) */
    int32_t wave;                 /* TONE: SFX_SQUARE, SFX_TRIANGLE, SFX_SAW, SFX_NOISE */
    int32_t ms;                   /* TONE: 1..10000 */
    float volume;                 /* 0..1 */
    float pan;                    /* -1 left .. 1 right */
    float hz;                     /* TONE: 20..20000 */
    int32_t reserved;
    uint64_t frame;               /* kiln_frame_count() of the frame that asked */
} kiln_sound_command;
typedef struct kiln_sound_info {
    int32_t format;               /* kiln_sound_format */
    int32_t reserved;
    uint64_t bytes;               /* file size when it was loaded */
    char path[KILN_SOUND_PATH];   /* as the plugin wrote it, relative to the project folder */
} kiln_sound_info;
/* The project folder: the one folder image_load and sound_load paths are relative to and confined to (no "..",
   no absolute path, no link out, regular files only). Takes back the handles a previous runtime gave out
   (work_dir/state/images.list and sounds.list, in handle order) before any plugin asks. KILN_OK, or
   KILN_ERR_INVALID (not a folder; kiln_last_error says why). */
KILN_API int32_t kiln_set_project_dir(kiln_runtime *rt, const char *dir);
/* 0: sound requests are no-ops (headless runs); files are still checked and get handles. On by default. */
KILN_API void kiln_sound_set_enabled(kiln_runtime *rt, int32_t on);
/* What a plugin's sound_load does: a handle >= 0, or a negative kiln_result with the reason logged. */
KILN_API int32_t kiln_sound_load(kiln_runtime *rt, const char *path);
/* Moves up to cap queued commands (oldest first) to out; returns how many. *dropped (may be NULL) gets the number
   refused since the last poll because the queue was full. Any thread. */
KILN_API int32_t kiln_sound_poll(kiln_runtime *rt, kiln_sound_command *out, int32_t cap, uint32_t *dropped);
/* KILN_OK and *out, or KILN_ERR_NOT_FOUND for a handle that is not in the table. */
KILN_API int32_t kiln_sound_info_get(kiln_runtime *rt, int32_t sound, kiln_sound_info *out);

#ifdef __cplusplus
}
#endif
#endif /* KILN_RUNTIME_H */
