/* runtime_internal.h — structures shared by runtime.c (loading, state, frames) and host.c (the kiln_host
   table plugins call). Not part of the public API. */
#ifndef KILN_RUNTIME_INTERNAL_H
#define KILN_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#define KILN_NO_SHORT_NAMES
#include "kiln.h"
#include "kiln_runtime.h"
#include "platform.h"
#include "image.h"
#include "project_path.h"
#include "world_store.h" /* KILN_NAME_MAX, KILN_FIELD_NAME, kiln_field_rec: the web host has them too */

#ifdef __MINGW32__
#define KILN_PRINTF_FMT __MINGW_PRINTF_FORMAT /* %zu etc. with __USE_MINGW_ANSI_STDIO */
#else
#define KILN_PRINTF_FMT printf
#endif

#define KILN_MAX_PLUGINS 32
#define KILN_PATH_MAX 4096
#define KILN_ERROR_MAX 1024
#define KILN_MSG_QUEUE 256
#define KILN_CRASH_QUEUE 32
#define KILN_IMAGE_MAGIC 0x4b494d47u /* "KIMG": a kiln_callbacks inside a kiln_image */

#define KILN_STATE_SIZE_MAX (64u << 20)
#define KILN_ARENA_SIZE ((size_t)64 << 20)   /* per plugin, sparse */
#define KILN_FIELDS_MAX 256

/* Host-owned copy of a plugin's kiln_plugin: the table the frame loop calls through. */
typedef struct kiln_callbacks {
    uint32_t state_size, state_version;
    kiln_field_rec *fields;           /* NULL: the plugin has no field table */
    uint32_t field_count;
    uint32_t layout_hash;             /* of the field table, 0 without one */
    void (*init)(void *state);
    void (*update)(void *state, float dt);
    void (*draw)(void *state);
    void (*on_reload)(void *state);
    int32_t (*migrate)(const void *old_state, uint32_t old_size, uint32_t old_version, void *new_state);
    void (*shutdown)(void *state);
} kiln_callbacks;

typedef struct kiln_image {
    kiln_loaded_image img;    /* handle + temp copy */
    int32_t version;
    int pinned;               /* a thread its code started may still run it: never dlclosed nor unmapped */
    kiln_host *host;          /* this image's own copy of the host table, on a read-only page */
    uint32_t magic;           /* KILN_IMAGE_MAGIC: kiln__image_of(cb) may trust the containing struct */
    kiln_callbacks cb;
    struct kiln_system_copy *sys; /* world.h: its KILN_SYSTEM, NULL for a plain plugin */
    void *world_before;       /* world.c: the world before this version migrated it (a crash puts it back) */
} kiln_image;

/* The image whose callback table `cb` is (every table the runtime calls through lives inside one). */
static inline kiln_image *kiln__image_of(const kiln_callbacks *cb) {
    kiln_image *im = cb ? (kiln_image *)(void *)((char *)cb - offsetof(kiln_image, cb)) : NULL;
    return im && im->magic == KILN_IMAGE_MAGIC ? im : NULL;
}

/* The state file: header then the plugin's bytes. */
typedef struct kiln_state_header {
    char magic[8];            /* "KILNSTAT" */
    uint32_t header_size;     /* sizeof(kiln_state_header) */
    uint32_t state_size;
    uint32_t state_version;
    uint32_t field_count;     /* kiln_field_rec records after the state bytes */
    uint32_t layout_hash;     /* kiln__layout_hash of those records */
    uint32_t reserved;
} kiln_state_header;

/* Host arena (arena.c). */
typedef struct kiln_arena {
    kiln_plat_map map;
    pthread_mutex_t m;
    char path[KILN_PATH_MAX];
    int in_txn;
    uint64_t *txn_allocs, *txn_frees;
    int n_allocs, cap_allocs, n_frees, cap_frees;
} kiln_arena;

typedef struct kiln_slot {
    char name[KILN_NAME_MAX];
    kiln_image *current, *previous;   /* heap; previous is the crash rollback target */
    kiln_callbacks *active;           /* what frames call; swapped with one atomic store */
    int32_t loads;                    /* successful loads so far (version numbers) */
    int paused;                       /* first version crashed: callbacks skipped */
    kiln_plat_map state_map;
    uint8_t *state;                   /* state_map.base + header */
    uint32_t state_size, state_version;
    uint8_t *snapshot;                /* state at the start of this plugin's turn */
    kiln_field_rec *fields;           /* layout of the current block (from its file or its plugin) */
    uint32_t field_count, layout_hash;
    kiln_arena *arena;                /* alloc()/free(); NULL until the first alloc */
    struct kiln_commit *commit;       /* commit.c: committed frames + checkpoints on disk; NULL until opened */
} kiln_slot;

