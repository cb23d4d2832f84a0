/*
 * kiln-limit BYTES COMMAND [ARGS...]: set RLIMIT_AS to BYTES, then exec COMMAND (so its pid is the
 * compiler's). Kiln runs every compiler through it: Node cannot set a child's limits, and util-linux's
 * prlimit costs ~3 ms more per build (a dynamic binary with libsmartcols); this one is static and tiny.
 *
 * kiln-limit --wait: the same, with the request read from stdin once it comes (COUNT, then COUNT fields: cwd,
 * BYTES, COMMAND, ARGS..., each ending in a NUL). Kiln starts one ahead of the next build, so a save's compile does
 * not wait for Node to fork the back end (17-34 ms of a blocked event loop per spawn on a busy machine:
 * docs/PLATFORM.md). The count lets the request run once its last field is read, not at the end of the stream (the
 * back end's end of stdin reaches this process a loop turn later: 0.2 ms). EOF before a whole request (the back end
 * went away): exit 0.
 *
 * kiln-limit --wait --warm-tcc: built with Debian's libtcc (libtcc-dev, the same source as /usr/bin/tcc), a request
 * for that tcc is compiled in this process through libtcc instead of an exec, after a warm-up compile made while
 * waiting. A tcc process spends most of a small compile starting: on the 2-core VM the 1,000-line unit of the
 * 50-file game takes 15-18 ms as `tcc`, 8-11 ms through libtcc in a fresh process and 4-7 ms once this process has
 * compiled something (its heap and pages are in place). The command line is tcc's (tcc_parse_args), messages go
 * to stderr as tcc's do and the exit code is tcc's; -MD's list is every file a C source's compile opened. Anything
 * this mode does not do the way tcc's own main does (-E, -run, -x, -r, @files, several -c inputs, no -o) execs
 * tcc as before. See docs/PLATFORM.md, "tcc in a warm process".
 *
 * A request may start with a source's bytes: "=PATH\0LENGTH\0" and LENGTH bytes, then the fields as above. A compile
 * made in this process reads those bytes where it opens PATH (the name as the command line gives it), so the back
 * end can send a save's compile before the save's own write to disk has finished (that write, 0.6-1.5 ms of the
 * save's path, then runs beside the compile; the back end loads nothing until it has finished). A request with a
 * source that this process cannot compile itself (it would exec a compiler, which reads the disk) is refused: with
 * --done-fd, the record 'S' and nothing else; without, a message. Nothing runs; the back end sends it again without
 * the bytes once the file is written.
 *
 * --done-fd=N (with --wait): a compile made in this process keeps its messages, and once it has written its output
 * it writes one record to fd N before the process exits: 'K', the exit code, the messages' length (4 bytes, little
 * endian) and the messages, as tcc would have printed them to stderr. The back end goes on at that record alone,
 * instead of at the exit (which comes after the kernel has unmapped the process: 0.5-0.7 ms of a 4 ms compile) or at
 * the end of stdout and stderr (each its own wake-up of the back end's loop). A compile that ends the process
 * another way (tcc's fatal errors call exit) prints what it kept to stderr at the exit, without a record. FD_CLOEXEC
 * is set on N, so a command this process execs (gcc, or tcc itself) never sees it: N reaches end-of-file without a
 * record and the back end waits for the exit as before.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_REQUEST (1 << 20)
#define MAX_ARGS 8192

#ifdef KILN_LIBTCC_TCC
static int tcc_in_process(char **argv);
#endif
/* --done-fd: where the in-process compile's exit code goes before the exit (-1: not asked for). */
static int done_fd = -1;
/* The request's source: its bytes stand for the file PATH names (NULL: none came). */
static const char *source_path;
static const char *source_bytes;
static size_t source_len;

