/* platform_posix_watch.c — the folder watcher of platform.h on Linux: inotify on the image's folder, a pipe to
   stop, poll() with no timeout unless a retry is pending (no fixed sleep anywhere). */
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

struct kiln_plat_watch {
    int ino, stop_pipe[2];
    char file[256];
    kiln_plat_watch_fn on_change;
    void *user;
    pthread_t thread;
};

static void *watch_main(void *arg) {
    kiln_plat_watch *w = arg;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int timeout = -1;
    for (;;) {
        struct pollfd pfd[2] = {{w->ino, POLLIN, 0}, {w->stop_pipe[0], POLLIN, 0}};
        int r = poll(pfd, 2, timeout);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 || (pfd[1].revents & (POLLIN | POLLHUP))) break;
        int changed = r == 0; /* a pending retry is due */
        if (pfd[0].revents & POLLIN) {
            for (;;) { /* drain everything queued: one reload per burst */
                ssize_t n = read(w->ino, buf, sizeof buf);
                if (n <= 0) break;
                for (char *p = buf; p < buf + n;) {
                    struct inotify_event *e = (struct inotify_event *)(void *)p;
                    if (e->len && strcmp(e->name, w->file) == 0) changed = 1;
                    p += sizeof *e + e->len;
                }
            }
        }
        if (changed) {
            int again = w->on_change(w->user);
            timeout = again > 0 ? again : -1;
        }
    }
    return NULL;
}

kiln_plat_watch *kiln_plat_watch_start(const char *dir, const char *file, kiln_plat_watch_fn on_change, void *user,
                                       char err[KILN_PLAT_ERR]) {
    kiln_plat_watch *w = calloc(1, sizeof *w);
    if (!w) { snprintf(err, KILN_PLAT_ERR, "out of memory"); return NULL; }
    snprintf(w->file, sizeof w->file, "%s", file);
    w->on_change = on_change;
    w->user = user;
    w->ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (w->ino < 0) { snprintf(err, KILN_PLAT_ERR, "inotify_init1: %s", strerror(errno)); free(w); return NULL; }
    if (inotify_add_watch(w->ino, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        snprintf(err, KILN_PLAT_ERR, "cannot watch %.300s: %s", dir, strerror(errno));
        close(w->ino); free(w);
        return NULL;
    }
    if (pipe2(w->stop_pipe, O_CLOEXEC) != 0) {
        snprintf(err, KILN_PLAT_ERR, "pipe: %s", strerror(errno));
        close(w->ino); free(w);
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        snprintf(err, KILN_PLAT_ERR, "cannot start the watcher thread");
        close(w->ino); close(w->stop_pipe[0]); close(w->stop_pipe[1]); free(w);
        return NULL;
    }
    return w;
}

void kiln_plat_watch_stop(kiln_plat_watch *w) {
    if (!w) return;
    ssize_t n;
    do n = write(w->stop_pipe[1], "x", 1); while (n < 0 && errno == EINTR);
    pthread_join(w->thread, NULL);
    close(w->ino);
    close(w->stop_pipe[0]);
    close(w->stop_pipe[1]);
    free(w);
}
