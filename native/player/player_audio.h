/* player_audio.h — the exported program's sound: libkiln's per-frame sound commands (kiln_sound_poll) played with
   SDL2 audio, as the editor's Web Audio player plays them (renderer/src/audio/player.ts): WAV (SDL_LoadWAV) and
   Ogg Vorbis (stb_vorbis) files with volume and pan, one looping music track, and sfx_tone's four waves synthesized
   here. A small mixer runs in SDL's audio callback at 48 kHz stereo float; SDL converts to what the device takes.
   No audio device is not an error: one line on stderr and the game goes on silent. */
#ifndef PLAYER_AUDIO_H
#define PLAYER_AUDIO_H
#include <stdint.h>

#include "kiln_runtime.h"

#define AUDIO_RATE 48000
#define AUDIO_SAMPLES_PER_FRAME (AUDIO_RATE / 60) /* one 1/60 s game step */

typedef struct player_audio player_audio;

/* Sound files are read from assets_dir (where the export copied the project's files). `offline`: a --frames run.
   Its frames run faster than real time, so each sound is stamped with its frame's time (frame * 800 samples) and
   the device plays the whole run after the last frame (player_audio_finish): what a user would hear, frame-exact.
   Otherwise sounds start at the device's next buffer. Returns NULL when SDL has no audio (logged once): sound
   requests are then switched off in rt. */
player_audio *player_audio_create(kiln_runtime *rt, const char *assets_dir, int offline);
/* After each kiln_frame: takes the frame's sound commands (frame counts from 0) and hands them to the mixer. */
void player_audio_frame(player_audio *a, kiln_runtime *rt, uint64_t frame);
/* Offline: opens the device and plays the sound of `frames` frames to its end. Otherwise nothing. */
void player_audio_finish(player_audio *a, uint64_t frames);
void player_audio_destroy(player_audio *a);

#endif