/* Input as plugins see it. Written by kiln_set_key/kiln_set_mouse (any thread), latched per frame. */
typedef struct kiln_input {
    uint8_t keys[KEY_COUNT], press_latch[KEY_COUNT], release_latch[KEY_COUNT];
    uint8_t pressed[KEY_COUNT], released[KEY_COUNT];     /* this frame's edges */
    int32_t mouse_x, mouse_y;
    uint32_t buttons, button_press_latch, button_release_latch, buttons_pressed, buttons_released;
    /* gamepads: bit i of a mask is button i (enum kiln_pad_button) */
    uint8_t pad_connected[KILN_PAD_COUNT];
    uint32_t pad_buttons[KILN_PAD_COUNT], pad_press_latch[KILN_PAD_COUNT], pad_release_latch[KILN_PAD_COUNT];
    uint32_t pad_pressed[KILN_PAD_COUNT], pad_released[KILN_PAD_COUNT];
    float pad_axes[KILN_PAD_COUNT][PAD_AXIS_COUNT];
} kiln_input;

typedef struct kiln_message {
    char *text;
    int32_t level;
    int32_t stream;                   /* kiln_log_stream */
    char plugin[KILN_NAME_MAX];       /* "" for the runtime's own messages */
} kiln_message;

struct kiln_runtime {
    int32_t width, height;
    uint8_t *fb;                      /* RGBA8 */
    char work_dir[KILN_PATH_MAX], tmp_dir[KILN_PATH_MAX], state_dir[KILN_PATH_MAX];
    pthread_mutex_t lock;             /* frames vs. state/swap part of loads */
    kiln_slot *slots[KILN_MAX_PLUGINS];
    int nslots;
    int32_t last_state_action;
    double load_time[4];              /* kiln_load_phase */
    uint64_t frame_count;
    kiln_frame_timing last_frame;     /* kiln_last_frame_timing: written by kiln_frame on the game thread */
    int frame_cpu_timing;             /* kiln_set_frame_cpu_timing */
    double time;
    uint32_t rng;
    kiln_input in;
    kiln_plat_watchdog *watchdog;
    kiln_host host;
    char last_error[KILN_ERROR_MAX];

    pthread_mutex_t msg_lock;         /* also guards the crash queue */
    kiln_message msgs[KILN_MSG_QUEUE];
    int msg_head, msg_count;
    kiln_crash crashes[KILN_CRASH_QUEUE];
    int crash_head, crash_count;

    kiln_plat_map hb_map;             /* kiln_set_heartbeat: the mapped kiln_heartbeat, or base NULL */
    kiln_heartbeat *hb;
    const kiln_slot *hb_slot;         /* whose name hb->plugin holds now */
    int threads;                      /* kiln_plat_thread_count() after the last check, -1 unknown */
    char last_ran[KILN_NAME_MAX];     /* the plugin whose code ran last, and its version: who replaced a handler */
    int32_t last_ran_version;
    struct kiln_history *history;     /* history.c: the ring of past frames; NULL while off */
    struct kiln_assets *assets;       /* assets.c: the image table; NULL until the first image or asset dir */
    struct kiln_world *world;         /* world.c: the entities systems share; NULL until a system loads */
    struct kiln_sound *sound;         /* sound.c: the sound table and the per-frame command queue */
    pthread_mutex_t project_lock;     /* project_root: set by the host, read by image and sound loads */
    char project_root[KILN_PATH_MAX]; /* project_files.c: the real path of the project folder; "" until set */
};

/* host.c */
uint32_t kiln__field_type_size(uint32_t type); /* bytes of one element of a KILN_FIELD type; 0: unknown */
void kiln__host_init(kiln_runtime *rt);                 /* fills rt->host */
void kiln__host_enter(kiln_runtime *rt, kiln_slot *slot); /* host calls on this thread go to rt (and slot's arena) */
void kiln__host_leave(void);
void kiln__queue_message(kiln_runtime *rt, int32_t level, const char *text, size_t len);
/* The same, naming the plugin the message is about (kiln_poll_log's `plugin`); plugin NULL or "" for the runtime. */
void kiln__queue_message_from(kiln_runtime *rt, const char *plugin, int32_t level, const char *text, size_t len);
void kiln__queue_messagef_from(kiln_runtime *rt, const char *plugin, int32_t level, const char *fmt, ...)
    __attribute__((format(KILN_PRINTF_FMT, 4, 5)));
void kiln__queue_crash(kiln_runtime *rt, const kiln_crash *c);
void kiln__queue_messagef(kiln_runtime *rt, int32_t level, const char *fmt, ...)
    __attribute__((format(KILN_PRINTF_FMT, 3, 4)));

void kiln__set_error(kiln_runtime *rt, const char *fmt, ...) __attribute__((format(KILN_PRINTF_FMT, 2, 3)));

/* host.c: the runtime and plugin of the callback running on this thread (NULL outside callbacks) */
kiln_runtime *kiln__host_runtime(void);
kiln_slot *kiln__host_slot(void);

/* project_files.c: the project folder images and sounds are read from (kiln_set_project_dir); the path rule is
   project_path.h */
/* Reads the first `cap` bytes of project file `rel` (canonical) into a malloc'd *data (*got of them; *size = the
   whole file), if it is a regular file inside the project folder of at most `max` bytes. 0, or -1 with err. */
int kiln__project_read(kiln_runtime *rt, const char *rel, size_t cap, uint64_t max, uint8_t **data, size_t *got,
                       uint64_t *size, char err[KILN_PLAT_ERR]);