/* A request with a source's bytes cannot be run by a compiler this process execs: say so (record 'S'), run nothing. */
static int refuse_source(void) {
    if (done_fd >= 0) {
        static const char record = 'S';
        while (write(done_fd, &record, 1) < 0 && errno == EINTR) {
        }
        return 0;
    }
    fprintf(stderr, "kiln-limit: a request with the bytes of %s must be compiled in this process (this kiln-limit would run a compiler that reads the file)\n", source_path);
    return 127;
}

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
#ifdef KILN_LIBTCC_TCC
    int in_process = tcc_in_process(argv);
    if (in_process >= 0) return in_process;
#endif
    if (source_path) return refuse_source();
    execvp(argv[0], argv);
    fprintf(stderr, "kiln-limit: cannot run %s: %s\n", argv[0], strerror(errno));
    return 127;
}

/*
 * Reads ["=path\0length\0" bytes] "count\0cwd\0bytes\0cmd\0args...\0" from stdin up to its last field (not to EOF),
 * then runs it with stdin on /dev/null.
 */
static int wait_for_request(void) {
    char *buf = malloc(MAX_REQUEST);
    static char *argv[MAX_ARGS + 1];
    if (!buf) return 127;
    size_t len = 0, at = 0;
    long want = -1; /* fields the request has, once its count is read */
    int argc = 0;
    int source_state = 0; /* 1: PATH read, LENGTH next; 2: LENGTH read, the bytes next */
    while (want < 0 || argc < want) {
        if (source_state == 2) { /* the source's bytes: no field ends in them */
            if (len - at < source_len) goto more;
            source_bytes = buf + at;
            at += source_len;
            source_state = 0;
            continue;
        }
        char *nul = memchr(buf + at, 0, len - at);
        if (nul) { /* one more whole field */
            if (want < 0 && source_state == 0 && !source_path && buf[at] == '=') {
                source_path = buf + at + 1;
                source_state = 1;
            } else if (source_state == 1) {
                char *end = NULL;
                errno = 0;
                unsigned long long n = strtoull(buf + at, &end, 10);
                if (errno || end != nul || n >= MAX_REQUEST) {
                    fprintf(stderr, "kiln-limit: a source's length must be a byte count under %d\n", MAX_REQUEST);
                    return 127;
                }
                source_len = (size_t)n;
                source_state = 2;
            } else if (want < 0) {
                char *end = NULL;
                want = strtol(buf + at, &end, 10);
                if (end != nul || want < 3 || want > MAX_ARGS) {
                    fprintf(stderr, "kiln-limit: a request must start with its field count (3 to %d)\n", MAX_ARGS);
                    return 127;
                }
            } else {
                argv[argc++] = buf + at;
            }
            at = (size_t)(nul - buf) + 1;
            continue;
        }
    more:;
        ssize_t n = read(0, buf + len, MAX_REQUEST - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0; /* no whole request: the back end let this one go */
        len += (size_t)n;
        if (len == MAX_REQUEST) {
            fprintf(stderr, "kiln-limit: a request over %d bytes\n", MAX_REQUEST);
            return 127;
        }
    }
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

#ifdef KILN_LIBTCC_TCC
#include <libtcc.h>
#include <limits.h>
#include <sys/mman.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>

/* In libtcc.a, not in libtcc.h: tcc's own main parses its command line and adds libraries with these. */
int tcc_parse_args(TCCState *s, int *argc, char ***argv, int optind);
int tcc_add_library_err(TCCState *s, const char *libname);

/* -MD: the files opened for reading while a C source compiled (the link is linked with --wrap=open). */
static int recording;
static char **opened;
static int n_opened, cap_opened;

/* The request's source as a file of its own in memory, read as tcc reads a file (errno set when it cannot be made). */
static int source_fd(void) {
    int fd = memfd_create("kiln-source", MFD_CLOEXEC);
    if (fd < 0) return -1;
    for (size_t at = 0; at < source_len;) {
        ssize_t n = write(fd, source_bytes + at, source_len - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            errno = e ? e : EIO;
            return -1;
        }
        at += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    int fd = source_path && recording && (flags & O_ACCMODE) == O_RDONLY && !strcmp(path, source_path) ? source_fd() : __real_open(path, flags, mode);
    if (fd >= 0 && recording && (flags & O_ACCMODE) == O_RDONLY) {
        if (n_opened == cap_opened) {
            int cap = cap_opened ? cap_opened * 2 : 64;
            char **grown = realloc(opened, (size_t)cap * sizeof *grown);
            if (!grown) return fd; /* the list is short by one; the next build compiles this unit again */
            opened = grown;
            cap_opened = cap;
        }
        char *copy = strdup(path);
        if (copy) opened[n_opened++] = copy;
    }
    return fd;
}

/* Whether `cmd` (as execvp would find it) is the tcc libtcc.a was built with; the answer for the warm-up's "tcc" is kept. */
static int is_our_tcc_uncached(const char *cmd) {
    char want[PATH_MAX], got[PATH_MAX], candidate[PATH_MAX];
    if (!realpath(KILN_LIBTCC_TCC, want)) return 0;
    if (strchr(cmd, '/')) return realpath(cmd, got) && strcmp(want, got) == 0;
    const char *path = getenv("PATH");
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *dir = path; *dir;) {
        const char *colon = strchr(dir, ':');
        size_t len = colon ? (size_t)(colon - dir) : strlen(dir);
        snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len, len ? dir : ".", cmd);
        if (access(candidate, X_OK) == 0) return realpath(candidate, got) && strcmp(want, got) == 0;
        if (!colon) break;
        dir = colon + 1;
    }
    return 0;
}

static int plain_tcc_is_ours = -1; /* "tcc", looked up while waiting (-1: not yet) */
static int is_our_tcc(const char *cmd) {
    if (strcmp(cmd, "tcc") != 0) return is_our_tcc_uncached(cmd);
    if (plain_tcc_is_ours < 0) plain_tcc_is_ours = is_our_tcc_uncached(cmd);
    return plain_tcc_is_ours;
}

/*
 * With --done-fd, what the compile says (tcc's errors and warnings, one "message\n" each, as tcc prints them) is
 * kept here and goes out in the done record. tcc ends the process itself on a few fatal errors (exit(1) from
 * tcc_error outside a compile): then an atexit handler prints what was kept to stderr, and no record is written.
 */
static char *said;
static size_t said_len, said_cap;

static void keep_message(void *opaque, const char *message) {
    (void)opaque;
    size_t n = strlen(message);
    if (said_len + n + 1 > said_cap) {
        size_t cap = said_cap ? said_cap * 2 : 4096;
        while (cap < said_len + n + 1) cap *= 2;
        char *grown = realloc(said, cap);
        if (!grown) { /* out of memory: say it where tcc would have */
            fprintf(stderr, "%s\n", message);
            return;
        }
        said = grown;
        said_cap = cap;
    }
    memcpy(said + said_len, message, n);
    said[said_len + n] = '\n';
    said_len += n + 1;
}

static void print_kept_messages(void) {
    if (said_len) fwrite(said, 1, said_len, stderr);
    said_len = 0;
}

/* 'K', the exit code, the messages' length (little endian) and the messages, on fd N, in as few writes as the pipe takes. */
static void write_done_record(int code) {
    size_t total = 6 + said_len;
    unsigned char *record = malloc(total);
    if (!record) { /* no record: the messages go to stderr and the back end waits for the exit */
        print_kept_messages();
        return;
    }
    record[0] = 'K';
    record[1] = (unsigned char)code;
    for (int i = 0; i < 4; i++) record[2 + i] = (unsigned char)((uint32_t)said_len >> (8 * i));
    if (said_len) memcpy(record + 6, said, said_len);
    for (size_t at = 0; at < total;) {
        ssize_t n = write(done_fd, record + at, total - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* the back end is gone */
        at += (size_t)n;
    }
    said_len = 0;
}

/* tcc's rule (tcc_add_file): .c, .i, .S, .s or no extension is source; anything else is a binary input. */
static int is_source(const char *file) {
    const char *base = strrchr(file, '/');
    const char *dot = strrchr(base ? base + 1 : file, '.');
    if (!dot) return 1;
    return !strcmp(dot, ".c") || !strcmp(dot, ".i") || !strcmp(dot, ".S") || !strcmp(dot, ".s");
}

/* Options of tcc's table that take the next argument when written alone. */
static int takes_next(const char *a) {
    static const char *const names[] = { "-I", "-D", "-U", "-L", "-B", "-soname", "-o", "--param", "-isystem", "-include", "-MF" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(a, names[i])) return 1;
    return 0;
}

static int write_deps(const char *target, const char *file) {
    FILE *out = fopen(file, "w");
    if (!out) {
        char message[PATH_MAX + 64];
        snprintf(message, sizeof message, "tcc: error: could not open '%s'", file);
        if (done_fd >= 0) keep_message(NULL, message);
        else fprintf(stderr, "%s\n", message);
        return 1;
    }
    fprintf(out, "%s:", target);
    for (int i = 0; i < n_opened; i++) {
        int seen = 0;
        for (int k = 0; k < i && !seen; k++) seen = !strcmp(opened[i], opened[k]);
        if (!seen) fprintf(out, " \\\n  %s", opened[i]);
    }
    fprintf(out, "\n");
    return fclose(out) == 0 ? 0 : 1;
}

/*
 * Compiles argv (tcc's command line) here, as tcc's main would; -1 when it has to be tcc itself. Runs once per
 * process: the request is the last thing this process does.
 */
static int tcc_in_process(char **argv) {
    if (!is_our_tcc(argv[0])) return -1;
    static char *opts[MAX_ARGS + 1];
    static struct { const char *name; int library; } inputs[MAX_ARGS];
    int n_opts = 0, n_inputs = 0, type = TCC_OUTPUT_EXE, md = 0;
    const char *out = NULL, *deps = NULL;
    opts[n_opts++] = argv[0];
    for (int i = 1; argv[i]; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            if (a[0] == '@' || !strcmp(a, "-")) return -1;
            inputs[n_inputs].name = a;
            inputs[n_inputs++].library = 0;
            continue;
        }
        if (a[1] == 'l') {
            const char *lib = a[2] ? a + 2 : argv[++i];
            if (!lib) return -1;
            inputs[n_inputs].name = lib;
            inputs[n_inputs++].library = 1;
            continue;
        }
        if (!strcmp(a, "-E") || !strcmp(a, "-r") || !strncmp(a, "-run", 4) || !strncmp(a, "-x", 2) || !strcmp(a, "-ar") ||
            !strcmp(a, "-bench") || !strcmp(a, "-m32") || !strcmp(a, "-m64") || a[1] == 'v' || a[1] == 'h' || a[1] == '?' ||
            !strcmp(a, "--help") || !strcmp(a, "--version") || !strcmp(a, "-print-search-dirs") || !strcmp(a, "-dumpversion"))
            return -1;
        if (!strcmp(a, "-c")) type = TCC_OUTPUT_OBJ;
        if (!strcmp(a, "-shared")) type = TCC_OUTPUT_DLL;
        if (!strcmp(a, "-MD")) md = 1;
        opts[n_opts++] = argv[i];
        if (takes_next(a)) {
            if (!argv[i + 1]) return -1;
            opts[n_opts++] = argv[++i];
            if (!strcmp(a, "-o")) out = argv[i];
            if (!strcmp(a, "-MF")) deps = argv[i];
        } else if (!strncmp(a, "-o", 2)) {
            out = a + 2;
        } else if (!strncmp(a, "-MF", 3)) {
            deps = a + 3;
        }
    }
    int libraries = 0;
    for (int i = 0; i < n_inputs; i++) libraries += inputs[i].library;
    if (!out || n_inputs == 0 || (md && !deps) || (type == TCC_OUTPUT_OBJ && (n_inputs > 1 || libraries))) return -1;
    opts[n_opts] = NULL;

    TCCState *s = tcc_new();
    if (!s) return -1;
    if (done_fd >= 0) {
        tcc_set_error_func(s, NULL, keep_message);
        atexit(print_kept_messages);
    }
    int argc = n_opts;
    char **args = opts;
    if (tcc_parse_args(s, &argc, &args, 1) != 0) {
        tcc_delete(s);
        said_len = 0; /* tcc itself, exec'd, says them again */
        return -1;
    }
    /* tcc's main: the environment's search paths, then the output type's set-up */
    const char *env;
    if ((env = getenv("C_INCLUDE_PATH"))) tcc_add_sysinclude_path(s, env);
    if ((env = getenv("CPATH"))) tcc_add_include_path(s, env);
    if ((env = getenv("LIBRARY_PATH"))) tcc_add_library_path(s, env);
    tcc_set_output_type(s, type);
    int ret = 0;
    for (int i = 0; i < n_inputs && !ret; i++) {
        if (inputs[i].library) {
            ret = tcc_add_library_err(s, inputs[i].name) < 0;
        } else {
            recording = is_source(inputs[i].name);
            ret = tcc_add_file(s, inputs[i].name) < 0;
            recording = 0;
        }
    }
    if (!ret) {
        if (tcc_output_file(s, out)) ret = 1;
        else if (md) ret = write_deps(out, deps);
    }
    fflush(stdout);
    fflush(stderr);
    if (done_fd >= 0) {
        /* The output and the -MD file are written: say how it ended, with what it said. The exit frees the rest. */
        write_done_record(ret);
        fflush(stderr);
        _exit(ret);
    }
    tcc_delete(s);
    return ret;
}

/*
 * While waiting: a compile of the headers a game includes, through libtcc, into a file removed after. tcc frees
 * what it used, and the heap keeps it (no trimming, no separate maps) for the request's compile.
 */
static void quiet(void *opaque, const char *message) {
    (void)opaque;
    (void)message;
}

static void warm_tcc(void) {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
    const char *dir = getenv("TMPDIR");
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/kiln-limit-warm-%d.so", dir && *dir ? dir : "/tmp", (int)getpid());
    is_our_tcc("tcc"); /* the usual request's command, looked up now */
    TCCState *s = tcc_new();
    if (!s) return;
    tcc_set_error_func(s, NULL, quiet); /* stderr is the request's */
    tcc_set_options(s, "-shared -fPIC -g -Wall");
    tcc_set_output_type(s, TCC_OUTPUT_DLL);
    int ok = tcc_compile_string(s,
                                "#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n"
                                "#include <stdlib.h>\n#include <string.h>\n#include <math.h>\n"
                                "typedef struct { float x, y; } kiln_warm_vec;\n"
                                "float kiln_warm(kiln_warm_vec *v, int n) { float t = 0; for (int i = 0; i < n; i++) t += sqrtf(v[i].x * v[i].x + v[i].y * v[i].y); return t; }\n") == 0;
    if (ok) tcc_output_file(s, file);
    unlink(file);
    tcc_delete(s);
}
#endif

static int usage(void) {
    fprintf(stderr, "usage: kiln-limit BYTES COMMAND [ARGS...] | kiln-limit --wait [--warm-tcc] [--done-fd=N]\n");
    return 127;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--wait") == 0) {
        int warm = 0;
        for (int i = 2; i < argc; i++) {
            char *end = NULL;
            if (strcmp(argv[i], "--warm-tcc") == 0) {
                warm = 1;
            } else if (strncmp(argv[i], "--done-fd=", 10) == 0) {
                long fd = strtol(argv[i] + 10, &end, 10);
                if (!*(argv[i] + 10) || *end || fd < 3 || fd > 1024 || fcntl((int)fd, F_SETFD, FD_CLOEXEC) != 0) {
                    fprintf(stderr, "kiln-limit: %s is not an open descriptor above 2\n", argv[i]);
                    return 127;
                }
                done_fd = (int)fd;
            } else {
                return usage();
            }
        }
#ifdef KILN_LIBTCC_TCC
        if (warm) warm_tcc();
#else
        (void)warm;
#endif
        return wait_for_request();
    }
    if (argc < 3) return usage();
    return limit_and_exec(argv[1], argv + 2);
}
