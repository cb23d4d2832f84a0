/* test_sandbox.c — included by test_runtime.c (shares its helpers). kiln_sandbox_enter cannot be left, so every case
   runs in a fork()ed child that enters the sandbox, checks, and _exits with 0 (all checks held) or 1; the test (the
   parent, outside the sandbox) checks the exit status and whatever the child must not have been able to touch. */
#include <errno.h>
#include <spawn.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#if defined(__SANITIZE_ADDRESS__)
#define SB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_ASAN 1
#endif
#endif

extern char **environ;

typedef void (*sb_body)(void *arg);

/* Forks; the child enters the sandbox `d`, runs body(arg) and _exits with its verdict. _exit, not exit: no atexit
   work in the child (LeakSanitizer's exit-time check needs clone + ptrace, which the sandbox refuses). */
static int sb_run(const kiln_sandbox_desc *d, sb_body body, void *arg) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); test_failed_checks++; return -1; }
    if (pid == 0) {
        char err[512] = "unset";
        int before = test_failed_checks;
        int32_t rc = kiln_sandbox_enter(d, err, sizeof err);
        if (rc != KILN_OK) { fprintf(stderr, "  FAIL kiln_sandbox_enter: %d %s\n", (int)rc, err); _exit(3); }
        if (err[0]) { fprintf(stderr, "  FAIL kiln_sandbox_enter succeeded with a message: %s\n", err); _exit(3); }
        body(arg);
        fflush(stdout);
        fflush(stderr);
        _exit(test_failed_checks == before ? 0 : 1);
    }
    int status = 0;
    double t0 = now();
    pid_t w;
    /* a generous limit: the watchdog case runs a runtime; a busy machine is slow */
    while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now() - t0 < 120) usleep(2000);
    if (w == 0) {
        fprintf(stderr, "  FAIL the sandboxed child did not finish in 120 s; killed\n");
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        test_failed_checks++;
        return -1;
    }
    if (WIFSIGNALED(status)) fprintf(stderr, "  FAIL the sandboxed child died of signal %d\n", WTERMSIG(status));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

static const kiln_sandbox_desc sb_full = { 1, 1, 0 };

/* --- no new processes ------------------------------------------------------------------------------------------- */
static void sb_body_no_processes(void *arg) {
    (void)arg;
    errno = 0;
    pid_t p = fork();
    if (p == 0) _exit(0); /* only reached if the filter failed: the check below reports it */
    CHECK_EQ(p, -1);
    CHECK_EQ(errno, EPERM);
    /* a raw clone of a process (no CLONE_THREAD) */
    errno = 0;
    long c = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
    if (c == 0) _exit(0);
    CHECK_EQ(c, -1);
    CHECK_EQ(errno, EPERM);
#ifdef SYS_clone3
    errno = 0;
    long c3 = syscall(SYS_clone3, NULL, 0L); /* its flags are out of the filter's sight: ENOSYS, glibc falls back */
    CHECK_EQ(c3, -1);
    CHECK_EQ(errno, ENOSYS);
#endif
    pid_t sp = 0;
    char *argv[] = { (char *)"false", NULL }; /* if an exec ever got through, this child would exit 1: a failure */
    int e = posix_spawn(&sp, "/bin/false", NULL, NULL, argv, environ);
    CHECK(e != 0);
    CHECK_EQ(e, EPERM);
    int s = system("true"); /* glibc: a shell that could not start counts as exit status 127 */
    CHECK(s != 0);
    CHECK(s == -1 || (WIFEXITED(s) && WEXITSTATUS(s) == 127));
    errno = 0;
    CHECK_EQ(execve("/bin/false", argv, environ), -1);
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL), -1);
    CHECK_EQ(errno, EPERM);
    /* popen goes through posix_spawn too */
    FILE *pp = popen("echo escaped", "r");
    if (pp) {
        char line[64] = "";
        CHECK(fgets(line, sizeof line, pp) == NULL);
        pclose(pp);
    }
    /* typing into a terminal would run commands in the shell reading it (on any fd: a pipe would say ENOTTY) */
    int tfd[2];
    CHECK_EQ(pipe(tfd), 0);
    char ch = 'x';
    errno = 0;
    CHECK_EQ(ioctl(tfd[0], TIOCSTI, &ch), -1);
    CHECK_EQ(errno, EPERM);
    close(tfd[0]);
    close(tfd[1]);
    /* nothing was started: this process has no children */
    errno = 0;
    CHECK_EQ(waitpid(-1, NULL, WNOHANG), -1);
    CHECK_EQ(errno, ECHILD);
}
static void test_sandbox_refuses_new_processes(void) { sb_run(&sb_full, sb_body_no_processes, NULL); }

