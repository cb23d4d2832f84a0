/* project_files.c — the project folder a game's files (images, sounds) come from. One owner for where it is
   (kiln_set_project_dir) and how a file is read while staying inside it (kiln__project_read, on the platform's
   kiln_plat_open_inside); which paths a plugin may name is project_path.c. assets.c and sound.c both read here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

int32_t kiln_set_project_dir(kiln_runtime *rt, const char *dir) {
    if (!rt || !dir) return KILN_ERR_INVALID;
    char real[KILN_PATH_MAX], err[KILN_PLAT_ERR];
    if (kiln_plat_real_dir(dir, real, sizeof real, err) != 0) {
        kiln__set_error(rt, "kiln_set_project_dir: %s; pass the project folder.", err);
        return KILN_ERR_INVALID;
    }
    pthread_mutex_lock(&rt->project_lock);
    snprintf(rt->project_root, sizeof rt->project_root, "%s", real);
    pthread_mutex_unlock(&rt->project_lock);
    /* the handles a previous runtime gave out come back in the same order, before any plugin asks */
    kiln__assets_project_set(rt);
    kiln__sound_project_set(rt);
    return KILN_OK;
}

int kiln__project_read(kiln_runtime *rt, const char *rel, size_t cap, uint64_t max, uint8_t **data, size_t *got,
                       uint64_t *size, char err[KILN_PLAT_ERR]) {
    *data = NULL; *got = 0; *size = 0;
    char root[KILN_PATH_MAX];
    pthread_mutex_lock(&rt->project_lock);
    snprintf(root, sizeof root, "%s", rt->project_root);
    pthread_mutex_unlock(&rt->project_lock);
    if (!root[0]) { snprintf(err, KILN_PLAT_ERR, "no project folder is set (the host did not call kiln_set_project_dir)"); return -1; }
    kiln_plat_file f;
    if (kiln_plat_open_inside(root, rel, &f, err) != 0) return -1;
    *size = f.size;
    if (f.size > max) {
        snprintf(err, KILN_PLAT_ERR, "it is %llu bytes, over the %llu MiB limit for one file of the game; make it smaller",
                 (unsigned long long)f.size, (unsigned long long)(max >> 20));
        kiln_plat_file_close(&f);
        return -1;
    }
    size_t want = f.size < cap ? (size_t)f.size : cap;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) { kiln_plat_file_close(&f); snprintf(err, KILN_PLAT_ERR, "out of memory"); return -1; }
    int64_t n = kiln_plat_file_read(&f, buf, want); /* shorter when an editor is rewriting it: the caller judges */
    kiln_plat_file_close(&f);
    if (n < 0) { free(buf); snprintf(err, KILN_PLAT_ERR, "it cannot be read"); return -1; }
    *data = buf; *got = (size_t)n;
    return 0;
}
