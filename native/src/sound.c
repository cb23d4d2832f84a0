/* sound.c — the sound table (path -> handle) and the per-frame queue of sound commands. libkiln plays nothing:
   plugins load files, checked here (confined to the project folder, WAV/OGG by header), and ask for sounds; the
   runner drains the queue after each frame and the editor plays them with Web Audio. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"
#include "sound_header.h"

/* Bytes read to check a header: enough for a WAV's "fmt " chunk behind a LIST/JUNK chunk or two. */
#define HEAD_BYTES 4096

struct kiln_sound {
    pthread_mutex_t m;                /* table and queue: sound_load runs in init (a load thread), the rest in frames */
    char list_path[KILN_PATH_MAX];    /* work_dir/state/sounds.list: the table, one path a line */
    kiln_sound_info table[KILN_SOUND_MAX];
    int32_t count;
    kiln_sound_command queue[KILN_SOUND_QUEUE];
    int32_t queued;
    uint32_t dropped;
    int32_t enabled;
};

int kiln__sound_init(kiln_runtime *rt) {
    kiln_sound *s = calloc(1, sizeof *s);
    if (!s) return -1;
    pthread_mutex_init(&s->m, NULL);
    s->enabled = 1;
    snprintf(s->list_path, sizeof s->list_path, "%s/sounds.list", rt->state_dir);
    rt->sound = s;
    return 0;
}

void kiln__sound_free(kiln_runtime *rt) {
    if (!rt->sound) return;
    pthread_mutex_destroy(&rt->sound->m);
    free(rt->sound);
    rt->sound = NULL;
}

/* --- checks ------------------------------------------------------------------------------------------------------ */


/* --- the table ---------------------------------------------------------------------------------------------------- */
static void save_table_locked(kiln_runtime *rt, kiln_sound *s) {
    size_t cap = (size_t)s->count * KILN_SOUND_PATH + 1, len = 0;
    char *text = malloc(cap);
    if (!text) return;
    for (int32_t i = 0; i < s->count; i++) len += (size_t)snprintf(text + len, cap - len, "%s\n", s->table[i].path);
    char err[KILN_PLAT_ERR];
    if (kiln_plat_write_file_atomic(s->list_path, text, len, NULL, 0, err) != 0)
        kiln__queue_messagef(rt, KILN_LOG_WARN, "sound table not saved (handles may change after a runner restart): %s", err);
    free(text);
}

/* The handles of an earlier runner of this project, in their order (a handle kept in game state means the same file). */
static void read_table_locked(kiln_sound *s) {
    FILE *f = fopen(s->list_path, "r");
    if (!f) return;
    char line[KILN_SOUND_PATH + 2];
    while (s->count < KILN_SOUND_MAX && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char norm[KILN_PROJECT_PATH_MAX], why[200];
        if (kiln__project_path(line, norm, why, sizeof why) != 0) continue;
        kiln_sound_info *e = &s->table[s->count++];
        memset(e, 0, sizeof *e);
        snprintf(e->path, sizeof e->path, "%s", norm);
    }
    fclose(f);
}

void kiln__sound_project_set(kiln_runtime *rt) {
    kiln_sound *s = rt->sound;
    if (!s) return;
    pthread_mutex_lock(&s->m);
    if (s->count == 0) read_table_locked(s);
    pthread_mutex_unlock(&s->m);
}

void kiln_sound_set_enabled(kiln_runtime *rt, int32_t on) {
    if (rt && rt->sound) __atomic_store_n(&rt->sound->enabled, on ? 1 : 0, __ATOMIC_RELAXED);
}

/* sound_load for `plugin` (named in the log line; NULL for the host's own calls). */
int32_t kiln__sound_load(kiln_runtime *rt, const char *plugin, const char *path) {
    if (!rt || !rt->sound) return KILN_ERR_INVALID;
    kiln_sound *s = rt->sound;
    char given[KILN_SOUND_PATH], name[KILN_PROJECT_PATH_MAX], problem[200];
    /* copy first: a bad pointer from a plugin faults here, outside the lock */
    snprintf(given, sizeof given, "%s", path ? path : "");
    if (kiln__project_path(path, name, problem, sizeof problem) != 0) {
        kiln__queue_messagef_from(rt, plugin, KILN_LOG_ERROR, "sound_load(\"%s\") refused: %s", given, problem);
        return KILN_ERR_INVALID;
    }
    const char *why = NULL;
    kiln_plat_defer_begin(); /* a watchdog stop must not leave the lock held */
    pthread_mutex_lock(&s->m);
    int32_t handle = -1;
    for (int32_t i = 0; i < s->count; i++)
        if (!strcmp(s->table[i].path, name)) handle = i;
    pthread_mutex_unlock(&s->m);

    int32_t rc = KILN_ERR_INVALID;
    uint8_t *head = NULL;
    size_t got = 0;
    uint64_t size = 0;
    char err[KILN_PLAT_ERR];
    int32_t format = 0;
    /* the header is enough to judge; the editor decodes the whole file, so it has a size limit */
    if (kiln__project_read(rt, name, HEAD_BYTES, KILN_SOUND_FILE_MAX, &head, &got, &size, err) != 0) {
        why = err;
        if (size <= KILN_SOUND_FILE_MAX) rc = KILN_ERR_NOT_FOUND;
    } else {
        format = kiln_sound_header_format(head, got, &why);
    }
    free(head);
    if (format) {
        pthread_mutex_lock(&s->m);
        if (handle < 0) {
            for (int32_t i = 0; i < s->count; i++) /* another thread may have added it meanwhile */
                if (!strcmp(s->table[i].path, name)) handle = i;
        }
        if (handle < 0 && s->count < KILN_SOUND_MAX) {
            handle = s->count++;
            snprintf(s->table[handle].path, sizeof s->table[handle].path, "%s", name);
            save_table_locked(rt, s);
        }
        if (handle >= 0) {
            s->table[handle].format = format;
            s->table[handle].bytes = size;
        }
        pthread_mutex_unlock(&s->m);
        if (handle < 0) why = "the sound table is full (256 files); load fewer files";
    }
    kiln_plat_defer_end();
    if (format && handle >= 0) return handle;
    kiln__queue_messagef_from(rt, plugin, KILN_LOG_ERROR, "sound_load(\"%s\") refused: %s", given, why);
    return rc;
}

