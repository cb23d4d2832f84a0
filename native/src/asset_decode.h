/* asset_decode.h — image files to RGBA8 pixels, with stb_image (Debian's libstb-dev): no runtime, no platform, so
   the runner's libkiln, the standalone export and the WebAssembly export decode with the same code. */
#ifndef KILN_ASSET_DECODE_H
#define KILN_ASSET_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define KILN_IMAGE_PIXELS_MAX (4096u * 4096u) /* 64 MiB of RGBA: a sprite sheet, never a photo library */

/* PNG, JPEG, BMP, TGA or GIF (first frame) bytes to a malloc'd w*h RGBA8 buffer (free with free()), or NULL with
   `why` saying what is wrong with the file. */
uint8_t *kiln_decode_image(const uint8_t *bytes, size_t len, int32_t *w, int32_t *h, char *why, size_t why_len);
/* The size the file's header claims (for a placeholder of the right size), 0 if it has none. */
int kiln_decode_image_size(const uint8_t *bytes, size_t len, int32_t *w, int32_t *h);

#endif
