/* draw.h — drawing on an RGBA8 canvas (see draw.c). Colours are 0xRRGGBBAA, alpha-blended; everything clips. */
#ifndef KILN_DRAW_H
#define KILN_DRAW_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t kiln_draw_color;

typedef struct kiln_canvas {
    uint8_t *fb; /* width * height * 4 bytes, row-major RGBA */
    int32_t width, height;
} kiln_canvas;

void kiln_draw_clear(const kiln_canvas *cv, kiln_draw_color c);
void kiln_draw_pixel(const kiln_canvas *cv, int32_t x, int32_t y, kiln_draw_color c);
void kiln_draw_fill_rect(const kiln_canvas *cv, int32_t x, int32_t y, int32_t w, int32_t h, kiln_draw_color c);
void kiln_draw_rect(const kiln_canvas *cv, int32_t x, int32_t y, int32_t w, int32_t h, kiln_draw_color c);
void kiln_draw_line(const kiln_canvas *cv, int32_t x0, int32_t y0, int32_t x1, int32_t y1, kiln_draw_color c);
void kiln_draw_circle(const kiln_canvas *cv, int32_t cx, int32_t cy, int32_t r, kiln_draw_color c);
void kiln_draw_text(const kiln_canvas *cv, const char *s, size_t len, int32_t x, int32_t y, int32_t scale, kiln_draw_color c);
/* A w*h image of 0xRRGGBBAA pixels with its top-left at (x, y). */
void kiln_draw_blit(const kiln_canvas *cv, const uint32_t *px, int32_t w, int32_t h, int32_t x, int32_t y);

/* Flags of kiln_draw_image (the same values as kiln.h's SPRITE_FLIP_X / SPRITE_FLIP_Y). */
enum { KILN_DRAW_FLIP_X = 1, KILN_DRAW_FLIP_Y = 2 };
/* The sw*sh part at (sx, sy) of an iw*ih image of RGBA8 bytes (row-major, R,G,B,A in memory, as PNG decoders give
   them) with its top-left at (x, y), mirrored by flags; the part is clipped to the image, the result to the canvas. */
void kiln_draw_image(const kiln_canvas *cv, const uint8_t *rgba, int32_t iw, int32_t ih, int32_t sx, int32_t sy,
                     int32_t sw, int32_t sh, int32_t x, int32_t y, int32_t flags);

#endif
