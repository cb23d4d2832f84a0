/* platform_posix_sandbox.c — kiln_sandbox_enter for Linux: a seccomp filter on every thread of the process, a
 * RLIMIT_AS memory limit and a child subreaper. What it promises (and what not) is in native/README.md "Sandbox".
 *
 * The filter (one BPF program, installed with SECCOMP_FILTER_FLAG_TSYNC so Node's existing threads get it too):
 *   - any syscall of another ABI (i386 int 0x80, x32) -> EPERM: their numbers differ, so they would bypass it;
 *   - no_new_processes: fork, vfork, execve, execveat, clone without CLONE_THREAD -> EPERM; clone3 -> ENOSYS
 *     (its flags live in memory a filter cannot read; glibc then falls back to clone, whose flags it can);
 *     ioctl(TIOCSTI) -> EPERM (typing into a terminal runs commands in the shell reading it);
 *   - no_foreign_signals: kill / tgkill / rt_sigqueueinfo / rt_tgsigqueueinfo / pidfd_open whose process is not
 *     getpid() (baked in; kill(0,...) and negative pids refused), tkill (glibc never uses it; its tid may be any
 *     thread of the system), pidfd_send_signal and pidfd_getfd (a pidfd, even a /proc/<pid> fd, names any
 *     process), ptrace, process_vm_readv/writev, process_madvise, and F_SETOWN/FIOSETOWN pointing SIGIO at
 *     another process -> EPERM. kill(pid, 0) (a probe, sends nothing) stays allowed: the stale-copy cleanup uses it.
 */
#include "kiln_runtime.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__linux__)
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SB_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SB_ARCH AUDIT_ARCH_AARCH64
#endif
#endif

static void sb_err(char *out, int32_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sb_err(char *out, int32_t cap, const char *fmt, ...) {
    if (!out || cap <= 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)cap, fmt, ap);
    va_end(ap);
}

#if defined(__linux__) && defined(SB_ARCH)

#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC 1
#endif
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif
#ifndef F_SETOWN_EX
#define F_SETOWN_EX 15
#endif
#ifndef FIOSETOWN
#define FIOSETOWN 0x8901
#endif
#ifndef SIOCSPGRP
#define SIOCSPGRP 0x8902
#endif
#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif

#define SB_MAX_INSNS 256
#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + (i) * sizeof(uint64_t))) /* little-endian */
#define RET_ALLOW SECCOMP_RET_ALLOW
#define RET_EPERM (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define RET_ENOSYS (SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))

typedef struct sb_prog {
    struct sock_filter insn[SB_MAX_INSNS];
    int n, overflow;
} sb_prog;

static void emit(sb_prog *p, struct sock_filter f) {
    if (p->n < SB_MAX_INSNS) p->insn[p->n++] = f; else p->overflow = 1;
}
static void ld_nr(sb_prog *p) { emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))); }
static void ld_arg(sb_prog *p, int i) { emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(i))); }
static void ret(sb_prog *p, uint32_t v) { emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, v)); }

/* A rule is "if nr == X: <body>" where the body always ends in a return; the jump over it is patched afterwards. */
static int rule_begin(sb_prog *p, long nr) {
    ld_nr(p); /* bodies clobber A with arguments: reload the number */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 0));
    return p->n - 1;
}
static void rule_end(sb_prog *p, int at) {
    if (!p->overflow) p->insn[at].jf = (uint8_t)(p->n - at - 1);
}
static void deny(sb_prog *p, long nr, uint32_t action) {
    int at = rule_begin(p, nr);
    ret(p, action);
    rule_end(p, at);
}
/* nr allowed only if its (32-bit) argument `arg` is this process's pid. */
static void self_only(sb_prog *p, long nr, int arg, uint32_t self) {
    int at = rule_begin(p, nr);
    ld_arg(p, arg);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 0, 1));
    ret(p, RET_ALLOW);
    ret(p, RET_EPERM);
    rule_end(p, at);
}

static int build_filter(sb_prog *p, const kiln_sandbox_desc *d, uint32_t self) {
    p->n = 0; p->overflow = 0;
    /* another ABI's syscall numbers mean other syscalls: refuse them all */
    emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SB_ARCH, 1, 0));
    ret(p, RET_EPERM);
