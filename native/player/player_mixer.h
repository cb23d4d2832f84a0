/* player_mixer.h — the exported program's mixer: voices (sound files, the music loop, sfx_tone's synth) summed into
   48 kHz stereo float. No SDL and no locks here: player_audio.c owns the device and calls these from its callback. */
#ifndef PLAYER_MIXER_H
#define PLAYER_MIXER_H
#include <stdint.h>

#define MIXER_VOICES 32

/* A decoded sound file at the mixer's rate: `frames` samples per channel, interleaved, 1 or 2 channels. */
typedef struct mixer_clip {
    float *samples;
    uint32_t frames;
    int32_t channels;
} mixer_clip;

/* One kiln_sound_command, ready to mix; `at` is the mixer sample it starts at (the past means: now). */
typedef struct mixer_event {
    uint64_t at;
    int32_t op;               /* kiln_sound_op */
    int32_t sound;            /* the handle (music: the same handle again only changes the volume) */
    const mixer_clip *clip;   /* PLAY, MUSIC; lives as long as the mixer */
    float volume, pan, hz;
    int32_t ms, wave;
} mixer_event;

typedef struct mixer_voice {
    int32_t kind;             /* 0: free */
    int32_t sound;
    uint64_t start;           /* mixer sample of its first output */
    const mixer_clip *clip;
    uint32_t pos;             /* clip frames played */
    float m[4];               /* clip: out L = m0*inL + m1*inR, out R = m2*inL + m3*inR (volume and pan) */
    float volume;             /* music */
    uint64_t fade_at;         /* music: its fade-out began here (0: playing) */
    int32_t wave;             /* tone */
    uint32_t len, attack, release_at; /* tone: samples; the envelope's corners */
    float peak;
    double phase, step;       /* tone: cycles; noise: position in the noise table and its rate */
} mixer_voice;

typedef struct mixer {
    uint64_t pos;             /* samples mixed so far */
    mixer_voice voice[MIXER_VOICES];
    uint32_t dropped;         /* voices refused because all were busy */
    float *noise;             /* one second of the editor's white noise (AUDIO_RATE samples) */
} mixer;

/* 0, or -1 out of memory. */
int mixer_init(mixer *m);
void mixer_free(mixer *m);
/* Starts what the event asks for, at e->at or at once when that has passed. */
void mixer_apply(mixer *m, const mixer_event *e);
/* Mixes the next `frames` stereo samples into out (overwritten), clamped to -1..1. */
void mixer_render(mixer *m, float *out, uint32_t frames);

#endif