/* --- no foreign signals ----------------------------------------------------------------------------------------- */
static volatile sig_atomic_t sb_got_term, sb_got_usr2;
static volatile long sb_victim_mark = 1;
static void sb_on_term(int sig) { (void)sig; sb_got_term++; }
static void sb_on_usr2(int sig) { (void)sig; sb_got_usr2++; }

typedef struct { pid_t victim; int ia32; } sb_sig_arg;

#if defined(__x86_64__)
/* Whether this kernel runs 32-bit syscalls (int 0x80) at all: some (IA32 emulation off, some VMs) raise SIGSEGV.
   Probed in a throwaway child outside the sandbox. */
static int sb_ia32_works(void) {
    pid_t p = fork();
    if (p == 0) {
        signal(SIGSEGV, SIG_DFL); /* a plain death, no sanitizer report */
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* i386 getpid */
        _exit(r == (long)getpid() ? 0 : 1);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
#endif

static void sb_body_no_foreign_signals(void *p) {
    sb_sig_arg *arg = p;
    pid_t victim = arg->victim, parent = getppid();
    /* own process group: if kill(0, ...) or kill(-pgid, ...) ever got through, only this child would get it */
    setpgid(0, 0);
    signal(SIGUSR2, sb_on_usr2);
    errno = 0;
    CHECK_EQ(kill(parent, SIGTERM), -1);
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(kill(victim, SIGKILL), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(kill(parent, 0), 0);           /* a probe sends nothing: allowed (stale temp-copy cleanup uses it) */
    errno = 0;
    CHECK_EQ(kill(0, SIGUSR2), -1);         /* the whole process group */
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(kill(-getpid(), SIGUSR2), -1); /* a process group by number */
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(syscall(SYS_tgkill, parent, parent, SIGTERM), -1);
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(syscall(SYS_tkill, parent, SIGTERM), -1);
    CHECK_EQ(errno, EPERM);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_QUEUE;
    errno = 0;
    CHECK_EQ(syscall(SYS_rt_sigqueueinfo, parent, SIGTERM, &si), -1);
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(syscall(SYS_rt_tgsigqueueinfo, parent, parent, SIGTERM, &si), -1);
    CHECK_EQ(errno, EPERM);
#ifdef SYS_pidfd_open
    errno = 0;
    CHECK_EQ(syscall(SYS_pidfd_open, parent, 0), -1);
    CHECK_EQ(errno, EPERM);
    long own = syscall(SYS_pidfd_open, getpid(), 0);
    CHECK(own >= 0 || errno == ENOSYS);
    if (own >= 0) close((int)own);
#endif
#ifdef SYS_pidfd_send_signal
    /* a /proc/<pid> folder is a pidfd too */
    char procdir[64];
    snprintf(procdir, sizeof procdir, "/proc/%d", (int)parent);
    int pfd = open(procdir, O_RDONLY | O_DIRECTORY);
    CHECK(pfd >= 0);
    errno = 0;
    CHECK_EQ(syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0), -1);
    CHECK_EQ(errno, EPERM);
    if (pfd >= 0) close(pfd);
#endif
    /* tracing and memory access aim at the victim (if they got through, the test would see it stopped or changed;
       attaching to the test itself would leave it stopped) */
    errno = 0;
    CHECK_EQ(ptrace(PTRACE_SEIZE, victim, NULL, NULL), -1);
    CHECK_EQ(errno, EPERM);
    long word = 0x6b696c6e;
    struct iovec local = { &word, sizeof word }, remote = { (void *)&sb_victim_mark, sizeof word };
    errno = 0;
    CHECK_EQ(process_vm_readv(victim, &local, 1, &remote, 1, 0), -1);
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(process_vm_writev(victim, &local, 1, &remote, 1, 0), -1);
    CHECK_EQ(errno, EPERM);
    /* SIGIO ownership: the kernel would send F_SETSIG's signal to the owner on I/O */
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    errno = 0;
    CHECK_EQ(fcntl(fds[0], F_SETOWN, parent), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(fcntl(fds[0], F_SETOWN, getpid()), 0);
    int owner = parent;
    errno = 0;
    CHECK_EQ(ioctl(fds[0], FIOSETOWN, &owner), -1);
    CHECK_EQ(errno, EPERM);
    close(fds[0]);
    close(fds[1]);
#if defined(__x86_64__)
    /* the same kill through the 32-bit entry (int 0x80, i386 number 37) and the x32 one: refused, not unfiltered */
    if (arg->ia32) {
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(37L), "b"((long)parent), "c"((long)SIGTERM) : "memory");
        CHECK_EQ(r, -EPERM);
    }
    errno = 0;
    CHECK_EQ(syscall(0x40000000L | SYS_kill, parent, SIGTERM), -1);
    CHECK_EQ(errno, EPERM); /* the filter's answer, before the kernel would say ENOSYS for a kernel without x32 */
#endif
    CHECK_EQ(sb_got_usr2, 0);
    errno = 0; /* last: a tracee that got through would stop at its next signal */
    CHECK_EQ(ptrace(PTRACE_TRACEME, 0, NULL, NULL), -1);
    CHECK_EQ(errno, EPERM);
}

static void test_sandbox_refuses_foreign_signals(void) {
    /* a sibling the child tries to kill, and this process (the child's parent) counting any SIGTERM it gets */
    pid_t victim = fork();
    if (victim == 0) { for (;;) pause(); }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sb_on_term;
    sigaction(SIGTERM, &sa, &old);
    sb_got_term = 0;
    sb_sig_arg arg = { victim, 0 };
#if defined(__x86_64__)
    arg.ia32 = sb_ia32_works();
    if (!arg.ia32) printf("     this kernel has no 32-bit syscalls (int 0x80 faults): that path is not checked\n");
#endif
    sb_run(&sb_full, sb_body_no_foreign_signals, &arg);
    usleep(20000); /* a signal that got through would have arrived by now */
    CHECK_EQ(sb_got_term, 0);
    CHECK_EQ(waitpid(victim, NULL, WNOHANG), 0); /* still alive */
    /* Sleeping in pause(), not stopped ("T"). On a loaded machine the child may not have reached pause() yet
       ("R"): wait for it, up to 10 s. */
    char vstat[64], vline[256];
    snprintf(vstat, sizeof vstat, "/proc/%d/stat", (int)victim);
    int sleeping = 0;
    for (int i = 0; i < 1000 && !sleeping; i++) {
        FILE *vs = fopen(vstat, "r");
        sleeping = vs && fgets(vline, sizeof vline, vs) && strstr(vline, ") S ");
        if (vs) fclose(vs);
        if (!sleeping) usleep(10000);
    }
    CHECK(sleeping);
    long mark = 0;
    struct iovec l = { &mark, sizeof mark }, r = { (void *)&sb_victim_mark, sizeof mark };
    CHECK_EQ(process_vm_readv(victim, &l, 1, &r, 1, 0), (long)sizeof mark); /* from out here it works */
    CHECK_EQ(mark, 1);                                                       /* and nobody changed it */
    sigaction(SIGTERM, &old, NULL);
    kill(victim, SIGKILL);
    waitpid(victim, NULL, 0);
}

/* --- what must keep working --------------------------------------------------------------------------------------- */
static volatile sig_atomic_t sb_usr1;
static void sb_on_usr1(int sig) { (void)sig; sb_usr1++; }
static void *sb_thread(void *p) {
    int *v = p;
    *v = 42;
    for (int i = 0; i < 2000 && sb_usr1 < 3; i++) usleep(1000); /* until pthread_kill reached us */
    return NULL;
}
static void sb_body_threads_and_own_signals(void *arg) {
    (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sb_on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    int v = 0;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, sb_thread, &v), 0); /* clone3 -> ENOSYS -> clone(CLONE_THREAD) */
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(sb_usr1, 1);
    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    for (int i = 0; i < 2000 && sb_usr1 < 2; i++) usleep(1000);
    CHECK_EQ(sb_usr1, 2);
    CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(v, 42);
    CHECK_EQ(sb_usr1, 3);
    /* many threads, started and joined */
    pthread_t many[16];
    int vals[16] = {0};
    for (int i = 0; i < 16; i++) CHECK_EQ(pthread_create(&many[i], NULL, sb_thread, &vals[i]), 0);
    for (int i = 0; i < 16; i++) { pthread_join(many[i], NULL); CHECK_EQ(vals[i], 42); }
}
static void test_sandbox_keeps_threads_and_own_signals(void) { sb_run(&sb_full, sb_body_threads_and_own_signals, NULL); }

/* The runtime inside the sandbox: the crash guard and the watchdog (a signal to our own thread) still work. */
typedef struct { const char *plugin, *wd; } sb_rt_arg;
static void sb_body_runtime(void *p) {
    sb_rt_arg *a = p;
    kiln_runtime *rt = kiln_create(W, H, a->wd);
    CHECK(rt != NULL);
    if (!rt) return;
    kiln_set_watchdog_ms(rt, 100);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 3; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    drain(rt);
    CHECK_EQ(kiln_load_plugin(rt, "c", a->plugin), 2);
    double t0 = now();
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK(now() - t0 < 30);
    CHECK_CONTAINS(drain(rt), "stopped by the watchdog after 100 ms");
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_segv")), 3);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_CONTAINS(drain(rt), "SIGSEGV");
    CHECK_EQ(kiln_plugin_version(rt, "c"), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(state_field(a->wd, "c", F_FRAMES), 5);
    kiln_destroy(rt);
}
static void test_sandbox_keeps_the_watchdog_and_crash_guard(void) {
    sb_rt_arg a = { compile_plugin("hang", "counter.c", "-DCRASH=7"), new_workdir() }; /* compiled out here */
    sb_run(&sb_full, sb_body_runtime, &a);
}

/* A plugin trying every way out, loaded into a sandboxed runtime: each attempt fails, the game keeps running. */
enum { E_FRAMES, E_FORK_RC, E_FORK_ERRNO, E_KILL_RC, E_KILL_ERRNO, E_SYSTEM, E_EXEC_ERRNO, E_HUGE_MALLOC };
static void sb_body_escape(void *p) {
    sb_rt_arg *a = p;
    kiln_runtime *rt = kiln_create(W, H, a->wd);
    CHECK(rt != NULL);
    if (!rt) return;
    CHECK_EQ(kiln_load_plugin(rt, "e", a->plugin), 1);
    double first = 0;
    for (int i = 0; i < 3; i++) {
        double t0 = now();
        if (kiln_frame(rt, 1.0 / 60) != KILN_OK) { fprintf(stderr, "  FAIL frame %d: %s\n", i, drain(rt)); test_failed_checks++; }
        if (i == 0) first = now() - t0;
    }
    printf("     the frame with every escape attempt (all refused): %.2f ms\n", first * 1e3);
    CHECK_EQ(pixel(rt, 5, 5), 0x102030FF);
    kiln_destroy(rt);
    CHECK_EQ(state_field(a->wd, "e", E_FRAMES), 3);
    CHECK_EQ(state_field(a->wd, "e", E_FORK_RC), -1);
    CHECK_EQ(state_field(a->wd, "e", E_FORK_ERRNO), EPERM);
    CHECK_EQ(state_field(a->wd, "e", E_KILL_RC), -1);
    CHECK_EQ(state_field(a->wd, "e", E_KILL_ERRNO), EPERM);
    CHECK_EQ(state_field(a->wd, "e", E_SYSTEM), 127 << 8); /* glibc: "the shell could not run" */
    CHECK_EQ(state_field(a->wd, "e", E_EXEC_ERRNO), EPERM);
#ifndef SB_ASAN
    CHECK_EQ(state_field(a->wd, "e", E_HUGE_MALLOC), 0);   /* 8 GiB against a 1 GiB limit */
#endif
    errno = 0;
    CHECK_EQ(waitpid(-1, NULL, WNOHANG), -1); /* and no process was left behind */
    CHECK_EQ(errno, ECHILD);
}
static void test_sandbox_plugin_cannot_escape(void) {
#ifdef SB_ASAN
    sb_rt_arg a = { compile_plugin("escape", "escape.c", "-DNO_HUGE_MALLOC"), new_workdir() };
#else
    sb_rt_arg a = { compile_plugin("escape", "escape.c", ""), new_workdir() };
#endif
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sb_on_term;
    sigaction(SIGTERM, &sa, &old);
    sb_got_term = 0;
#ifdef SB_ASAN
    const kiln_sandbox_desc d = { 1, 1, 0 }; /* no memory limit under ASan (see the memory case) */
#else
    const kiln_sandbox_desc d = { 1, 1, (uint64_t)1 << 30 };
#endif
    sb_run(&d, sb_body_escape, &a);
    usleep(20000);
    CHECK_EQ(sb_got_term, 0); /* the plugin's kill(getppid(), SIGTERM) never reached this process */
    sigaction(SIGTERM, &old, NULL);
}

/* --- memory limit ------------------------------------------------------------------------------------------------- */
static void sb_body_memory(void *arg) {
    (void)arg;
    struct rlimit lim;
    CHECK_EQ(getrlimit(RLIMIT_AS, &lim), 0);
    CHECK(lim.rlim_cur != RLIM_INFINITY && lim.rlim_max == lim.rlim_cur);
    void *big = malloc((size_t)512 << 20); /* twice the limit: refused, not the machine's memory */
    CHECK(big == NULL);
    free(big);
    char *ok = malloc((size_t)64 << 20);   /* within it: works, and the pages are really usable */
    CHECK(ok != NULL);
    if (ok) { memset(ok, 1, (size_t)64 << 20); CHECK_EQ(ok[(64 << 20) - 1], 1); }
    free(ok);
    /* many smaller blocks reach the limit too, and freeing them gives the room back */
    void *blocks[64];
    int n = 0;
    while (n < 64 && (blocks[n] = malloc((size_t)16 << 20)) != NULL) n++;
    CHECK(n < 64 && n >= 4); /* 256 MiB / 16 MiB, less what the process maps besides */
    for (int i = 0; i < n; i++) free(blocks[i]);
    ok = malloc((size_t)64 << 20);
    CHECK(ok != NULL);
    free(ok);
    /* a plugin cannot raise it again */
    struct rlimit up = { RLIM_INFINITY, RLIM_INFINITY };
    errno = 0;
    CHECK_EQ(setrlimit(RLIMIT_AS, &up), -1);
    CHECK_EQ(errno, EPERM);
}
static void test_sandbox_memory_limit_makes_malloc_fail(void) {
#ifdef SB_ASAN
    printf("     skipped under ASan: its allocator dies on a failed mmap instead of returning NULL, and its shadow "
           "memory makes VmSize terabytes\n");
#else
    const kiln_sandbox_desc d = { 0, 0, (uint64_t)256 << 20 };
    sb_run(&d, sb_body_memory, NULL);
#endif
}

static void sb_body_again(void *arg) {
    (void)arg;
    char err[512];
    CHECK_EQ(kiln_sandbox_enter(&sb_full, err, sizeof err), KILN_ERR_INVALID);
    CHECK_CONTAINS(err, "already in the sandbox");
    CHECK_EQ(kiln_sandbox_enter(NULL, err, sizeof err), KILN_ERR_INVALID);
}
static void test_sandbox_is_entered_once(void) {
    char err[512];
    CHECK_EQ(kiln_sandbox_enter(NULL, err, sizeof err), KILN_ERR_INVALID);
    CHECK_CONTAINS(err, "desc is NULL");
    sb_run(&sb_full, sb_body_again, NULL);
}

/* --- Node + koffi (the runner) under the sandbox ---------------------------------------------------------------------
 * A real node process loads libkiln with koffi, enters the sandbox with the runner's 4 GiB limit, then allocates,
 * collects garbage, starts a worker thread, and checks that spawning and signalling its parent are refused. */
static const char sb_node_script[] =
    "const koffi = require(process.env.KILN_KOFFI);\n"
    "const cp = require('child_process');\n"
    "const { Worker } = require('worker_threads');\n"
    "const lib = koffi.load(process.env.KILN_LIB);\n"
    "koffi.struct('kiln_sandbox_desc', { no_new_processes: 'int32_t', no_foreign_signals: 'int32_t', memory_limit: 'uint64_t' });\n"
    "const enter = lib.func('int32_t kiln_sandbox_enter(const kiln_sandbox_desc *desc, _Out_ uint8_t *error_out, int32_t cap)');\n"
    "const vm = () => Number(/VmSize:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;\n"
    "const fail = (m) => { console.log('node-sandbox FAIL ' + m); process.exit(1); };\n"
    "const before = vm();\n"
    "const err = Buffer.alloc(512);\n"
    "const rc = enter({ no_new_processes: 1, no_foreign_signals: 1, memory_limit: 4n * 1024n ** 3n }, err, 512);\n"
    "if (rc !== 0) fail('enter ' + rc + ' ' + err.toString('utf8').replace(/\\0.*$/s, ''));\n"
    "const t0 = Date.now();\n"
    "let keep = [];\n"
    "for (let round = 0; round < 3; round++) {\n"
    "  for (let i = 0; i < 10; i++) keep.push(Buffer.alloc(16 << 20, i));\n"
    "  for (let i = 0; i < 100000; i++) keep.push({ i, s: 'x' + i });\n"
    "  keep = []; global.gc();\n"
    "}\n"
    "let refused = false; try { Buffer.alloc(6 * 1024 ** 3); } catch (e) { refused = true; }\n"
    "if (!refused) fail('a 6 GiB buffer was allocated past a 4 GiB limit');\n"
    "const s = cp.spawnSync('/bin/true');\n"
    "if (!s.error || s.error.code !== 'EPERM') fail('spawn: ' + (s.error ? s.error.code : 'it ran'));\n"
    "try { process.kill(process.ppid, 'SIGTERM'); fail('signalled its parent'); } catch (e) { if (e.code !== 'EPERM') fail('kill: ' + e.code); }\n"
    "const w = new Worker('require(\"worker_threads\").parentPort.postMessage(6 * 7)', { eval: true });\n"
    "w.on('error', (e) => fail('worker: ' + e.message));\n"
    "w.on('message', (v) => {\n"
    "  if (v !== 42) fail('worker said ' + v);\n"
    "  console.log(`node-sandbox ok: VmSize ${(before / 2 ** 20).toFixed(0)} MiB at entry (limit: that + 4 GiB), ${(vm() / 2 ** 20).toFixed(0)} MiB now; `\n"
    "    + `3 rounds of 160 MiB buffers + 100k objects with gc ${Date.now() - t0} ms; spawn EPERM; kill(parent) EPERM; worker ok`);\n"
    "  process.exit(0);\n"
    "});\n";

static void test_sandbox_node_and_koffi_run_under_it(void) {
#ifdef SB_ASAN
    printf("     skipped under ASan: this libkiln.so is instrumented and cannot be dlopened into node\n");
#else
    const char *fix = getenv("KILN_FIXTURES"), *src = getenv("KILN_TEST_SRC");
    if (!fix || !src) { printf("     skipped: KILN_FIXTURES/KILN_TEST_SRC not set (run it through make test)\n"); return; }
    char koffi[1024], lib[1024], script[512], cmd[4096];
    snprintf(koffi, sizeof koffi, "%s/../../../node_modules/koffi", src); /* native/tests/fixtures -> repo root */
    snprintf(lib, sizeof lib, "%s/../libkiln.so", fix);
    if (system("node --version >/dev/null 2>&1") != 0 || access(koffi, F_OK) != 0) {
        printf("     skipped: node or node_modules/koffi not found (npm ci installs them)\n");
        return;
    }
    const char *wd = new_workdir();
    snprintf(script, sizeof script, "%s/sandbox-check.cjs", wd);
    FILE *f = fopen(script, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(sb_node_script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "KILN_KOFFI='%s' KILN_LIB='%s' node --expose-gc '%s'", koffi, lib, script);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (!p) return;
    char line[1024], all[4096] = "";
    while (fgets(line, sizeof line, p)) { strncat(all, line, sizeof all - strlen(all) - 1); printf("     %s", line); }
    int st = pclose(p);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_CONTAINS(all, "node-sandbox ok");
#endif
}

#define SANDBOX_TESTS                                                                          \
    {"sandbox_refuses_new_processes", test_sandbox_refuses_new_processes},                   \
    {"sandbox_refuses_foreign_signals", test_sandbox_refuses_foreign_signals},               \
    {"sandbox_keeps_threads_and_own_signals", test_sandbox_keeps_threads_and_own_signals},   \
    {"sandbox_keeps_the_watchdog_and_crash_guard", test_sandbox_keeps_the_watchdog_and_crash_guard}, \
    {"sandbox_plugin_cannot_escape", test_sandbox_plugin_cannot_escape},                     \
    {"sandbox_memory_limit_makes_malloc_fail", test_sandbox_memory_limit_makes_malloc_fail}, \
    {"sandbox_is_entered_once", test_sandbox_is_entered_once},                               \
    {"sandbox_node_and_koffi_run_under_it", test_sandbox_node_and_koffi_run_under_it},
