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

#define KILN_MAX_PLUGINS 32
#define KILN_NAME_MAX 64
#define KILN_PATH_MAX 4096
#define KILN_ERROR_MAX 1024
#define KILN_MSG_QUEUE 256

/* Host-owned copy of a plugin's kiln_plugin: the table the frame loop calls through. */
typedef struct kiln_callbacks {
    uint32_t state_size, state_version;
    void (*init)(void *state);
    void (*update)(void *state, float dt);
    void (*draw)(void *state);
    void (*on_reload)(void *state);
    int32_t (*migrate)(const void *old_state, uint32_t old_size, uint32_t old_version, void *new_state);
    void (*shutdown)(void *state);
} kiln_callbacks;

typedef struct kiln_image {
    void *lib;                /* NULL: slot unused */
    char temp_path[KILN_PATH_MAX];
    int32_t version;
    kiln_callbacks cb;
} kiln_image;

/* The state file: header then the plugin's bytes. */
typedef struct kiln_state_header {
    char magic[8];            /* "KILNSTAT" */
    uint32_t header_size;     /* sizeof(kiln_state_header) */
    uint32_t state_size;
    uint32_t state_version;
    uint32_t reserved[3];
} kiln_state_header;

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
} kiln_slot;

typedef struct kiln_message {
    char *text;
    int32_t level;
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
    double time;
    uint32_t rng;
    uint8_t keys[KEY_COUNT], pressed_latch[KEY_COUNT], pressed[KEY_COUNT];
    kiln_host host;
    char last_error[KILN_ERROR_MAX];

    pthread_mutex_t msg_lock;
    kiln_message msgs[KILN_MSG_QUEUE];
    int msg_head, msg_count;
};

/* host.c */
void kiln__host_init(kiln_runtime *rt);                 /* fills rt->host */
void kiln__host_enter(kiln_runtime *rt);                /* host calls on this thread go to rt */
void kiln__host_leave(void);
void kiln__queue_message(kiln_runtime *rt, int32_t level, const char *text, size_t len);
void kiln__queue_messagef(kiln_runtime *rt, int32_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