int32_t kiln_sound_load(kiln_runtime *rt, const char *path) { return kiln__sound_load(rt, NULL, path); }

int32_t kiln_sound_info_get(kiln_runtime *rt, int32_t sound, kiln_sound_info *out) {
    if (!rt || !rt->sound || !out) return KILN_ERR_INVALID;
    kiln_sound *s = rt->sound;
    pthread_mutex_lock(&s->m);
    int32_t ok = sound >= 0 && sound < s->count;
    if (ok) *out = s->table[sound];
    pthread_mutex_unlock(&s->m);
    return ok ? KILN_OK : KILN_ERR_NOT_FOUND;
}

/* --- the queue ---------------------------------------------------------------------------------------------------- */
static float clampf(float v, float lo, float hi) { return isnan(v) ? lo : v < lo ? lo : v > hi ? hi : v; }

/* Queues cmd (frame number added). Bad handles and waves are refused with a log line naming the plugin. */
void kiln__sound_request(kiln_runtime *rt, const char *plugin, kiln_sound_command cmd) {
    if (!rt || !rt->sound || !__atomic_load_n(&rt->sound->enabled, __ATOMIC_RELAXED)) return;
    kiln_sound *s = rt->sound;
    const char *fn = cmd.op == KILN_SOUND_PLAY ? "sound_play" : cmd.op == KILN_SOUND_MUSIC ? "music_play" : "sfx_tone";
    cmd.volume = clampf(cmd.volume, 0.0f, 1.0f);
    cmd.pan = clampf(cmd.pan, -1.0f, 1.0f);
    if (cmd.op == KILN_SOUND_TONE) {
        if (cmd.wave < SFX_SQUARE || cmd.wave > SFX_NOISE) {
            kiln__queue_messagef_from(rt, plugin, KILN_LOG_WARN, "sfx_tone: wave %d is not SFX_SQUARE, SFX_TRIANGLE, SFX_SAW or SFX_NOISE", cmd.wave);
            return;
        }
        cmd.hz = clampf(cmd.hz, 20.0f, 20000.0f);
        cmd.ms = cmd.ms < 1 ? 1 : cmd.ms > 10000 ? 10000 : cmd.ms;
    }
    kiln_plat_defer_begin();
    pthread_mutex_lock(&s->m);
    int known = cmd.sound >= 0 && cmd.sound < s->count; /* listed by an earlier runner counts: its init ran there */
    int queued = 0;
    if (cmd.op == KILN_SOUND_PLAY || cmd.op == KILN_SOUND_MUSIC ? known : 1) {
        if (s->queued < KILN_SOUND_QUEUE) {
            cmd.frame = rt->frame_count;
            s->queue[s->queued++] = cmd;
        } else {
            s->dropped++;
        }
        queued = 1;
    }
    pthread_mutex_unlock(&s->m);
    kiln_plat_defer_end();
    if (!queued)
        kiln__queue_messagef_from(rt, plugin, KILN_LOG_WARN, "%s: no sound with handle %d (use what sound_load returned, when it is >= 0)", fn, cmd.sound);
}

int32_t kiln_sound_poll(kiln_runtime *rt, kiln_sound_command *out, int32_t cap, uint32_t *dropped) {
    if (!rt || !rt->sound || (!out && cap > 0) || cap < 0) return KILN_ERR_INVALID;
    kiln_sound *s = rt->sound;
    pthread_mutex_lock(&s->m);
    int32_t n = s->queued < cap ? s->queued : cap;
    if (n > 0) { /* out may be NULL with cap 0 (a drain that only counts): memcpy's NULL is undefined even for 0 bytes */
        memcpy(out, s->queue, (size_t)n * sizeof *out);
        memmove(s->queue, s->queue + n, (size_t)(s->queued - n) * sizeof *out);
    }
    s->queued -= n;
    if (dropped) *dropped = s->dropped;
    s->dropped = 0;
    pthread_mutex_unlock(&s->m);
    return n;
}
