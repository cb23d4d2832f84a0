/*
 * kiln-limit BYTES COMMAND [ARGS...]: set RLIMIT_AS to BYTES, then exec COMMAND (so its pid is the
 * compiler's). Kiln runs every compiler through it: Node cannot set a child's limits, and util-linux's
 * prlimit costs ~3 ms more per build (a dynamic binary with libsmartcols); this one is static and tiny.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: kiln-limit BYTES COMMAND [ARGS...]\n");
        return 127;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long bytes = strtoull(argv[1], &end, 10);
    if (errno || !end || *end) {
        fprintf(stderr, "kiln-limit: \"%s\" is not a byte count\n", argv[1]);
        return 127;
    }
    struct rlimit lim = { (rlim_t)bytes, (rlim_t)bytes };
    if (setrlimit(RLIMIT_AS, &lim) != 0) {
        fprintf(stderr, "kiln-limit: setrlimit(RLIMIT_AS): %s\n", strerror(errno));
        return 127;
    }
    execvp(argv[2], argv + 2);
    fprintf(stderr, "kiln-limit: cannot run %s: %s\n", argv[2], strerror(errno));
    return 127;
}
