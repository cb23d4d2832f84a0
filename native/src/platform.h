/*
 * platform.h — the seam between libkiln and the operating system (files, images, time, crash guard).
 * platform_posix.c implements it for Linux/macOS; platform_win32.c will implement it for Windows.
 * Functions return 0 on success and a negative errno-style value (or -1) on failure unless noted;
 * on failure they fill `err` (when given) with a short reason.
 */
#ifndef KILN_PLATFORM_H
#define KILN_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#define KILN_PLAT_ERR 512 /* size of reason buffers */

/* --- files ------------------------------------------------------------------------------------------ */
int kiln_plat_mkdirs(const char *path, char err[KILN_PLAT_ERR]);          /* mkdir -p */
int kiln_plat_copy_file(const char *src, const char *dst, char err[KILN_PLAT_ERR]); /* dst must not exist */
int kiln_plat_remove(const char *path);
int kiln_plat_exists(const char *path);                                      /* 1 yes, 0 no */
/* Writes `a` then `b` to `path` through a temp file + rename, so readers see the old or the new file. */
int kiln_plat_write_file_atomic(const char *path, const void *a, size_t a_len, const void *b, size_t b_len,
                                char err[KILN_PLAT_ERR]);
int32_t kiln_plat_pid(void);
/* Removes `<dir>/<name>-<pid>-<n>.so` temp copies whose <pid> process no longer exists (left by a killed runner),
   and on Windows `*.old` state files that were moved aside while mapped. */
void kiln_plat_remove_stale_copies(const char *dir);
/* Number of open file descriptors of this process (for tests and leak checks), -1 if unknown. */
int kiln_plat_open_fds(void);

/* Creates `path` if needed and grows it to at least `size` bytes with the disk space allocated (posix_fallocate;
   SetEndOfFile on Windows), so stores through a mapping of it cannot meet a full disk later. Fast: no zeros are
   written where the file system can allocate without them. (commit.c's slot files.) */
int kiln_plat_file_reserve(const char *path, uint64_t size, char err[KILN_PLAT_ERR]);

/* --- files of the project (project_files.c: images and sounds) ---------------------------------------------------
 * Opens `rel` (relative, canonical: the caller checks) under the folder `root` (from kiln_plat_real_dir) for
   reading, only when what it names, every link followed, is a regular file inside root: never a FIFO (the open
   does not wait for a writer), a device, a folder or a link out of the folder. 0 and *f (its size set), or negative
   (-ENOENT: missing) with err saying why. (platform_posix_assets.c, platform_win32_assets.c) */
typedef struct kiln_plat_file {
    intptr_t handle;                  /* fd / HANDLE */
    uint64_t size;
} kiln_plat_file;
int kiln_plat_open_inside(const char *root, const char *rel, kiln_plat_file *f, char err[KILN_PLAT_ERR]);
/* Reads the next `cap` bytes (fewer at the end of the file): how many, or -1. */
int64_t kiln_plat_file_read(kiln_plat_file *f, void *buf, size_t cap);
void kiln_plat_file_close(kiln_plat_file *f);
/* The real path of an existing folder (links resolved) into out; 0 or negative with err set. */
int kiln_plat_real_dir(const char *dir, char *out, size_t cap, char err[KILN_PLAT_ERR]);

/* --- shared memory-mapped files (state blocks) ------------------------------------------------------- */
typedef struct kiln_plat_map {
    void *base;
    size_t size;
} kiln_plat_map;
/* Maps the whole existing file read/write, shared. */
int kiln_plat_map_file(const char *path, kiln_plat_map *map, char err[KILN_PLAT_ERR]);
void kiln_plat_unmap(kiln_plat_map *map);   /* flushes (async) and unmaps */

/* --- dynamic libraries --------------------------------------------------------------------------------- */
void *kiln_plat_lib_open(const char *path, char err[KILN_PLAT_ERR]); /* RTLD_NOW|RTLD_LOCAL */
void *kiln_plat_lib_symbol(void *lib, const char *name);
void kiln_plat_lib_close(void *lib);

/* --- time ---------------------------------------------------------------------------------------------- */
double kiln_plat_now(void); /* monotonic seconds */
/* CPU seconds the calling thread has run (user + system), -1 where unknown (Windows: its thread times move in
   15.6 ms clock ticks, too coarse for one frame). */
