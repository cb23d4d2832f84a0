/* draw.c — the pixels behind the host table's drawing calls, on a plain RGBA8 canvas. No runtime, no platform:
   the runner's libkiln, the standalone export and the web export's WebAssembly host all draw with this one file,
   so a game's frames are the same byte for byte everywhere. */
#include "draw.h"

#include <math.h>
#include <string.h>

#include "font8x8.h"

static inline void put(const kiln_canvas *rt, int32_t x, int32_t y, kiln_draw_color c) {
    uint8_t *p = rt->fb + ((size_t)y * (size_t)rt->width + (size_t)x) * 4;
    uint32_t a = c & 0xFF;
    if (a == 0xFF) {
        p[0] = (uint8_t)(c >> 24); p[1] = (uint8_t)(c >> 16); p[2] = (uint8_t)(c >> 8); p[3] = 0xFF;
    } else if (a != 0) {
        uint32_t ia = 255 - a;
        p[0] = (uint8_t)((((c >> 24) & 0xFF) * a + p[0] * ia + 127) / 255);
        p[1] = (uint8_t)((((c >> 16) & 0xFF) * a + p[1] * ia + 127) / 255);
        p[2] = (uint8_t)((((c >> 8) & 0xFF) * a + p[2] * ia + 127) / 255);
        p[3] = (uint8_t)(a + (p[3] * ia + 127) / 255);
    }
}

static inline void put_clipped(const kiln_canvas *rt, int32_t x, int32_t y, kiln_draw_color c) {
    if (x >= 0 && y >= 0 && x < rt->width && y < rt->height) put(rt, x, y, c);
}

/* Fills [x0,x1) x [y0,y1) after clipping; the fast path for opaque colours writes whole words. */
static void span_fill(const kiln_canvas *rt, int64_t x0, int64_t y0, int64_t x1, int64_t y1, kiln_draw_color c) {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > rt->width) x1 = rt->width;
    if (y1 > rt->height) y1 = rt->height;
    if (x0 >= x1 || y0 >= y1) return;
    if ((c & 0xFF) == 0xFF) {
        uint8_t px[4] = {(uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), 0xFF};
        uint32_t word;
        memcpy(&word, px, 4);
        for (int64_t y = y0; y < y1; y++) {
            uint32_t *row = (uint32_t *)(void *)(rt->fb + ((size_t)y * (size_t)rt->width) * 4);
            for (int64_t x = x0; x < x1; x++) row[x] = word;
        }
    } else {
        for (int64_t y = y0; y < y1; y++)
            for (int64_t x = x0; x < x1; x++) put(rt, (int32_t)x, (int32_t)y, c);
    }
}

void kiln_draw_clear(const kiln_canvas *rt, kiln_draw_color c) {
    c |= 0xFF; /* clearing makes the frame opaque: the canvas never shows stale pixels through it */
    span_fill(rt, 0, 0, rt->width, rt->height, c);
}

void kiln_draw_pixel(const kiln_canvas *rt, int32_t x, int32_t y, kiln_draw_color c) {
    put_clipped(rt, x, y, c);
}

void kiln_draw_fill_rect(const kiln_canvas *rt, int32_t x, int32_t y, int32_t w, int32_t h, kiln_draw_color c) {
    if (w <= 0 || h <= 0) return;
    span_fill(rt, x, y, (int64_t)x + w, (int64_t)y + h, c);
}

void kiln_draw_rect(const kiln_canvas *rt, int32_t x, int32_t y, int32_t w, int32_t h, kiln_draw_color c) {
    if (w <= 0 || h <= 0) return;
    int64_t x1 = (int64_t)x + w, y1 = (int64_t)y + h;
    span_fill(rt, x, y, x1, (int64_t)y + 1, c);                       /* top */
    if (h > 1) span_fill(rt, x, y1 - 1, x1, y1, c);                   /* bottom */
    if (h > 2) {
        span_fill(rt, x, (int64_t)y + 1, (int64_t)x + 1, y1 - 1, c);  /* left */
        if (w > 1) span_fill(rt, x1 - 1, (int64_t)y + 1, x1, y1 - 1, c);
    }
}

/* Liang-Barsky: clip the segment to the framebuffer so far-away endpoints cost nothing. */
static int clip_line(const kiln_canvas *rt, double *x0, double *y0, double *x1, double *y1) {
    double t0 = 0, t1 = 1, dx = *x1 - *x0, dy = *y1 - *y0;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {*x0, (rt->width - 1) - *x0, *y0, (rt->height - 1) - *y0};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) { if (q[i] < 0) return 0; continue; }
        double t = q[i] / p[i];
        if (p[i] < 0) { if (t > t1) return 0; if (t > t0) t0 = t; }
        else { if (t < t0) return 0; if (t < t1) t1 = t; }
    }
    double ox = *x0, oy = *y0;
    *x0 = ox + t0 * dx; *y0 = oy + t0 * dy;
    *x1 = ox + t1 * dx; *y1 = oy + t1 * dy;
    return 1;
}

void kiln_draw_line(const kiln_canvas *rt, int32_t x0, int32_t y0, int32_t x1, int32_t y1, kiln_draw_color c) {
        int inside = x0 >= 0 && y0 >= 0 && x1 >= 0 && y1 >= 0 && x0 < rt->width && x1 < rt->width &&
                 y0 < rt->height && y1 < rt->height;
    if (!inside) {
        double a = x0, b = y0, d = x1, e = y1;
        if (!clip_line(rt, &a, &b, &d, &e)) return;
        x0 = (int32_t)(a + 0.5); y0 = (int32_t)(b + 0.5); x1 = (int32_t)(d + 0.5); y1 = (int32_t)(e + 0.5);
    }
    int32_t dx = x1 > x0 ? x1 - x0 : x0 - x1, sx = x0 < x1 ? 1 : -1;
    int32_t dy = y1 > y0 ? y0 - y1 : y1 - y0, sy = y0 < y1 ? 1 : -1;
    int32_t err = dx + dy;
    for (;;) {
        put_clipped(rt, x0, y0, c);
        if (x0 == x1 && y0 == y1) break;
        int32_t e2 = 2 * err;
        if (e2 >= dy) { err += dy; x0 += sx; }
        if (e2 <= dx) { err += dx; y0 += sy; }
    }
}

