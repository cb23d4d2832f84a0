/* assets.c — the image table: project-relative path -> handle, RGBA pixels, generation, placeholder. Handles are
   stable for the whole session: the table's order is kept in state/images.list, so a restarted runner hands out the
   same numbers before its first frame. Decoding is asset_decode.c; drawing is draw.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset_decode.h"
#include "draw.h"
#include "runtime_internal.h"

#define ASSET_FILE_MAX ((size_t)64 << 20)
#define IMAGES_MAX 4096
#define PLACEHOLDER_MAX 512 /* a broken file claiming a huge size still gets a small placeholder */

typedef struct asset_image {
    char path[KILN_IMAGE_PATH_MAX];
    int32_t w, h;
    uint8_t *px;                      /* RGBA8, w*h*4 */
    int placeholder;
    uint32_t generation;
    double decode_s;
    char error[512];
} asset_image;

typedef struct kiln_assets {
    char list_path[KILN_PATH_MAX];    /* state/images.list: one path per line, line i = handle i */
    asset_image *items;
    int count, cap;
} kiln_assets;

static kiln_assets *assets_of(kiln_runtime *rt) {
    if (!rt->assets) {
        rt->assets = calloc(1, sizeof *rt->assets);
        if (rt->assets) snprintf(rt->assets->list_path, sizeof rt->assets->list_path, "%s/images.list", rt->state_dir);
    }
    return rt->assets;
}

void kiln__assets_free(kiln_runtime *rt) {
    if (!rt->assets) return;
    for (int i = 0; i < rt->assets->count; i++) free(rt->assets->items[i].px);
    free(rt->assets->items);
    free(rt->assets);
    rt->assets = NULL;
}

/* A magenta/black checker of 4-pixel squares: unmistakably "this art is missing". */
static uint8_t *placeholder(int32_t w, int32_t h) {
    uint8_t *px = malloc((size_t)w * (size_t)h * 4);
    if (!px) return NULL;
    for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * (size_t)w + (size_t)x) * 4;
            int on = ((x >> 2) + (y >> 2)) & 1;
            p[0] = on ? 0xFF : 0; p[1] = 0; p[2] = on ? 0xFF : 0; p[3] = 0xFF;
        }
    return px;
}

/* Reads and decodes the file into *im (path set): real pixels, or a placeholder with im->error. 0, -1: no memory. */
static int decode_into(kiln_runtime *rt, asset_image *im) {
    double t0 = kiln_plat_now();
    uint8_t *bytes = NULL;
    size_t len = 0;
    uint64_t size = 0;
    char err[KILN_PLAT_ERR] = "";
    int32_t w = 0, h = 0;
    uint8_t *px = NULL;
    im->error[0] = '\0';
    if (kiln__project_read(rt, im->path, ASSET_FILE_MAX, ASSET_FILE_MAX, &bytes, &len, &size, err) != 0) snprintf(im->error, sizeof im->error, "%s", err);
    else px = kiln_decode_image(bytes, len, &w, &h, im->error, sizeof im->error);
    int ph = !px;
    if (ph) {
        if (!bytes || !kiln_decode_image_size(bytes, len, &w, &h) || w <= 0 || h <= 0 || w > PLACEHOLDER_MAX || h > PLACEHOLDER_MAX) w = h = 16;
        px = placeholder(w, h);
    }
    free(bytes);
    if (!px) return -1;
    free(im->px);
    im->px = px; im->w = w; im->h = h; im->placeholder = ph;
    im->decode_s = kiln_plat_now() - t0;
    return 0;
}

static int find(const kiln_assets *a, const char *path) {
    for (int i = 0; i < a->count; i++) if (strcmp(a->items[i].path, path) == 0) return i;
    return -1;
}

/* Appends an entry for `path` (normalised) and decodes it. Its handle, or -1 (table full, no memory: why set). */
static int add(kiln_runtime *rt, kiln_assets *a, const char *path, char *why, size_t why_len) {
    if (a->count >= IMAGES_MAX) { snprintf(why, why_len, "a game may load at most %d images", IMAGES_MAX); return -1; }
    if (a->count == a->cap) {
        int cap = a->cap ? a->cap * 2 : 16;
        asset_image *n = realloc(a->items, (size_t)cap * sizeof *n);
        if (!n) { snprintf(why, why_len, "out of memory"); return -1; }
        a->items = n; a->cap = cap;
    }
    asset_image *im = &a->items[a->count];
    memset(im, 0, sizeof *im);
    snprintf(im->path, sizeof im->path, "%s", path);
    if (decode_into(rt, im) != 0) { snprintf(why, why_len, "out of memory"); return -1; }
    return a->count++;
}

static void info_of(const asset_image *im, int32_t handle, kiln_image_info *out) {
    memset(out, 0, sizeof *out);
    out->handle = handle; out->width = im->w; out->height = im->h; out->placeholder = im->placeholder;
    out->generation = im->generation; out->decode_s = im->decode_s;
    snprintf(out->path, sizeof out->path, "%s", im->path);
    snprintf(out->error, sizeof out->error, "%s", im->error);
}

/* --- the runtime's API ----------------------------------------------------------------------------------------- */
void kiln__assets_project_set(kiln_runtime *rt) {
    kiln_assets *a = assets_of(rt);
    if (!a) return; /* out of memory: image_load reports it */
    pthread_mutex_lock(&rt->lock);
    for (int i = 0; i < a->count; i++) decode_into(rt, &a->items[i]); /* a new folder: what the paths name now */
    /* the handles a previous runner gave out: the same paths in the same order */
    FILE *f = a->count == 0 ? fopen(a->list_path, "r") : NULL;
    if (f) {
        char line[KILN_IMAGE_PATH_MAX + 2], why[300];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (!line[0]) continue;
            if (add(rt, a, line, why, sizeof why) < 0) break;
        }
        fclose(f);
    }
    pthread_mutex_unlock(&rt->lock);
}

