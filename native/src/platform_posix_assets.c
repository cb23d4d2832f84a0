/* platform_posix_assets.c — opening a game's files (images, sounds), confined to its project folder (the same rules as the
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

int kiln_plat_open_inside(const char *root, const char *rel, kiln_plat_file *f, char err[KILN_PLAT_ERR]) {
    f->handle = -1; f->size = 0;
    char full[PATH_MAX], real[PATH_MAX];
    if (snprintf(full, sizeof full, "%s/%s", root, rel) >= (int)sizeof full) {
        snprintf(err, KILN_PLAT_ERR, "the path is too long"); return -ENAMETOOLONG;
    }
    if (!realpath(full, real)) {
        int e = errno;
        snprintf(err, KILN_PLAT_ERR, e == ENOENT ? "no such file in the project folder (looked for %s)" : "cannot resolve %s: %s",
                 full, strerror(e));
        return -e;
    }
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || (real[rl] != '/' && !(rl == 1 && root[0] == '/'))) {
        snprintf(err, KILN_PLAT_ERR, "it is a link to %s, out of the project folder: copy the file into the project", real);
        return -EACCES;
    }
    /* O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; fstat then refuses it.
       O_NOFOLLOW: real has no links left, unless one was swapped in since realpath. */
    int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) { int e = errno; snprintf(err, KILN_PLAT_ERR, "cannot open %s: %s", real, strerror(e)); return -e; }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, KILN_PLAT_ERR, "it is not a regular file (%s); give the path of a file", S_ISFIFO(st.st_mode) ? "a named pipe" :
                 S_ISDIR(st.st_mode) ? "a folder" : "a device or socket");
        close(fd);
        return -EINVAL;
    }
    f->handle = fd;
    f->size = (uint64_t)st.st_size;
    return 0;
}

int64_t kiln_plat_file_read(kiln_plat_file *f, void *buf, size_t cap) {
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read((int)f->handle, (char *)buf + got, cap - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return got ? (int64_t)got : -1;
        if (n == 0) break;
        got += (size_t)n;
    }
    return (int64_t)got;
}

void kiln_plat_file_close(kiln_plat_file *f) {
    if (f->handle >= 0) close((int)f->handle);
    f->handle = -1;
}
