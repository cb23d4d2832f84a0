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

#endif