int32_t kiln_image_reload(kiln_runtime *rt, const char *path, kiln_image_info *out) {
    if (!rt || !out) return KILN_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->handle = -1;
    if (kiln_plat_in_guarded_call()) return KILN_ERR_INVALID;
    char norm[KILN_IMAGE_PATH_MAX], why[300];
    if (kiln__project_path(path, norm, why, sizeof why) != 0) { snprintf(out->error, sizeof out->error, "%s", why); return KILN_ERR_INVALID; }
    snprintf(out->path, sizeof out->path, "%s", norm);
    kiln_assets *a = rt->assets;
    if (!a) return KILN_ERR_NOT_FOUND;
    /* decode outside the frame lock (a big PNG takes milliseconds); only the swap waits for a frame to end */
    asset_image fresh;
    memset(&fresh, 0, sizeof fresh);
    snprintf(fresh.path, sizeof fresh.path, "%s", norm);
    pthread_mutex_lock(&rt->lock);
    int i = find(a, norm);
    pthread_mutex_unlock(&rt->lock);
    if (i < 0) return KILN_ERR_NOT_FOUND;
    if (decode_into(rt, &fresh) != 0) { snprintf(out->error, sizeof out->error, "out of memory"); return KILN_ERR_INVALID; }
    pthread_mutex_lock(&rt->lock);
    asset_image *im = &a->items[i];
    uint8_t *old = im->px;
    fresh.generation = im->generation + 1;
    *im = fresh;
    info_of(im, i, out);
    pthread_mutex_unlock(&rt->lock);
    free(old);
    return KILN_OK;
}

int32_t kiln_image_count(kiln_runtime *rt) { return rt && rt->assets ? rt->assets->count : 0; }

int32_t kiln_image_get(kiln_runtime *rt, int32_t handle, kiln_image_info *out) {
    if (!rt || !out) return KILN_ERR_INVALID;
    if (!rt->assets || handle < 0 || handle >= rt->assets->count) return KILN_ERR_NOT_FOUND;
    info_of(&rt->assets->items[handle], handle, out);
    return KILN_OK;
}

/* --- the host table's image calls (inside plugin callbacks, under the frame lock) ------------------------------- */
static int32_t host_image_load(const char *path) {
    kiln_runtime *rt = kiln__host_runtime();
    if (!rt) return -1;
    kiln_slot *s = kiln__host_slot();
    const char *who = s ? s->name : "";
    char norm[KILN_IMAGE_PATH_MAX], why[300];
    char given[KILN_IMAGE_PATH_MAX];
    snprintf(given, sizeof given, "%s", path ? path : ""); /* a bad pointer faults here, in the plugin's call */
    if (kiln__project_path(path, norm, why, sizeof why) != 0) {
        kiln__queue_messagef_from(rt, who, KILN_LOG_ERROR, "%s: image_load(\"%s\") refused: %s.", who, given, why);
        return -1;
    }
    kiln_plat_defer_begin(); /* a watchdog stop must not leave malloc or the table half-done */
    kiln_assets *a = assets_of(rt);
    int h = a ? find(a, norm) : -1;
    if (a && h < 0) {
        h = add(rt, a, norm, why, sizeof why);
        if (h >= 0) {
            FILE *f = fopen(a->list_path, "a");
            if (f) { fprintf(f, "%s\n", norm); fclose(f); }
            asset_image *im = &a->items[h];
            if (im->placeholder)
                kiln__queue_messagef_from(rt, who, KILN_LOG_ERROR, "%s: image_load(\"%s\"): %s; a %dx%d placeholder is drawn "
                                          "until the file is fixed (saving it shows it at once).", who, norm, im->error, (int)im->w, (int)im->h);
        } else {
            kiln__queue_messagef_from(rt, who, KILN_LOG_ERROR, "%s: image_load(\"%s\") failed: %s.", who, norm, why);
        }
    }
    kiln_plat_defer_end();
    return h;
}

static const asset_image *image_at(kiln_runtime *rt, int32_t image) {
    return rt && rt->assets && image >= 0 && image < rt->assets->count ? &rt->assets->items[image] : NULL;
}

static void host_draw_sprite_part(int32_t image, int32_t sx, int32_t sy, int32_t sw, int32_t sh, int32_t x, int32_t y, int32_t flags) {
    kiln_runtime *rt = kiln__host_runtime();
    const asset_image *im = image_at(rt, image);
    if (!im) return;
    kiln_canvas cv = {rt->fb, rt->width, rt->height};
    kiln_draw_image(&cv, im->px, im->w, im->h, sx, sy, sw, sh, x, y, flags);
}

static void host_draw_sprite(int32_t image, int32_t x, int32_t y) {
    const asset_image *im = image_at(kiln__host_runtime(), image);
    if (im) host_draw_sprite_part(image, 0, 0, im->w, im->h, x, y, 0);
}

static int32_t host_image_width(int32_t image) { const asset_image *im = image_at(kiln__host_runtime(), image); return im ? im->w : 0; }
static int32_t host_image_height(int32_t image) { const asset_image *im = image_at(kiln__host_runtime(), image); return im ? im->h : 0; }

void kiln__assets_host_init(kiln_host *h) {
    h->image_load = host_image_load;
    h->draw_sprite = host_draw_sprite;
    h->draw_sprite_part = host_draw_sprite_part;
    h->image_width = host_image_width;
    h->image_height = host_image_height;
}