void kiln_draw_circle(const kiln_canvas *rt, int32_t cx, int32_t cy, int32_t r, kiln_draw_color c) {
    if (r < 0) return;
    int64_t rr = (int64_t)r * r + r; /* +r: rounder small circles */
    int64_t dy0 = -(int64_t)r, dy1 = r;
    if (cy + dy0 < 0) dy0 = -(int64_t)cy;
    if (cy + dy1 >= rt->height) dy1 = (int64_t)rt->height - 1 - cy;
    for (int64_t dy = dy0; dy <= dy1; dy++) {
        int64_t dx = (int64_t)sqrt((double)(rr - dy * dy));
        while (dx > 0 && dx * dx + dy * dy > rr) dx--;
        while ((dx + 1) * (dx + 1) + dy * dy <= rr) dx++;
        span_fill(rt, cx - dx, cy + dy, cx + dx + 1, cy + dy + 1, c);
    }
}

void kiln_draw_text(const kiln_canvas *rt, const char *s, size_t len, int32_t x, int32_t y, int32_t scale, kiln_draw_color c) {
    if (!s) return;
    if (scale < 1) scale = 1;
    if (scale > 64) scale = 64;
    int64_t pen_x = x, pen_y = y;
    for (size_t i = 0; i < len && s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') { pen_x = x; pen_y += 8 * scale; continue; }
        if (ch < 32 || ch > 126) ch = '?';
        if (pen_x < rt->width && pen_y < rt->height && pen_x + 8 * scale > 0 && pen_y + 8 * scale > 0) {
            const uint8_t *g = kiln_font8x8[ch - 32];
            for (int row = 0; row < 8; row++)
                for (int col = 0; col < 8; col++)
                    if (g[row] & (0x80 >> col))
                        span_fill(rt, pen_x + col * scale, pen_y + row * scale, pen_x + (col + 1) * scale,
                                  pen_y + (row + 1) * scale, c);
        }
        pen_x += 8 * scale;
    }
}


void kiln_draw_blit(const kiln_canvas *rt, const uint32_t *px, int32_t w, int32_t h, int32_t x, int32_t y) {
    if (!px || w <= 0 || h <= 0) return;
    int64_t x0 = x < 0 ? -(int64_t)x : 0, y0 = y < 0 ? -(int64_t)y : 0;
    int64_t x1 = (int64_t)rt->width - x < w ? (int64_t)rt->width - x : w;
    int64_t y1 = (int64_t)rt->height - y < h ? (int64_t)rt->height - y : h;
    for (int64_t j = y0; j < y1; j++)
        for (int64_t i = x0; i < x1; i++)
            put(rt, (int32_t)(x + i), (int32_t)(y + j), px[j * w + i]);
}

/* Destination span [d0, d1) of the source span [c0, c1) of a part starting at s (length n) drawn at d. */
static void dest_span(int64_t s, int64_t n, int64_t c0, int64_t c1, int64_t d, int flip, int64_t *d0, int64_t *d1) {
    if (flip) { *d0 = d + (s + n - c1); *d1 = d + (s + n - c0); }
    else { *d0 = d + (c0 - s); *d1 = d + (c1 - s); }
}

void kiln_draw_image(const kiln_canvas *rt, const uint8_t *rgba, int32_t iw, int32_t ih, int32_t sx, int32_t sy,
                     int32_t sw, int32_t sh, int32_t x, int32_t y, int32_t flags) {
    if (!rgba || iw <= 0 || ih <= 0 || sw <= 0 || sh <= 0) return;
    int fx = (flags & KILN_DRAW_FLIP_X) != 0, fy = (flags & KILN_DRAW_FLIP_Y) != 0;
    /* the part, clipped to the image (64-bit: sx + sw may overflow 32 bits) */
    int64_t c0 = sx < 0 ? 0 : sx, c1 = (int64_t)sx + sw > iw ? iw : (int64_t)sx + sw;
    int64_t r0 = sy < 0 ? 0 : sy, r1 = (int64_t)sy + sh > ih ? ih : (int64_t)sy + sh;
    if (c0 >= c1 || r0 >= r1) return;
    /* where it lands, clipped to the canvas */
    int64_t dx0, dx1, dy0, dy1;
    dest_span(sx, sw, c0, c1, x, fx, &dx0, &dx1);
    dest_span(sy, sh, r0, r1, y, fy, &dy0, &dy1);
    if (dx0 < 0) dx0 = 0;
    if (dy0 < 0) dy0 = 0;
    if (dx1 > rt->width) dx1 = rt->width;
    if (dy1 > rt->height) dy1 = rt->height;
    for (int64_t dy = dy0; dy < dy1; dy++) {
        int64_t r = fy ? (int64_t)sy + sh - 1 - (dy - y) : (int64_t)sy + (dy - y);
        const uint8_t *row = rgba + (size_t)r * (size_t)iw * 4;
        for (int64_t dx = dx0; dx < dx1; dx++) {
            int64_t c = fx ? (int64_t)sx + sw - 1 - (dx - x) : (int64_t)sx + (dx - x);
            const uint8_t *p = row + (size_t)c * 4;
            put(rt, (int32_t)dx, (int32_t)dy, (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
        }
    }
}
