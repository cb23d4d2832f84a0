/* platform_posix_assets.c — reading a game's asset files, confined to its project folder (the same rules as the
   back end's electron/core/project.ts: no link out of the folder, nothing but regular files). */
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kiln_plat_real_dir(const char *dir, char *out, size_t cap, char err[KILN_PLAT_ERR]) {
    char *real = realpath(dir, NULL);
    if (!real) { int e = errno; if (err) snprintf(err, KILN_PLAT_ERR, "%s: %s", dir, strerror(e)); return -e; }
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode) || strlen(real) >= cap) {
        if (err) snprintf(err, KILN_PLAT_ERR, "%s is not a folder (or its path is too long)", dir);
        free(real);
        return -ENOTDIR;
    }
    snprintf(out, cap, "%s", real);
    free(real);
    return 0;
}

int kiln_plat_read_inside(const char *root, const char *rel, uint8_t **data, size_t *len, size_t max, char err[KILN_PLAT_ERR]) {
    *data = NULL; *len = 0;
    char full[PATH_MAX];
    if (snprintf(full, sizeof full, "%s/%s", root, rel) >= (int)sizeof full) {
        snprintf(err, KILN_PLAT_ERR, "the path is too long"); return -ENAMETOOLONG;
    }
    char *real = realpath(full, NULL);
    if (!real) {
        int e = errno;
        snprintf(err, KILN_PLAT_ERR, "%s", e == ENOENT ? "no such file in the project folder" : strerror(e));
        return -e;
    }
    size_t rl = strlen(root);
    int inside = strncmp(real, root, rl) == 0 && (real[rl] == '/' || (rl == 1 && root[0] == '/'));
    if (!inside) {
        snprintf(err, KILN_PLAT_ERR, "it is a link to %s, outside the project folder: copy the file into the project", real);
        free(real);
        return -EACCES;
    }
    /* O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; fstat then refuses it */
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    free(real);
    if (fd < 0) { int e = errno; snprintf(err, KILN_PLAT_ERR, "%s", strerror(e)); return -e; }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, KILN_PLAT_ERR, "it is not a regular file (%s)", S_ISFIFO(st.st_mode) ? "a named pipe" :
                 S_ISDIR(st.st_mode) ? "a folder" : "a device or socket");
        close(fd);
        return -EINVAL;
    }
    if ((uint64_t)st.st_size > max) {
        snprintf(err, KILN_PLAT_ERR, "it is %lld bytes, over the %zu MiB limit for one asset", (long long)st.st_size, max >> 20);
        close(fd);
        return -EFBIG;
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) { close(fd); snprintf(err, KILN_PLAT_ERR, "out of memory"); return -ENOMEM; }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* shrank while read (an editor rewriting it): what was read is decoded, or refused */
        got += (size_t)n;
    }
    close(fd);
    *data = buf; *len = got;
    return 0;
}