/* assets.c */
void kiln__assets_host_init(kiln_host *h);  /* image_load, draw_sprite, ... */
void kiln__assets_free(kiln_runtime *rt);
void kiln__assets_project_set(kiln_runtime *rt); /* the folder changed: decode again, take back images.list */

/* arena.c */
enum { KILN_ARENA_OPENED = 0, KILN_ARENA_NONE = 1, KILN_ARENA_MOVED = 2 };
enum { KILN_TXN_COMMIT = 0, KILN_TXN_ABORT = 1, KILN_TXN_KEEP_ONLY_NEW = 2 };
int kiln__arena_open(const char *path, int create, kiln_arena **out, char *why, size_t why_len);
void kiln__arena_close(kiln_arena *a);
void *kiln__arena_alloc(kiln_arena *a, size_t n);
int kiln__arena_free(kiln_arena *a, void *p);          /* -1: not a live block of this arena */
void kiln__arena_begin(kiln_arena *a);
void kiln__arena_end(kiln_arena *a, int outcome);
uint64_t kiln__arena_used(kiln_arena *a);               /* bytes a snapshot needs */
uint64_t kiln__arena_live(kiln_arena *a);
const void *kiln__arena_base(kiln_arena *a);
int kiln__arena_restore(kiln_arena *a, const void *bytes, uint64_t len);
void kiln__arena_wipe(kiln_arena *a);

/* runtime.c: guarded plugin calls */
/* The first seven match kiln_callback's values (KILN_CB_INIT..KILN_CB_ENTRY); CALL_DLOPEN/CALL_DLCLOSE are
   KILN_CB_CONSTRUCTOR/KILN_CB_DESTRUCTOR. */
typedef enum call_kind { CALL_INIT, CALL_UPDATE, CALL_DRAW, CALL_ON_RELOAD, CALL_MIGRATE, CALL_SHUTDOWN, CALL_ENTRY,
                         CALL_DLOPEN, CALL_DLCLOSE } call_kind;
extern const char *const kiln__call_names[];
/* cb must be an image's own table (&image->cb): the call's version and the image to pin are found from it. */
int kiln__call(kiln_runtime *rt, kiln_slot *slot, call_kind kind, const kiln_callbacks *cb, void *state, float dt,
               int arena_outcome_on_success);
int kiln__call_migrate(kiln_runtime *rt, kiln_slot *slot, const kiln_callbacks *cb, void *fresh, const void *old,
                       uint32_t old_size, uint32_t old_version, int32_t *result);
/* "crashed with SIGSEGV (...)" or "was stopped by the watchdog after N ms (an endless loop?)" */
void kiln__describe_fault(const kiln_runtime *rt, int sig, char *out, size_t len);

/* runtime.c: one frame's calls with the input already latched, under rt->lock (kiln_frame, history replays);
   and a draw of the current state with the current code, no time passing (a scrubbed frame after a reload).
   Both return 1 if a callback crashed (rolled back as in kiln_frame). */
int kiln__frame_locked(kiln_runtime *rt, double dt);
int kiln__redraw_locked(kiln_runtime *rt);

/* history.c: hooks of the frame loop (under rt->lock) */
void kiln__history_frame_begin(kiln_runtime *rt);        /* before the calls: the frame's input */
void kiln__history_frame_end(kiln_runtime *rt, double dt); /* after: the frame's state is kept */
void kiln__history_free(kiln_runtime *rt);

/* snapshot.c's format version (history.c's ring file names it too) */
#define KILN_SNAP_VERSION 1u
/* snapshot.c: kiln_snapshot / kiln_restore with rt->lock already held (history.c) */
int64_t kiln__snapshot_locked(kiln_runtime *rt, uint8_t *buf, uint64_t cap); /* bytes written, or -(bytes needed) */
int32_t kiln__restore_locked(kiln_runtime *rt, const uint8_t *buf, uint64_t len);

/* sound.c */
typedef struct kiln_sound kiln_sound;
int kiln__sound_init(kiln_runtime *rt);   /* 0, or -1 out of memory */
void kiln__sound_free(kiln_runtime *rt);
void kiln__sound_project_set(kiln_runtime *rt); /* the folder is set: take back sounds.list */
int32_t kiln__sound_load(kiln_runtime *rt, const char *plugin, const char *path);
void kiln__sound_request(kiln_runtime *rt, const char *plugin, kiln_sound_command cmd);

/* state.c */
/* restore_before > 0: start from the checkpoint pinned before that version was swapped in (commit.c), if any. */
int32_t kiln__state_prepare(kiln_runtime *rt, kiln_slot *slot, const kiln_callbacks *cb, int32_t restore_before, int32_t *action, char *note,
                            size_t note_len);
uint32_t kiln__layout_hash(const kiln_field_rec *f, uint32_t n);
/* Validates and copies a plugin's field table into cb. 0, or -1 with rt->last_error set. */
int kiln__copy_fields(kiln_runtime *rt, const char *name, const kiln_plugin *desc, kiln_callbacks *cb);
void kiln__slot_free(kiln_slot *s);

#endif
