/* output_posix.c — what plugins print. kiln_capture_output() makes fd 1 and 2 pipes that libkiln reads, so printf,
   puts and write(1/2, ...) from a plugin reach the game log as typed records (kiln_log_message.stream) tagged with
   the plugin whose callback just ran, instead of the back end's terminal.

   Who said it: after every guarded call libkiln fflush()es stdio and reads both pipes dry; those bytes belong to the
   plugin of that call. Bytes found before a call (a thread of the host, koffi) are untagged and are also written
   to the original fd, so the terminal keeps seeing them. A reader thread empties the pipes while a call runs, so a
   plugin printing megabytes per frame never blocks in write(); what it keeps is bounded (OUT_BUF per stream
   between two drains, OUT_LINES lines per call), the rest is counted and reported as one "N lines dropped" record. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "runtime_internal.h"

typedef struct out_stream {
    int fd;             /* 1 or 2 */
    int saved;          /* dup of the original fd 1 / 2 (the terminal) */
    int rd, wr;         /* the pipe: wr is what fd 1 / 2 now are */
    char buf[KILN_OUTPUT_BUF];
    size_t len;
    uint64_t dropped_lines; /* newlines in bytes that did not fit in buf since the last drain */
    int dropped_partial;    /* dropped bytes after the last such newline */
} out_stream;

static struct {
    int on;             /* atomic: capture in force */
    int stop;           /* atomic: the reader thread should end */
    int active;         /* atomic: guarded calls running now (untagged bytes are collected only at 0) */
    pthread_mutex_t m;  /* the streams' buffers and the pipes' read ends */
    pthread_t reader;
    out_stream s[2];
} g = {.m = PTHREAD_MUTEX_INITIALIZER};
static __thread int tl_counted; /* this thread's call was counted in g.active */