#if defined(__x86_64__)
    ld_nr(p);
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1));
    ret(p, RET_EPERM);
#endif
    if (d->no_new_processes) {
#ifdef __NR_fork
        deny(p, __NR_fork, RET_EPERM);
#endif
#ifdef __NR_vfork
        deny(p, __NR_vfork, RET_EPERM);
#endif
        deny(p, __NR_execve, RET_EPERM);
#ifdef __NR_execveat
        deny(p, __NR_execveat, RET_EPERM);
#endif
#ifdef __NR_clone3
        deny(p, __NR_clone3, RET_ENOSYS);
#else
        deny(p, 435, RET_ENOSYS);
#endif
        /* clone: a thread (CLONE_THREAD, which the kernel only accepts with CLONE_VM|CLONE_SIGHAND) is fine */
        int at = rule_begin(p, __NR_clone);
        ld_arg(p, 0);
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
        ret(p, RET_ALLOW);
        ret(p, RET_EPERM);
        rule_end(p, at);
    }
    if (d->no_foreign_signals) {
        /* kill(pid, sig): sig 0 is a probe; otherwise only our own pid */
        int at = rule_begin(p, __NR_kill);
        ld_arg(p, 1);
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0));
        ld_arg(p, 0);
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 0, 1));
        ret(p, RET_ALLOW);
        ret(p, RET_EPERM);
        rule_end(p, at);
        self_only(p, __NR_tgkill, 0, self);           /* raise, pthread_kill, the watchdog: tgid == us */
        self_only(p, __NR_rt_sigqueueinfo, 0, self);
        self_only(p, __NR_rt_tgsigqueueinfo, 0, self);
#ifdef __NR_pidfd_open
        self_only(p, __NR_pidfd_open, 0, self);
#endif
        deny(p, __NR_tkill, RET_EPERM);
#ifdef __NR_pidfd_send_signal
        deny(p, __NR_pidfd_send_signal, RET_EPERM);
#endif
#ifdef __NR_pidfd_getfd
        deny(p, __NR_pidfd_getfd, RET_EPERM);
#endif
        deny(p, __NR_ptrace, RET_EPERM);
        deny(p, __NR_process_vm_readv, RET_EPERM);
        deny(p, __NR_process_vm_writev, RET_EPERM);
#ifdef __NR_process_madvise
        deny(p, __NR_process_madvise, RET_EPERM);
#endif
        /* fcntl(fd, F_SETOWN, pid) + F_SETSIG would have the kernel send any signal to pid on I/O */
        at = rule_begin(p, __NR_fcntl);
        ld_arg(p, 1);
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN_EX, 6, 0));
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, F_SETOWN, 1, 0));
        ret(p, RET_ALLOW);
        ld_arg(p, 2);
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 1, 0)); /* ourselves */
        emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1));    /* or no owner */
        ret(p, RET_ALLOW);
        ret(p, RET_EPERM);
        rule_end(p, at);
    }
    /* ioctl: the SIGIO-owner forms take the pid through a pointer the filter cannot read; TIOCSTI types into a
       terminal, i.e. runs commands in the user's shell (the runner may have the back end's controlling tty) */
    uint32_t bad_ioctls[3];
    int nbad = 0;
    if (d->no_foreign_signals) { bad_ioctls[nbad++] = FIOSETOWN; bad_ioctls[nbad++] = SIOCSPGRP; }
    if (d->no_new_processes) bad_ioctls[nbad++] = TIOCSTI;
    if (nbad) {
        int at = rule_begin(p, __NR_ioctl);
        ld_arg(p, 1);
        for (int i = 0; i < nbad; i++) /* match: jump to the EPERM after the last compare */
            emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, bad_ioctls[i], (uint8_t)(nbad - i), 0));
        ret(p, RET_ALLOW);
        ret(p, RET_EPERM);
        rule_end(p, at);
    }
    ret(p, RET_ALLOW);
    return p->overflow ? -1 : 0;
}

