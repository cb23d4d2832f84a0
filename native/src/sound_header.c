/* sound_header.c — is this a sound file the editor and the exports can play? A pure check of a file's first bytes,
   shared by libkiln's sound_load (sound.c) and the web export's (native/web/host_web_sound.c). */
#include "sound_header.h"

#include <string.h>

#include "kiln_runtime.h" /* KILN_SOUND_WAV, KILN_SOUND_OGG */

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The format the header says, or 0 with why. WAV: RIFF/WAVE with a "fmt " chunk of PCM or float samples that a
   browser decodes; Ogg: the first page of a stream (BOS) whose first packet is a Vorbis or Opus header. */
int32_t kiln_sound_header_format(const uint8_t *h, size_t n, const char **why) {
    if (n >= 12 && !memcmp(h, "RIFF", 4) && !memcmp(h + 8, "WAVE", 4)) {
        for (size_t at = 12; at + 8 <= n;) {
            uint32_t len = le32(h + at + 4);
            if (!memcmp(h + at, "fmt ", 4)) {
                if (len < 16 || at + 8 + 16 > n) { *why = "its WAV \"fmt \" chunk is cut short"; return 0; }
                const uint8_t *f = h + at + 8;
                uint16_t tag = le16(f), channels = le16(f + 2), bits = le16(f + 14);
                uint32_t rate = le32(f + 4);
                if (tag != 1 && tag != 3 && tag != 0xFFFE) { *why = "its WAV samples are compressed (only PCM and float WAV play everywhere; re-export as PCM or use OGG)"; return 0; }
                if (channels < 1 || channels > 8) { *why = "its WAV header says 0 or more than 8 channels"; return 0; }
                if (rate < 3000 || rate > 384000) { *why = "its WAV sample rate is outside 3000..384000 Hz"; return 0; }
                if (bits != 8 && bits != 16 && bits != 24 && bits != 32 && bits != 64) { *why = "its WAV sample size is not 8, 16, 24, 32 or 64 bits"; return 0; }
                return KILN_SOUND_WAV;
            }
            at += 8 + (size_t)len + (len & 1);
        }
        *why = "it is a WAV file without a \"fmt \" chunk near its start";
        return 0;
    }
    if (n >= 4 && !memcmp(h, "OggS", 4)) {
        if (n < 28 || h[4] != 0 || !(h[5] & 0x02)) { *why = "it does not start with the first page of an Ogg stream"; return 0; }
        size_t body = 27 + (size_t)h[26];
        if (body + 8 > n) { *why = "its first Ogg page is cut short"; return 0; }
        if (!memcmp(h + body, "\x01vorbis", 7) || !memcmp(h + body, "OpusHead", 8)) return KILN_SOUND_OGG;
        *why = "it is an Ogg file of neither Vorbis nor Opus audio";
        return 0;
    }
    *why = n < 12 ? "it is too short to be a WAV or OGG file" : "it is neither a WAV (RIFF/WAVE) nor an OGG (OggS) file";
    return 0;
}