/* Appends what the pipe holds now (non-blocking) to s->buf; what does not fit is counted, not kept. g.m held. */
static void read_available(out_stream *s) {
    char tmp[16384];
    for (;;) {
        ssize_t n = read(s->rd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        size_t keep = KILN_OUTPUT_BUF - s->len;
        if (keep > (size_t)n) keep = (size_t)n;
        memcpy(s->buf + s->len, tmp, keep);
        s->len += keep;
        for (size_t i = keep; i < (size_t)n; i++) {
            if (tmp[i] == '\n') { s->dropped_lines++; s->dropped_partial = 0; }
            else s->dropped_partial = 1;
        }
    }
}

static void *reader_main(void *arg) {
    (void)arg;
    struct pollfd p[2] = {{g.s[0].rd, POLLIN, 0}, {g.s[1].rd, POLLIN, 0}};
    while (!__atomic_load_n(&g.stop, __ATOMIC_ACQUIRE)) {
        if (poll(p, 2, 100) <= 0) continue; /* the timeout is how a stop is noticed */
        usleep(1000); /* let a burst gather: one read of many writes instead of a wake-up per write */
        pthread_mutex_lock(&g.m);
        for (int i = 0; i < 2; i++) if (p[i].revents & POLLIN) read_available(&g.s[i]);
        pthread_mutex_unlock(&g.m);
    }
    return NULL;
}

static void close_fd(int *fd) { if (*fd >= 0) close(*fd); *fd = -1; }

int32_t kiln_capture_output(int32_t *original_stdout, int32_t *original_stderr) {
    if (__atomic_load_n(&g.on, __ATOMIC_ACQUIRE)) {
        if (original_stdout) *original_stdout = g.s[0].saved;
        if (original_stderr) *original_stderr = g.s[1].saved;
        return KILN_OK;
    }
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 2; i++) {
        out_stream *s = &g.s[i];
        s->fd = i + 1; s->len = 0; s->dropped_lines = 0; s->dropped_partial = 0;
        s->rd = s->wr = -1;
        s->saved = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
        int p[2];
        if (s->saved < 0 || pipe2(p, O_CLOEXEC) != 0) goto fail;
        s->rd = p[0]; s->wr = p[1];
        fcntl(s->rd, F_SETFL, fcntl(s->rd, F_GETFL) | O_NONBLOCK); /* drains never wait; writers block only on a full pipe */
        fcntl(s->wr, F_SETPIPE_SZ, 1 << 20);                        /* best effort: a burst fits while the reader catches up */
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* signals (the watchdog's, SIGINT) are for the game threads */
    __atomic_store_n(&g.stop, 0, __ATOMIC_RELEASE);
    int rc = pthread_create(&g.reader, NULL, reader_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) goto fail;
    dup2(g.s[0].wr, 1);
    dup2(g.s[1].wr, 2);
    /* fflushed after every call anyway: few, big writes into the pipe. An explicit buffer: glibc keeps a stream's
       existing buffer when given NULL (a 1-byte one if stdout was ever unbuffered, which splits every printf). */
    static char stdout_buf[1 << 16];
    setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
    __atomic_store_n(&g.on, 1, __ATOMIC_RELEASE);
    if (original_stdout) *original_stdout = g.s[0].saved;
    if (original_stderr) *original_stderr = g.s[1].saved;
    return KILN_OK;
fail:
    for (int i = 0; i < 2; i++) { close_fd(&g.s[i].saved); close_fd(&g.s[i].rd); close_fd(&g.s[i].wr); }
    return KILN_ERR_INVALID;
}

void kiln_release_output(void) {
    if (!__atomic_load_n(&g.on, __ATOMIC_ACQUIRE)) return;
    fflush(stdout);
    fflush(stderr);
    __atomic_store_n(&g.on, 0, __ATOMIC_RELEASE);
    for (int i = 0; i < 2; i++) dup2(g.s[i].saved, g.s[i].fd);
    setvbuf(stdout, NULL, _IOLBF, 0);
    __atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
    pthread_join(g.reader, NULL);
    pthread_mutex_lock(&g.m);
    for (int i = 0; i < 2; i++) {
        out_stream *s = &g.s[i];
        read_available(s);
        if (s->len) { ssize_t w = write(s->saved, s->buf, s->len); (void)w; } /* nobody drained it: the terminal gets it */
        s->len = 0;
        close_fd(&s->saved); close_fd(&s->rd); close_fd(&s->wr);
    }
    pthread_mutex_unlock(&g.m);
}

/* What one drain took from a stream (heap copy, so lines are queued without holding g.m). */
typedef struct taken { char *bytes; size_t len; uint64_t dropped_lines; } taken;

static void take(out_stream *s, taken *t) {
    t->bytes = NULL; t->len = 0;
    t->dropped_lines = s->dropped_lines + (uint64_t)s->dropped_partial;
    s->dropped_lines = 0; s->dropped_partial = 0;
    if (!s->len) return;
    t->bytes = malloc(s->len);
    if (t->bytes) { memcpy(t->bytes, s->buf, s->len); t->len = s->len; }
    else t->dropped_lines++;
    s->len = 0;
}

/* Splits a stream's bytes into lines (a last line without '\n' is a line: the call is over) and queues them. */
static void emit(kiln_runtime *rt, const char *plugin, int stream, const taken *t, int *budget, uint64_t *dropped) {
    *dropped += t->dropped_lines;
    if (!plugin && t->len) { ssize_t w = write(g.s[stream - 1].saved, t->bytes, t->len); (void)w; }
    size_t at = 0;
    while (at < t->len) {
        const char *nl = memchr(t->bytes + at, '\n', t->len - at);
        size_t end = nl ? (size_t)(nl - t->bytes) : t->len, n = end - at;
        if (n && t->bytes[end - 1] == '\r') n--;
        if (*budget > 0) {
            (*budget)--;
            kiln__queue_output(rt, plugin, stream, t->bytes + at, n < KILN_OUTPUT_LINE_MAX ? n : KILN_OUTPUT_LINE_MAX);
        } else {
            (*dropped)++;
        }
        at = nl ? end + 1 : t->len;
    }
}

static void drain(kiln_runtime *rt, const char *plugin, int read_pipes) {
    taken t[2];
    pthread_mutex_lock(&g.m);
    for (int i = 0; i < 2; i++) {
        if (read_pipes) read_available(&g.s[i]);
        take(&g.s[i], &t[i]);
    }
    pthread_mutex_unlock(&g.m);
    int budget = KILN_OUTPUT_LINES;
    uint64_t dropped = 0;
    for (int i = 0; i < 2; i++) {
        emit(rt, plugin, i + 1, &t[i], &budget, &dropped);
        free(t[i].bytes);
    }
    if (dropped) {
        char m[300];
        int n = snprintf(m, sizeof m, "%s%s%llu line%s of output dropped: at most %d lines per callback (and %d KiB per stream) "
                         "reach the game log. Print less often, e.g. once a second.", plugin && plugin[0] ? plugin : "",
                         plugin && plugin[0] ? ": " : "", (unsigned long long)dropped, dropped == 1 ? "" : "s",
                         KILN_OUTPUT_LINES, KILN_OUTPUT_BUF / 1024);
        kiln__queue_message_from(rt, plugin, KILN_LOG_WARN, m, n > 0 ? (size_t)n : 0);
    }
}

void kiln__output_before_call(kiln_runtime *rt) {
    if (!__atomic_load_n(&g.on, __ATOMIC_ACQUIRE)) return;
    tl_counted++;
    if (__atomic_fetch_add(&g.active, 1, __ATOMIC_ACQ_REL) == 0) {
        /* bytes already read are not this call's: untagged (no syscall here: reads happen after calls) */
        pthread_mutex_lock(&g.m);
        int any = g.s[0].len || g.s[1].len || g.s[0].dropped_lines || g.s[1].dropped_lines;
        pthread_mutex_unlock(&g.m);
        if (any) drain(rt, NULL, 0);
    }
}

void kiln__output_after_call(kiln_runtime *rt, const char *plugin, int faulted) {
    if (!tl_counted) return;
    tl_counted--;
    /* after a fault or a watchdog stop libc's stdio lock may be held by the abandoned call: no fflush then */
    if (!faulted) { fflush(stdout); fflush(stderr); }
    __atomic_fetch_sub(&g.active, 1, __ATOMIC_ACQ_REL);
    if (__atomic_load_n(&g.on, __ATOMIC_ACQUIRE)) drain(rt, plugin && plugin[0] ? plugin : NULL, 1);
}

void kiln__output_collect(kiln_runtime *rt) {
    if (!__atomic_load_n(&g.on, __ATOMIC_ACQUIRE) || __atomic_load_n(&g.active, __ATOMIC_ACQUIRE)) return;
    pthread_mutex_lock(&g.m);
    int any = g.s[0].len || g.s[1].len || g.s[0].dropped_lines || g.s[1].dropped_lines;
    pthread_mutex_unlock(&g.m);
    if (any) drain(rt, NULL, 0);
}
