/* image.c — see image.h. */
#include "image.h"

#include <stdio.h>
#include <string.h>

static uint32_t temp_counter; /* process-wide: two engines sharing a folder never pick the same name */

int kiln__image_copy(const char *src, const char *tmp_dir, const char *stem, kiln_loaded_image *out, char err[KILN_PLAT_ERR]) {
    out->lib = NULL;
    uint32_t n = __atomic_add_fetch(&temp_counter, 1, __ATOMIC_SEQ_CST);
    int len = snprintf(out->temp_path, sizeof out->temp_path, "%s/%s-%d-%u%s", tmp_dir, stem, (int)kiln_plat_pid(), n,
                       kiln_plat_lib_ext());
    if (len < 0 || (size_t)len >= sizeof out->temp_path) {
        snprintf(err, KILN_PLAT_ERR, "temp path too long");
        out->temp_path[0] = '\0';
        return KILN_IMG_ERR_PATH;
    }
    out->companion[0] = '\0';
    snprintf(out->source_dir, sizeof out->source_dir, "%s", src);
    char *sep = NULL;
    for (char *c = out->source_dir; *c; c++)
        if (*c == '/' || *c == '\\') sep = c;
    if (sep) *sep = '\0';
    else out->source_dir[0] = '\0';
    double t0 = kiln_plat_now();
    if (kiln_plat_copy_file(src, out->temp_path, err) != 0) { out->temp_path[0] = '\0'; return KILN_IMG_ERR_COPY; }
    double t1 = kiln_plat_now();
    out->copy_seconds = t1 - t0;
    /* check the copy, not the source: the source may change between the check and the copy */
    int chk = kiln_plat_image_check(out->temp_path, err);
    if (chk == KILN_PLAT_IMG_TRUNCATED) {
        /* name the source, not the temp copy */
        char why[KILN_PLAT_ERR];
        const char *cut = strstr(err, " is truncated");
        snprintf(why, sizeof why, "%.200s%.300s", src, cut ? cut : ": truncated");
        memcpy(err, why, sizeof why);
        kiln_plat_remove(out->temp_path);
        out->temp_path[0] = '\0';
        return KILN_IMG_ERR_INCOMPLETE;
    }
    return KILN_IMG_OK;
}

int kiln__image_dlopen(kiln_loaded_image *out, char err[KILN_PLAT_ERR]) {
    double t1 = kiln_plat_now();
    out->lib = kiln_plat_lib_open(out->temp_path, err);
    if (!out->lib) {
        kiln_plat_remove(out->temp_path);
        out->temp_path[0] = '\0';
        return KILN_IMG_ERR_DLOPEN;
    }
    out->open_seconds = kiln_plat_now() - t1;
    if (kiln_plat_lib_companion(out->lib, out->source_dir, out->companion, sizeof out->companion) != 0) out->companion[0] = '\0';
    return KILN_IMG_OK;
}

int kiln__image_open(const char *src, const char *tmp_dir, const char *stem, kiln_loaded_image *out, char err[KILN_PLAT_ERR]) {
    int rc = kiln__image_copy(src, tmp_dir, stem, out, err);
    return rc == KILN_IMG_OK ? kiln__image_dlopen(out, err) : rc;
}

void kiln__image_close(kiln_loaded_image *im) {
    if (im->lib) kiln_plat_lib_close(im->lib);
    im->lib = NULL;
    if (im->temp_path[0]) kiln_plat_remove(im->temp_path);
    im->temp_path[0] = '\0';
    im->companion[0] = '\0';
}
