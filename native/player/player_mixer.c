/* player_mixer.c — voices summed into stereo float, with the editor's Web Audio graph as the reference
   (renderer/src/audio/player.ts): sound_play is a buffer source through a gain (volume) and a StereoPannerNode
   (pan), the music a looping buffer source through a gain that fades out over 50 ms when stopped or replaced,
   sfx_tone an oscillator (or looping white noise) through a gain envelope: 5 ms attack, hold, 20 ms release,
   peak volume * 0.3. */
#include "player_mixer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "kiln_runtime.h"
#include "player_audio.h"

#define PLAYING UINT64_MAX        /* music: fade_at while it is not fading */
#define TONE_GAIN 0.3f            /* raw square and saw waves are far louder than a recorded sound at the same volume */
#define ATTACK_SAMPLES (AUDIO_RATE * 5 / 1000)
#define RELEASE_SAMPLES (AUDIO_RATE * 20 / 1000)
#define MUSIC_FADE_SAMPLES (AUDIO_RATE * 50 / 1000)

enum { VOICE_FREE, VOICE_CLIP, VOICE_MUSIC, VOICE_TONE };

int mixer_init(mixer *m) {
    memset(m, 0, sizeof *m);
    m->noise = malloc(AUDIO_RATE * sizeof *m->noise);
    if (!m->noise) return -1;
    /* the editor's noise buffer, bit for bit: xorshift32 from the same seed (the same hit sounds the same) */
    uint32_t seed = 0x2545f491u;
    for (int i = 0; i < AUDIO_RATE; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        m->noise[i] = (float)((double)seed / 4294967295.0 * 2.0 - 1.0);
    }
    return 0;
}

void mixer_free(mixer *m) {
    free(m->noise);
    m->noise = NULL;
}

static mixer_voice *new_voice(mixer *m, int32_t kind, uint64_t start) {
    for (int i = 0; i < MIXER_VOICES; i++) {
        if (m->voice[i].kind != VOICE_FREE) continue;
        mixer_voice *v = &m->voice[i];
        memset(v, 0, sizeof *v);
        v->kind = kind;
        v->start = start;
        v->fade_at = PLAYING;
        return v;
    }
    m->dropped++;
    return NULL;
}

static mixer_voice *current_music(mixer *m) {
    for (int i = 0; i < MIXER_VOICES; i++)
        if (m->voice[i].kind == VOICE_MUSIC && m->voice[i].fade_at == PLAYING) return &m->voice[i];
    return NULL;
}

/* Gain then StereoPannerNode (Web Audio's equal-power law): a mono source is spread over both sides; a stereo
   source keeps its sides and pan moves part of one into the other. */
static void pan_matrix(float m[4], int32_t channels, float volume, float pan) {
    const float quarter = 1.57079632679489662f; /* pi / 2 */
    if (channels == 1) {
        float x = (pan + 1.0f) / 2.0f;
        m[0] = volume * cosf(x * quarter); m[1] = 0;
        m[2] = volume * sinf(x * quarter); m[3] = 0;
    } else if (pan <= 0) {
        float x = pan + 1.0f;
        m[0] = volume; m[1] = volume * cosf(x * quarter);
        m[2] = 0;      m[3] = volume * sinf(x * quarter);
    } else {
        m[0] = volume * cosf(pan * quarter); m[1] = 0;
        m[2] = volume * sinf(pan * quarter); m[3] = volume;
    }
}

void mixer_apply(mixer *m, const mixer_event *e) {
    uint64_t at = e->at > m->pos ? e->at : m->pos;
    mixer_voice *v, *music;
    switch (e->op) {
    case KILN_SOUND_PLAY:
        if (!e->clip || !(v = new_voice(m, VOICE_CLIP, at))) return;
        v->clip = e->clip;
        v->sound = e->sound;
        pan_matrix(v->m, e->clip->channels, e->volume, e->pan);
        return;
    case KILN_SOUND_MUSIC:
        if (!e->clip) return;
        music = current_music(m);
        if (music && music->sound == e->sound) { music->volume = e->volume; return; } /* asked again: keep it going */
        if (music) music->fade_at = at;
        if (!(v = new_voice(m, VOICE_MUSIC, at))) return;
        v->clip = e->clip;
        v->sound = e->sound;
        v->volume = e->volume;
        return;
    case KILN_SOUND_MUSIC_STOP:
        if ((music = current_music(m))) music->fade_at = at;
        return;
    case KILN_SOUND_TONE:
        if (!(v = new_voice(m, VOICE_TONE, at))) return;
        v->wave = e->wave;
        v->len = (uint32_t)((uint64_t)e->ms * AUDIO_RATE / 1000);
        v->attack = v->len / 2 < ATTACK_SAMPLES ? v->len / 2 : ATTACK_SAMPLES;
        v->release_at = v->len > v->attack + RELEASE_SAMPLES ? v->len - RELEASE_SAMPLES : v->attack;
        v->peak = e->volume * TONE_GAIN;
        if (e->wave == SFX_NOISE) { /* the noise buffer's playbackRate: hz / 1000 within 0.05..4 */
            double rate = e->hz / 1000.0;
            v->step = rate < 0.05 ? 0.05 : rate > 4 ? 4 : rate;
        } else {
            v->step = e->hz / (double)AUDIO_RATE;
        }
        return;
    default:
        return;
    }
}

