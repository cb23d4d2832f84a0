/* host_web_sound.c — sound in the browser: a table of the export's sound files (a handle is an index) and the
   commands of a frame, typed as libkiln queues them (kiln_sound_command, clamped as sound.c clamps them);
   kiln-web.js takes them after each frame and plays them with the editor's Web Audio player. */
#define KILN_NO_SHORT_NAMES
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_web.h"
#include "kiln_runtime.h"
#include "project_path.h"
#include "sound_header.h"

static char *sound_paths[KILN_SOUND_MAX];
static int32_t sound_count;
static kiln_sound_command sound_queue[KILN_SOUND_QUEUE];
static int32_t sound_queued;
static uint32_t sound_dropped;

/* libkiln's rules (project_path.c, sound_header.c): a path and a file refused in the editor are refused here too. */
static int32_t h_sound_load(const char *given) {
    char path[KILN_PROJECT_PATH_MAX], problem[200], line[600];
    const char *why = NULL;
    if (kiln__project_path(given, path, problem, sizeof problem) != 0) why = problem;
    for (int32_t i = 0; !why && i < sound_count; i++) if (!strcmp(sound_paths[i], path)) return i;
    size_t len = 0;
    const uint8_t *bytes = why ? NULL : kiln_web__file(path, &len);
    int32_t rc = KILN_ERR_INVALID;
    if (!why && !bytes) { why = "no such file in the export's assets"; rc = KILN_ERR_NOT_FOUND; }
    if (!why) kiln_sound_header_format(bytes, len, &why); /* a file it does not take: 0 and why set */
    if (!why && sound_count == KILN_SOUND_MAX) why = "the sound table is full (256 files)";
    if (why) {
        snprintf(line, sizeof line, "sound_load(\"%.256s\") refused: %s", given ? given : "", why);
        kiln_web__log(KILN_LOG_ERROR, line);
        return rc;
    }
    if (!(sound_paths[sound_count] = strdup(path))) return -1;
    return sound_count++;
}
static float clamp01(float v, float lo) { return v != v ? lo : v < lo ? lo : v > 1 ? 1 : v; }
static void sound_queue_add(kiln_sound_command c) {
    if ((c.op == KILN_SOUND_PLAY || c.op == KILN_SOUND_MUSIC) && (c.sound < 0 || c.sound >= sound_count)) {
        kiln_web__log(KILN_LOG_WARN, "no sound with that handle (use what sound_load returned, when it is >= 0)");
        return;
    }
    c.volume = clamp01(c.volume, 0);
    c.pan = clamp01(c.pan, -1);
    if (sound_queued < KILN_SOUND_QUEUE) c.frame = kiln_web__frame(), sound_queue[sound_queued++] = c;
    else sound_dropped++;
}
static void h_sound_play(int32_t sound, float volume, float pan) { sound_queue_add((kiln_sound_command){.op = KILN_SOUND_PLAY, .sound = sound, .volume = volume, .pan = pan}); }
static void h_music_play(int32_t sound, float volume) { sound_queue_add((kiln_sound_command){.op = KILN_SOUND_MUSIC, .sound = sound, .volume = volume}); }
static void h_music_stop(void) { sound_queue_add((kiln_sound_command){.op = KILN_SOUND_MUSIC_STOP}); }
static void h_sfx_tone(float hz, int32_t ms, int32_t wave, float volume) {
    if (wave < SFX_SQUARE || wave > SFX_NOISE) {
        kiln_web__log(KILN_LOG_WARN, "sfx_tone: the wave is not SFX_SQUARE, SFX_TRIANGLE, SFX_SAW or SFX_NOISE");
        return;
    }
    hz = hz != hz || hz < 20 ? 20 : hz > 20000 ? 20000 : hz;
    ms = ms < 1 ? 1 : ms > 10000 ? 10000 : ms;
    sound_queue_add((kiln_sound_command){.op = KILN_SOUND_TONE, .wave = wave, .ms = ms, .hz = hz, .volume = volume});
}

void kiln_web__sound_host(kiln_host *h) {
    h->sound_load = h_sound_load; h->sound_play = h_sound_play; h->music_play = h_music_play;
    h->music_stop = h_music_stop; h->sfx_tone = h_sfx_tone;
}

/* The sound commands queued since kiln_web_sounds_taken (kiln-web.js reads kiln_web_sound_count() kiln_sound_command
   records at kiln_web_sounds(), then calls kiln_web_sounds_taken) and the sound table's paths. */
WEB_EXPORT("kiln_web_sounds") const kiln_sound_command *kiln_web_sounds(void) { return sound_queue; }
WEB_EXPORT("kiln_web_sound_count") int32_t kiln_web_sound_count(void) { return sound_queued; }
WEB_EXPORT("kiln_web_sounds_taken") uint32_t kiln_web_sounds_taken(void) {
    uint32_t dropped = sound_dropped;
    sound_queued = 0;
    sound_dropped = 0;
    return dropped;
}
WEB_EXPORT("kiln_web_sound_path") const char *kiln_web_sound_path(int32_t sound) {
    return sound >= 0 && sound < sound_count ? sound_paths[sound] : "";
}
