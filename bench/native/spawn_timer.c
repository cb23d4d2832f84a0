/*
 * The bench's bare commands, run the way a shell runs them: from a small process, with posix_spawn (a vfork: no
 * copy of the parent's page tables), timed from the spawn to the reaped exit on CLOCK_MONOTONIC.
 *
 * Spawned from the bench's own process (which is the back end under test), a command cost Node's fork of a
 * 100-150 MB process: 6-8 ms before the compiler ran (2.5 ms from a shell), and every page of the back end
 * write-protected afterwards, so its next collections took page faults that Kiln's own saves then paid for.
 *
 * stdin: requests, each "cwd\0arg0\0arg1\0...\0\0". stdout, per request: "code ms stderr_bytes\n" then the
 * command's stderr (at most 64 KiB of it). The command's stdin and stdout are /dev/null. EOF on stdin: exit 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)
#define MAX_ARGS 4096
#define MAX_STDERR (64 << 10)

extern char **environ;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* One request from stdin into buf: the fields and their count; 0 at EOF before a whole request. */
static int read_request(char *buf, char **fields) {
    size_t len = 0;
    int n = 0;
    size_t start = 0;
    for (;;) {
        int c = getchar();
        if (c == EOF) return 0;
        if (len + 1 >= MAX_REQUEST) return -1;
        buf[len++] = (char)c;
        if (c != 0) continue;
        if (len - 1 == start) return n; /* an empty field ends the request */
        if (n == MAX_ARGS) return -1;
        fields[n++] = buf + start;
        start = len;
    }
}

int main(void) {
    static char buf[MAX_REQUEST];
    static char *fields[MAX_ARGS + 1];
    static char err[MAX_STDERR];
    for (;;) {
        int n = read_request(buf, fields);
        if (n == 0) return 0;
        if (n < 0) {
            fprintf(stderr, "spawn_timer: a request over %d bytes or %d arguments\n", MAX_REQUEST, MAX_ARGS);
            return 2;
        }
        if (n < 2) {
            fprintf(stderr, "spawn_timer: a request needs a folder and a command\n");
            return 2;
        }
        fields[n] = NULL;
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) != 0) return 3;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
        posix_spawn_file_actions_addchdir_np(&fa, fields[0]);
        pid_t pid;
        double t0 = now_ms();
        int rc = posix_spawnp(&pid, fields[1], &fa, NULL, fields + 1, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        size_t got = 0;
        int code;
        if (rc != 0) {
            got = (size_t)snprintf(err, sizeof err, "cannot run %s: %s", fields[1], strerror(rc));
            code = 127;
        } else {
            for (;;) {
                char chunk[4096];
                ssize_t r = read(pipefd[0], chunk, sizeof chunk);
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) break;
                size_t take = (size_t)r < sizeof err - got ? (size_t)r : sizeof err - got;
                memcpy(err + got, chunk, take);
                got += take;
            }
            int status = 0;
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        double ms = now_ms() - t0;
        close(pipefd[0]);
        printf("%d %.4f %zu\n", code, ms, got);
        fwrite(err, 1, got, stdout);
        fflush(stdout);
    }
}