/* PolyBLEP: rounds a jump of the naive wave over one sample each side, so high notes do not alias into hiss. */
static double blep(double t, double dt) {
    if (t < dt) { t /= dt; return t + t - t * t - 1.0; }
    if (t > 1.0 - dt) { t = (t - 1.0) / dt; return t * t + t + t + 1.0; }
    return 0.0;
}

/* One sample of the tone's wave; the shapes and phases of Web Audio's OscillatorNode types. */
static float tone_sample(mixer *m, mixer_voice *v) {
    double p = v->phase, s;
    switch (v->wave) {
    case SFX_SQUARE:   /* 1 for the first half of the cycle, -1 for the second */
        s = (p < 0.5 ? 1.0 : -1.0) + blep(p, v->step) - blep(fmod(p + 0.5, 1.0), v->step);
        break;
    case SFX_TRIANGLE: /* 0 rising to 1 at a quarter, -1 at three quarters */
        s = p < 0.25 ? 4 * p : p < 0.75 ? 2 - 4 * p : 4 * p - 4;
        break;
    case SFX_SAW: {    /* 0 rising to 1 at half the cycle, then from -1 */
        double t = fmod(p + 0.5, 1.0);
        s = 2 * t - 1 - blep(t, v->step);
        break;
    }
    default: {         /* looping noise, read at its playback rate with linear interpolation */
        uint32_t i = (uint32_t)p;
        double f = p - i;
        s = m->noise[i] * (1 - f) + m->noise[(i + 1) % AUDIO_RATE] * f;
        v->phase += v->step;
        if (v->phase >= AUDIO_RATE) v->phase -= AUDIO_RATE;
        return (float)s;
    }
    }
    v->phase += v->step;
    v->phase -= floor(v->phase);
    return (float)s;
}

static float envelope(const mixer_voice *v, uint32_t i) {
    if (i < v->attack) return v->peak * (float)i / (float)v->attack;
    if (i < v->release_at) return v->peak;
    return v->peak * (float)(v->len - i) / (float)(v->len - v->release_at);
}

static void clip_frame(const mixer_clip *c, uint32_t pos, float *l, float *r) {
    if (c->channels == 1) { *l = *r = c->samples[pos]; return; }
    *l = c->samples[pos * 2];
    *r = c->samples[pos * 2 + 1];
}

/* Mixes voice v into out[j..frames). */
static void mix_voice(mixer *m, mixer_voice *v, float *out, uint32_t j, uint32_t frames) {
    float l, r;
    for (; j < frames; j++) {
        switch (v->kind) {
        case VOICE_CLIP:
            if (v->pos >= v->clip->frames) { v->kind = VOICE_FREE; return; }
            clip_frame(v->clip, v->pos++, &l, &r);
            out[j * 2] += v->m[0] * l + v->m[1] * r;
            out[j * 2 + 1] += v->m[2] * l + v->m[3] * r;
            break;
        case VOICE_MUSIC: {
            uint64_t t = m->pos + j;
            float gain = v->volume;
            if (t >= v->fade_at) {
                if (t - v->fade_at >= MUSIC_FADE_SAMPLES) { v->kind = VOICE_FREE; return; }
                gain *= 1.0f - (float)(t - v->fade_at) / MUSIC_FADE_SAMPLES;
            }
            clip_frame(v->clip, v->pos, &l, &r); /* a mono track is heard on both sides */
            if (++v->pos >= v->clip->frames) v->pos = 0;
            out[j * 2] += gain * l;
            out[j * 2 + 1] += gain * r;
            break;
        }
        case VOICE_TONE: {
            if (v->pos >= v->len) { v->kind = VOICE_FREE; return; }
            float s = tone_sample(m, v) * envelope(v, v->pos++);
            out[j * 2] += s;
            out[j * 2 + 1] += s;
            break;
        }
        default:
            return;
        }
    }
}

void mixer_render(mixer *m, float *out, uint32_t frames) {
    memset(out, 0, (size_t)frames * 2 * sizeof *out);
    for (int i = 0; i < MIXER_VOICES; i++) {
        mixer_voice *v = &m->voice[i];
        if (v->kind == VOICE_FREE || v->start >= m->pos + frames) continue;
        mix_voice(m, v, out, v->start > m->pos ? (uint32_t)(v->start - m->pos) : 0, frames);
    }
    for (uint32_t i = 0; i < frames * 2; i++) out[i] = out[i] > 1.0f ? 1.0f : out[i] < -1.0f ? -1.0f : out[i];
    m->pos += frames;
}