double kiln_plat_thread_cpu(void);

/* --- crash guard ----------------------------------------------------------------------------------------- */
typedef void (*kiln_plat_guarded_fn)(void *ctx);
/* Installs the process-wide fault handlers (reference counted; the previous handlers are saved and
   faults outside guarded calls are chained to them). */
int kiln_plat_guard_install(char err[KILN_PLAT_ERR]);
void kiln_plat_guard_uninstall(void);
/* Runs fn(ctx). Returns 0 if it returned, or the signal number that interrupted it (the call was
   abandoned with siglongjmp). Nested guarded calls are allowed. */
int kiln_plat_guarded_call(kiln_plat_guarded_fn fn, void *ctx);
int kiln_plat_in_guarded_call(void);   /* 1 if this thread is inside a guarded call */
const char *kiln_plat_signal_name(int sig); /* "SIGSEGV (segmentation fault)" ... */
/* The fault address of the last fault a guarded call on this thread returned (si_addr; Windows: the address an
   access violation touched, else the faulting instruction), 0 for abort() and watchdog stops. */
uint64_t kiln_plat_fault_address(void);
/* Makes sure the fault handlers (and the watchdog's) are libkiln's, whatever plugin code did to them since the last
   check: a replaced one is put back (never chained to: faults outside guarded calls still go to the handler that
   was there before libkiln). Returns how many were replaced and puts the first one's signal in *first_sig. */
int kiln_plat_guard_check(int *first_sig);
/* Where the last fault or watchdog stop of a guarded call on this thread happened, from the signal's context: the
   pc, a frame-pointer walk (bounded by the stack between the faulting sp and the guard's own frame) and a copy of
   the top of the stack, for a scan when the frame pointers lead nowhere (a fault inside libc). */
#define KILN_PLAT_SITE_FRAMES 16
#define KILN_PLAT_SITE_WORDS 256
typedef struct kiln_plat_site {
    int valid;
    int32_t access;            /* kiln_access */
    int stack_overflow;        /* the fault address lies at the stack's end */
    int depth;                 /* frames[0] = pc, then the walked return addresses */
    uint64_t frames[KILN_PLAT_SITE_FRAMES];
    int nwords;                /* words[0] = the word at sp, then upwards */
    uint64_t words[KILN_PLAT_SITE_WORDS];
} kiln_plat_site;
/* This thread's last capture (valid 0: none); reading it clears it. */
void kiln_plat_fault_site(kiln_plat_site *out);
/* A library `lib`'s own dlopen brought in from `dir` (the folder its image was built in): a split build's other
   units, which the image names as a needed library. Call right after the open (later opens follow it in the
   loader's list). Writes its path as loaded into out; returns 0, or -1 if there is none (always -1 on Windows). */
int kiln_plat_lib_companion(void *lib, const char *dir, char *out, size_t cap);
/* The loaded image containing addr: its path (as loaded) and load base. Returns 0, or -1 if none. */
int kiln_plat_addr_image(uint64_t addr, char *path, size_t cap, uint64_t *base);
/* Threads of this process now (Linux: link count of /proc/self/task, one stat), -1 where unknown (Windows). */
int kiln_plat_thread_count(void);

/* --- read-only pages (each image's own copy of the host table) -------------------------------------------- */
void *kiln_plat_pages_alloc(size_t size);          /* zeroed, read/write; NULL on failure */
int kiln_plat_pages_protect_ro(void *p, size_t size);
int kiln_plat_pages_protect_rw(void *p, size_t size); /* writable again for a moment (kiln_resize's new size) */
void kiln_plat_pages_free(void *p, size_t size);
/* Creates (or truncates) `path` to `size` zeroed bytes and maps it shared read/write anywhere (heartbeat file). */
int kiln_plat_map_new_file(const char *path, size_t size, kiln_plat_map *map, char err[KILN_PLAT_ERR]);

