/*
 * kiln-limit BYTES COMMAND [ARGS...]: set RLIMIT_AS to BYTES, then exec COMMAND (so its pid is the
 * compiler's). Kiln runs every compiler through it: Node cannot set a child's limits, and util-linux's
 * prlimit costs ~3 ms more per build (a dynamic binary with libsmartcols); this one is static and tiny.
 *
 * kiln-limit --wait: the same, with the request read from stdin once it comes (cwd, BYTES, COMMAND, ARGS...,
 * each ending in a NUL). Kiln starts one ahead of the next build, so a save's compile does not wait for Node to
 * fork the back end (17-34 ms of a blocked event loop per spawn on a busy machine: docs/PLATFORM.md). EOF before
 * a whole request (the back end went away): exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)
#define MAX_ARGS 8192

static int limit_and_exec(const char *bytes_text, char **argv) {
    char *end = NULL;
    errno = 0;
    unsigned long long bytes = strtoull(bytes_text, &end, 10);
    if (errno || !end || *end) {
        fprintf(stderr, "kiln-limit: \"%s\" is not a byte count\n", bytes_text);
        return 127;
    }
    struct rlimit lim = { (rlim_t)bytes, (rlim_t)bytes };
    if (setrlimit(RLIMIT_AS, &lim) != 0) {
        fprintf(stderr, "kiln-limit: setrlimit(RLIMIT_AS): %s\n", strerror(errno));
        return 127;
    }
    execvp(argv[0], argv);
    fprintf(stderr, "kiln-limit: cannot run %s: %s\n", argv[0], strerror(errno));
    return 127;
}

/* Reads "cwd\0bytes\0cmd\0args...\0" from stdin to EOF, then runs it with stdin on /dev/null. */
static int wait_for_request(void) {
    char *buf = malloc(MAX_REQUEST);
    static char *argv[MAX_ARGS + 1];
    if (!buf) return 127;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(0, buf + len, MAX_REQUEST - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        if (len == MAX_REQUEST) {
            fprintf(stderr, "kiln-limit: a request over %d bytes\n", MAX_REQUEST);
            return 127;
        }
    }
    int argc = 0;
    for (size_t at = 0; at < len && argc < MAX_ARGS;) {
        argv[argc++] = buf + at;
        char *nul = memchr(buf + at, 0, len - at);
        if (!nul) return 0; /* cut short: not a request */
        at = (size_t)(nul - buf) + 1;
    }
    if (argc < 3) return 0; /* no request: the back end let this one go */
    argv[argc] = NULL;
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, 0);
        if (devnull != 0) close(devnull);
    }
    if (chdir(argv[0]) != 0) {
        fprintf(stderr, "kiln-limit: cannot enter %s: %s\n", argv[0], strerror(errno));
        return 127;
    }
    return limit_and_exec(argv[1], argv + 2);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--wait") == 0) return wait_for_request();
    if (argc < 3) {
        fprintf(stderr, "usage: kiln-limit BYTES COMMAND [ARGS...] | kiln-limit --wait\n");
        return 127;
    }
    return limit_and_exec(argv[1], argv + 2);
}
