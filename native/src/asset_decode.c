/* asset_decode.c — see asset_decode.h. The decoder is stb_image from the system (libstb-dev), not a vendored copy. */
#include "asset_decode.h"

#include <stdio.h>
#include <stdlib.h>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO          /* the caller reads the file (confined to the project folder) */
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#define STBI_ONLY_GIF
#define STBI_MAX_DIMENSIONS 8192
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

uint8_t *kiln_decode_image(const uint8_t *bytes, size_t len, int32_t *w, int32_t *h, char *why, size_t why_len) {
    *w = *h = 0;
    if (!bytes || len == 0) { snprintf(why, why_len, "the file is empty"); return NULL; }
    if (len > 0x7fffffff) { snprintf(why, why_len, "the file is too large"); return NULL; }
    int x = 0, y = 0, n = 0;
    if (stbi_info_from_memory(bytes, (int)len, &x, &y, &n) && (uint64_t)x * (uint64_t)y > KILN_IMAGE_PIXELS_MAX) {
        snprintf(why, why_len, "it is %dx%d pixels, over the limit of %u pixels (4096x4096)", x, y, KILN_IMAGE_PIXELS_MAX);
        return NULL;
    }
    uint8_t *px = stbi_load_from_memory(bytes, (int)len, &x, &y, &n, 4);
    if (!px) {
        const char *r = stbi_failure_reason();
        snprintf(why, why_len, "it is not an image Kiln can read (PNG, JPEG, BMP, TGA, GIF): %s", r ? r : "unknown error");
        return NULL;
    }
    *w = x; *h = y;
    return px; /* stbi_image_free is free() with the default allocator */
}

int kiln_decode_image_size(const uint8_t *bytes, size_t len, int32_t *w, int32_t *h) {
    int x = 0, y = 0, n = 0;
    if (!bytes || len == 0 || len > 0x7fffffff || !stbi_info_from_memory(bytes, (int)len, &x, &y, &n)) return 0;
    *w = x; *h = y;
    return 1;
}
