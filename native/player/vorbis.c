/* vorbis.c — stb_vorbis (Debian's libstb-dev ships it as a header holding the implementation), compiled once here
   for the exported program's Ogg Vorbis decoding; player_audio.c includes it with STB_VORBIS_HEADER_ONLY. */
#include <stb/stb_vorbis.h>
