/* image.h — loading a plugin image the safe way, shared by the game runtime (runtime.c) and the generic engine
   (hot_reload.c): copy to a unique temp path (the build may overwrite its output at once, and dlopen caches by
   path), check the copy is a complete image (a half-written build is refused, never loaded), open it. */
#ifndef KILN_IMAGE_H
#define KILN_IMAGE_H

#include "platform.h"

#ifndef KILN_PATH_MAX
#define KILN_PATH_MAX 4096
#endif

typedef struct kiln_loaded_image {
    void *lib;                         /* NULL: nothing loaded */
    char temp_path[KILN_PATH_MAX];     /* the copy; removed by kiln__image_close */
    char source_dir[KILN_PATH_MAX];    /* the folder the image was copied from (its build folder) */
    char companion[KILN_PATH_MAX];     /* the library it brought from source_dir (a split build's other units), "" if none */
    double copy_seconds, open_seconds; /* timings of the last kiln__image_open (copy; check + dlopen) */
} kiln_loaded_image;

enum {
    KILN_IMG_OK = 0,
    KILN_IMG_ERR_PATH = -1,        /* temp path too long */
    KILN_IMG_ERR_COPY = -2,        /* source missing / unreadable, temp folder not writable */
    KILN_IMG_ERR_INCOMPLETE = -3,  /* truncated or half-written image: try again when the writer is done */
    KILN_IMG_ERR_DLOPEN = -4       /* the loader refused it (err has its reason) */
};

/* Copies src to <tmp_dir>/<stem>-<pid>-<n><ext> (n: process-wide counter; O_EXCL), checks, opens. On failure
   nothing is left behind (no copy, no handle) and err says why. */
int kiln__image_open(const char *src, const char *tmp_dir, const char *stem, kiln_loaded_image *out, char err[KILN_PLAT_ERR]);
/* The two halves of kiln__image_open, so the runtime can dlopen (run the image's constructors) inside a guarded,
   watched call: copy + check (no handle yet), then open the copy (on failure the copy is removed). */
int kiln__image_copy(const char *src, const char *tmp_dir, const char *stem, kiln_loaded_image *out, char err[KILN_PLAT_ERR]);
int kiln__image_dlopen(kiln_loaded_image *out, char err[KILN_PLAT_ERR]);
void kiln__image_close(kiln_loaded_image *im);

#endif