/* --- watchdog -------------------------------------------------------------------------------------------------
 * A thread that interrupts guarded calls running longer than a limit. On POSIX it sends a real-time signal
 * (KILN_PLAT_WATCHDOG_SIGNAL) to the stuck thread, whose handler leaves the call through the guard; the call
 * then returns KILN_PLAT_TIMEOUT instead of a signal number. Host code a plugin calls into that takes locks or
 * allocates brackets itself with kiln_plat_defer_begin/end: an interruption arriving there is held back until
 * the end of the bracket, so no lock is ever abandoned by the jump. */
#define KILN_PLAT_TIMEOUT 1000
typedef struct kiln_plat_watchdog kiln_plat_watchdog;
kiln_plat_watchdog *kiln_plat_watchdog_create(char err[KILN_PLAT_ERR]);
void kiln_plat_watchdog_set_limit(kiln_plat_watchdog *wd, int32_t ms);   /* 0 disables; starts/stops the thread */
int32_t kiln_plat_watchdog_limit(const kiln_plat_watchdog *wd);
void kiln_plat_watchdog_destroy(kiln_plat_watchdog *wd);
/* kiln_plat_guarded_call under the watchdog `wd` (NULL: unwatched). */
int kiln_plat_guarded_call_watched(kiln_plat_watchdog *wd, kiln_plat_guarded_fn fn, void *ctx);
/* The same, stopped only after max(the limit, min_ms): for the dynamic loader's work (dlopen/dlclose), which may be
   slow on a busy machine and which a stop leaves broken for the whole process. */
int kiln_plat_guarded_call_watched_min(kiln_plat_watchdog *wd, int32_t min_ms, kiln_plat_guarded_fn fn, void *ctx);
void kiln_plat_defer_begin(void);
void kiln_plat_defer_end(void);

/* --- image sanity ----------------------------------------------------------------------------------------------
 * Checks that the file at `path` is a complete shared library for this platform (ELF / PE headers, and every
 * section and segment the headers describe lies inside the file). 0: complete; KILN_PLAT_IMG_FOREIGN: not an
 * image at all (let the loader report it); KILN_PLAT_IMG_TRUNCATED: an image that is cut short (a build still
 * writing it, or a crashed one). */
#define KILN_PLAT_IMG_FOREIGN 1
#define KILN_PLAT_IMG_TRUNCATED 2
int kiln_plat_image_check(const char *path, char err[KILN_PLAT_ERR]);
/* Identity of a file's current contents (size, modification time, file id): equal stamps = same file. 0 or -1. */
int kiln_plat_file_stamp(const char *path, uint64_t stamp[3]);
/* Extension of shared libraries (".so", ".dll") and the temp folder of the system ($TMPDIR or /tmp). */
const char *kiln_plat_lib_ext(void);
const char *kiln_plat_temp_dir(void);

/* --- mapping at a fixed address (host arenas) ---------------------------------------------------------------
 * Maps `size` bytes of the file at `path` (created and grown sparse if needed) shared, read/write, at exactly
 * `addr` if addr != 0 and that range is free, else returns -EEXIST; with addr == 0 tries a few addresses in a
 * region programs do not normally use, then anywhere. */
int kiln_plat_map_file_at(const char *path, size_t size, void *addr, kiln_plat_map *map, char err[KILN_PLAT_ERR]);

/* --- folder watcher (hot_reload.c) -----------------------------------------------------------------------------
 * A thread that calls on_change(user) when `file` in `dir` is finished being written (Linux: inotify
 * IN_CLOSE_WRITE, or IN_MOVED_TO for an atomic rename; Windows: ReadDirectoryChangesW, last write / rename).
 * Bursts of events are coalesced into one call. on_change returns 0 when done, or N > 0 to be called again in N
 * ms if nothing else happens (an image that was still incomplete); a new event calls it at once. */
typedef struct kiln_plat_watch kiln_plat_watch;
typedef int (*kiln_plat_watch_fn)(void *user);
kiln_plat_watch *kiln_plat_watch_start(const char *dir, const char *file, kiln_plat_watch_fn on_change, void *user,
                                       char err[KILN_PLAT_ERR]);
void kiln_plat_watch_stop(kiln_plat_watch *w);   /* joins the thread; on_change is not running afterwards */

/* --- threads, for hot_reload.c ------------------------------------------------------------------------------- */
void kiln_plat_yield(void);
void kiln_plat_sleep_ms(int32_t ms);

#endif