/* VmSize from /proc/self/status, in bytes; 0 if unreadable. */
static uint64_t mapped_bytes(void) {
    FILE *f = fopen("/proc/self/status", "re");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %llu kB", &kb) == 1) break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

static int sb_entered;

int32_t kiln_sandbox_enter(const kiln_sandbox_desc *desc, char *error_out, int32_t cap) {
    if (error_out && cap > 0) error_out[0] = '\0';
    if (!desc) {
        sb_err(error_out, cap, "kiln_sandbox_enter: desc is NULL; pass a kiln_sandbox_desc.");
        return KILN_ERR_INVALID;
    }
    if (__atomic_exchange_n(&sb_entered, 1, __ATOMIC_SEQ_CST)) {
        sb_err(error_out, cap, "kiln_sandbox_enter: this process is already in the sandbox (it cannot be left or "
               "changed); call it once, at the runner's start.");
        return KILN_ERR_INVALID;
    }
    if (desc->memory_limit) {
        uint64_t now = mapped_bytes();
        if (!now) {
            sb_err(error_out, cap, "kiln_sandbox_enter: cannot read VmSize from /proc/self/status (is /proc mounted?); "
                   "no sandbox step was applied.");
            return KILN_ERR_INVALID;
        }
        struct rlimit cur, lim;
        getrlimit(RLIMIT_AS, &cur);
        uint64_t want = now + desc->memory_limit < now ? UINT64_MAX : now + desc->memory_limit;
        rlim_t v = want >= (uint64_t)RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)want;
        if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < v) v = cur.rlim_max;
        /* hard limit too: otherwise a plugin raises the soft one back with setrlimit */
        lim.rlim_cur = v; lim.rlim_max = v;
        if (setrlimit(RLIMIT_AS, &lim) != 0) {
            sb_err(error_out, cap, "kiln_sandbox_enter: setrlimit(RLIMIT_AS, %llu) failed: %s; no sandbox step was "
                   "applied.", (unsigned long long)v, strerror(errno));
            return KILN_ERR_INVALID;
        }
    }
    /* second line: an orphaned descendant (a process that existed before, or one a filter bug let through)
       is re-parented to us, not to init, so it stays in our tree and is reaped with us */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        sb_err(error_out, cap, "kiln_sandbox_enter: prctl(PR_SET_CHILD_SUBREAPER) failed: %s%s; the seccomp filter "
               "was not installed.", strerror(errno), desc->memory_limit ? " (the memory limit is in force)" : "");
        return KILN_ERR_INVALID;
    }
    if (!desc->no_new_processes && !desc->no_foreign_signals) return KILN_OK;
    sb_prog prog;
    if (build_filter(&prog, desc, (uint32_t)getpid()) != 0) {
        sb_err(error_out, cap, "kiln_sandbox_enter: internal error: the seccomp filter is longer than %d "
               "instructions; report this as a libkiln bug.", SB_MAX_INSNS);
        return KILN_ERR_INVALID;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        sb_err(error_out, cap, "kiln_sandbox_enter: prctl(PR_SET_NO_NEW_PRIVS) failed: %s; the seccomp filter was "
               "not installed.", strerror(errno));
        return KILN_ERR_INVALID;
    }
    struct sock_fprog fp = { .len = (unsigned short)prog.n, .filter = prog.insn };
    long rc = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fp);
    if (rc != 0) {
        int e = errno;
        if (rc > 0)
            sb_err(error_out, cap, "kiln_sandbox_enter: thread %ld of this process has a seccomp filter of its own, so "
                   "the filter could not be installed on every thread; call kiln_sandbox_enter before that filter is "
                   "installed.", rc);
        else
            sb_err(error_out, cap, "kiln_sandbox_enter: seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) failed: %s; the kernel "
                   "needs CONFIG_SECCOMP_FILTER (Linux 3.17+). Processes and signals are not restricted.", strerror(e));
        return KILN_ERR_INVALID;
    }
    return KILN_OK;
}

#elif !defined(_WIN32)

/* Other POSIX systems (macOS) have no equivalent the runner can enter on itself: say so. */
int32_t kiln_sandbox_enter(const kiln_sandbox_desc *desc, char *error_out, int32_t cap) {
    if (error_out && cap > 0) error_out[0] = '\0';
    if (!desc) { sb_err(error_out, cap, "kiln_sandbox_enter: desc is NULL; pass a kiln_sandbox_desc."); return KILN_ERR_INVALID; }
    sb_err(error_out, cap, "kiln_sandbox_enter: not available on this system (Linux x86-64/arm64 and Windows only); "
           "plugins run unrestricted.");
    return KILN_ERR_INVALID;
}

#endif
