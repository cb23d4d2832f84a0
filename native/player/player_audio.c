/* player_audio.c — the SDL side of the exported program's sound: the device, decoding files into mixer clips, and
   the queue of timed events between the game thread and SDL's audio thread. The mixer (player_mixer.c) belongs to
   the audio callback; the game thread only appends events, under SDL_LockAudioDevice (which the callback holds). */
#define _GNU_SOURCE
#include "player_audio.h"

#include <SDL.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "player_mixer.h"

#define STB_VORBIS_HEADER_ONLY
#include <stb/stb_vorbis.h>

#define DEVICE_SAMPLES 512       /* ~11 ms a buffer: a sound starts at most that late */
#define LIVE_EVENTS_MAX 4096     /* live play: events the callback has not taken yet (it takes them every buffer) */
#define STALL_MS 3000            /* --frames: a device whose clock stops this long is given up */

struct player_audio {
    SDL_AudioDeviceID dev;       /* 0 until open */
    int offline;
    char assets[PATH_MAX];
    mixer mix;                   /* the callback's while the device is open */
    mixer_event *events;         /* appended by the game thread, taken by the callback, under the device lock */
    size_t head, count, cap;
    mixer_clip *clips[KILN_SOUND_MAX];
    uint8_t failed[KILN_SOUND_MAX]; /* a file that did not decode is reported once and not tried again */
    int32_t music;               /* the music last asked for (-1: none): music_play every frame adds one event */
    float music_volume;
    int any;                     /* a sound was asked for in this run */
};

__attribute__((format(printf, 1, 2))) static void warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[warn] sound: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void callback(void *user, Uint8 *stream, int len) {
    player_audio *a = user;
    uint32_t frames = (uint32_t)len / (2 * sizeof(float));
    uint64_t end = a->mix.pos + frames;
    while (a->head < a->count && a->events[a->head].at < end) mixer_apply(&a->mix, &a->events[a->head++]);
    if (a->head == a->count) a->head = a->count = 0;
    mixer_render(&a->mix, (float *)(void *)stream, frames);
}

/* The device: our format exactly (SDL converts for the hardware), so the mixer needs no case for what it gets. */
static int open_device(player_audio *a) {
    SDL_AudioSpec want, have;
    SDL_zero(want);
    want.freq = AUDIO_RATE;
    want.format = AUDIO_F32SYS;
    want.channels = 2;
    want.samples = DEVICE_SAMPLES;
    want.callback = callback;
    want.userdata = a;
    a->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
    if (!a->dev) {
        warn("no audio device (%s); the game goes on without sound", SDL_GetError());
        return -1;
    }
    SDL_PauseAudioDevice(a->dev, 0);
    return 0;
}

player_audio *player_audio_create(kiln_runtime *rt, const char *assets_dir, int offline) {
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
        warn("SDL has no audio here (%s); the game goes on without sound", SDL_GetError());
        kiln_sound_set_enabled(rt, 0);
        return NULL;
    }
    player_audio *a = calloc(1, sizeof *a);
    if (!a || mixer_init(&a->mix) != 0) {
        free(a);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        kiln_sound_set_enabled(rt, 0);
        return NULL;
    }
    a->offline = offline;
    a->music = -1;
    snprintf(a->assets, sizeof a->assets, "%s", assets_dir);
    if (!offline && open_device(a) != 0) {
        player_audio_destroy(a);
        kiln_sound_set_enabled(rt, 0);
        return NULL;
    }
    return a;
}

/* --- decoding ------------------------------------------------------------------------------------------------------ */
/* Any format SDL knows -> float at the mixer's rate, mono kept mono (the panner treats it so), more channels -> stereo. */
static mixer_clip *to_clip(SDL_AudioFormat format, int channels, int rate, const void *data, size_t bytes) {
    int out_channels = channels >= 2 ? 2 : 1;
    SDL_AudioStream *s = SDL_NewAudioStream(format, (Uint8)channels, rate, AUDIO_F32SYS, (Uint8)out_channels, AUDIO_RATE);
    if (!s) return NULL;
    mixer_clip *c = calloc(1, sizeof *c);
    int avail = -1;
    if (c && bytes <= INT_MAX && SDL_AudioStreamPut(s, data, (int)bytes) == 0 && SDL_AudioStreamFlush(s) == 0)
        avail = SDL_AudioStreamAvailable(s);
    if (avail > 0 && (c->samples = malloc((size_t)avail)) && SDL_AudioStreamGet(s, c->samples, avail) == avail) {
        c->channels = out_channels;
        c->frames = (uint32_t)((size_t)avail / (sizeof(float) * (size_t)out_channels));
    } else if (c) {
        free(c->samples);
        free(c);
        c = NULL;
    }
    SDL_FreeAudioStream(s);
    return c;
}

static mixer_clip *decode_wav(const char *path, const char **why) {
    SDL_AudioSpec spec;
    Uint8 *buf = NULL;
    Uint32 len = 0;
    if (!SDL_LoadWAV(path, &spec, &buf, &len)) { *why = SDL_GetError(); return NULL; }
    mixer_clip *c = to_clip(spec.format, spec.channels, spec.freq, buf, len);
    SDL_FreeWAV(buf);
    if (!c) *why = SDL_GetError();
    return c;
}

