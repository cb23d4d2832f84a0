/* sound_header.h — the header check of sound files (sound_header.c): pure, no runtime. */
#ifndef KILN_SOUND_HEADER_H
#define KILN_SOUND_HEADER_H
#include <stddef.h>
#include <stdint.h>

/* KILN_SOUND_WAV (1) or KILN_SOUND_OGG (2) for the first n bytes of a file, or 0 with *why saying what it is not:
   a WAV of PCM or float samples, or an Ogg stream whose first packet is Vorbis or Opus. */
int32_t kiln_sound_header_format(const uint8_t *h, size_t n, const char **why);

#endif