static mixer_clip *decode_ogg(const char *path, const char **why) {
    int err = 0;
    stb_vorbis *v = stb_vorbis_open_filename(path, &err, NULL);
    if (!v) {
        static char text[160];
        snprintf(text, sizeof text, "stb_vorbis could not read it (error %d): the program plays Ogg Vorbis, not Opus; convert it, e.g. ffmpeg -i in.ogg -c:a libvorbis out.ogg", err);
        *why = text;
        return NULL;
    }
    stb_vorbis_info info = stb_vorbis_get_info(v);
    unsigned total = stb_vorbis_stream_length_in_samples(v);
    size_t n = (size_t)total * (size_t)info.channels;
    float *pcm = n ? malloc(n * sizeof *pcm) : NULL;
    mixer_clip *c = NULL;
    if (pcm) {
        int got = stb_vorbis_get_samples_float_interleaved(v, info.channels, pcm, (int)n);
        c = to_clip(AUDIO_F32SYS, info.channels, (int)info.sample_rate, pcm, (size_t)got * (size_t)info.channels * sizeof *pcm);
    }
    free(pcm);
    stb_vorbis_close(v);
    if (!c) *why = n ? "it decoded to nothing usable" : "it holds no samples";
    return c;
}

/* The clip of a handle, decoded on its first use (files in an export do not change). NULL: not playable (logged). */
static const mixer_clip *clip_of(player_audio *a, kiln_runtime *rt, int32_t sound) {
    if (sound < 0 || sound >= KILN_SOUND_MAX || a->failed[sound]) return NULL;
    if (a->clips[sound]) return a->clips[sound];
    kiln_sound_info info;
    if (kiln_sound_info_get(rt, sound, &info) != KILN_OK) return NULL;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", a->assets, info.path);
    const char *why = "its format is unknown";
    mixer_clip *c = info.format == KILN_SOUND_WAV ? decode_wav(path, &why) : info.format == KILN_SOUND_OGG ? decode_ogg(path, &why) : NULL;
    if (!c) {
        warn("%s will not play: %s", info.path, why);
        a->failed[sound] = 1;
        return NULL;
    }
    a->clips[sound] = c;
    return c;
}

/* --- the game thread's side ---------------------------------------------------------------------------------------- */
static void push(player_audio *a, const mixer_event *e) {
    if (a->dev) SDL_LockAudioDevice(a->dev);
    if (a->count == a->cap && !(a->dev && a->cap >= LIVE_EVENTS_MAX)) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        mixer_event *grown = realloc(a->events, cap * sizeof *grown);
        if (grown) { a->events = grown; a->cap = cap; }
    }
    if (a->count < a->cap) a->events[a->count++] = *e; /* else the callback is stuck: the sound is lost, not queued forever */
    if (a->dev) SDL_UnlockAudioDevice(a->dev);
}

void player_audio_frame(player_audio *a, kiln_runtime *rt, uint64_t frame) {
    kiln_sound_command cmd[KILN_SOUND_QUEUE];
    uint32_t dropped = 0;
    int32_t n = kiln_sound_poll(rt, cmd, KILN_SOUND_QUEUE, &dropped);
    if (dropped) fprintf(stderr, "[warn] %u sound requests were dropped: a frame may ask for 64 at most\n", dropped);
    if (!a) return;
    for (int32_t i = 0; i < n; i++) {
        const kiln_sound_command *c = &cmd[i];
        mixer_event e = {.at = a->offline ? frame * AUDIO_SAMPLES_PER_FRAME : 0, .op = c->op, .sound = c->sound,
                         .volume = c->volume, .pan = c->pan, .hz = c->hz, .ms = c->ms, .wave = c->wave};
        if (c->op == KILN_SOUND_PLAY || c->op == KILN_SOUND_MUSIC) {
            if (!(e.clip = clip_of(a, rt, c->sound))) continue;
            if (c->op == KILN_SOUND_MUSIC && a->music == c->sound && a->music_volume == c->volume) continue;
            if (c->op == KILN_SOUND_MUSIC) { a->music = c->sound; a->music_volume = c->volume; }
        } else if (c->op == KILN_SOUND_MUSIC_STOP) {
            a->music = -1;
        } else if (c->op != KILN_SOUND_TONE) {
            continue;
        }
        a->any = 1;
        push(a, &e);
    }
}

void player_audio_finish(player_audio *a, uint64_t frames) {
    if (!a || !a->offline || !a->any || open_device(a) != 0) return;
    const uint64_t target = frames * AUDIO_SAMPLES_PER_FRAME;
    uint64_t pos = 0, last = 0;
    Uint32 moved = SDL_GetTicks();
    while (pos < target) {
        SDL_Event e;
        while (SDL_PollEvent(&e))
            if (e.type == SDL_QUIT) return;
        SDL_Delay(5);
        SDL_LockAudioDevice(a->dev);
        pos = a->mix.pos;
        SDL_UnlockAudioDevice(a->dev);
        if (pos != last) { last = pos; moved = SDL_GetTicks(); }
        else if (SDL_GetTicks() - moved > STALL_MS) { warn("the audio device stopped playing; the rest is not heard"); return; }
    }
}

void player_audio_destroy(player_audio *a) {
    if (!a) return;
    if (a->dev) SDL_CloseAudioDevice(a->dev); /* the callback has stopped for good: the mixer and clips are ours again */
    if (a->mix.dropped) warn("%u sounds were not played: %d were playing already", a->mix.dropped, MIXER_VOICES);
    for (int i = 0; i < KILN_SOUND_MAX; i++) {
        if (a->clips[i]) free(a->clips[i]->samples);
        free(a->clips[i]);
    }
    free(a->events);
    mixer_free(&a->mix);
    free(a);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
}
