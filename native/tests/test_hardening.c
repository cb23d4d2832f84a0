/* test_hardening.c — included by test_runtime.c (shares its helpers). Add cases to HARDENING_TESTS.
 * Issue 11 §3/§4/§7: plugins that attack what belongs to the host (host table, signal handlers, threads, entry
 * results, constructors, destructors, shutdown), and the typed records (kiln_load, kiln_poll_crash, kiln_poll_log,
 * the heartbeat file). Fixture: tests/fixtures/hostile.c, compiled here with -DATTACK=N. Scenarios that may leave
 * the process broken when the guard fails (or leave the dynamic loader locked by design) run in a forked child. */
#include <sys/wait.h>

static const char *hostile(int attack, uint32_t color) {
    char out[64], flags[96];
    snprintf(out, sizeof out, "hostile%d_%08x", attack, (unsigned)color);
    snprintf(flags, sizeof flags, "-DATTACK=%d -DCOLOR=0x%08xu", attack, (unsigned)color);
    return compile_plugin(out, "hostile.c", flags);
}

/* Runs fn in a forked child; returns 0 if it exited 0 (all its checks passed), else reports how it ended. fn may
   end the child itself with child_exit() (skipping what could hang, e.g. dlclose with the loader locked). */
static int child_checks_before;
static void child_exit(void) { fflush(stdout); fflush(stderr); _exit(test_failed_checks == child_checks_before ? 0 : 1); }
static int in_child(const char *what, void (*fn)(void), int timeout_s) {
    fflush(stdout); fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        child_checks_before = test_failed_checks;
        fn();
        child_exit();
    }
    int status = 0;
    double t0 = now();
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now() - t0 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "  FAIL %s: the child did not finish in %d s\n", what, timeout_s);
            return -1;
        }
        usleep(5000);
    }
    if (WIFSIGNALED(status)) { fprintf(stderr, "  FAIL %s: the child was killed by signal %d\n", what, WTERMSIG(status)); return -1; }
    if (WEXITSTATUS(status) != 0) { fprintf(stderr, "  FAIL %s: the child exited with %d\n", what, WEXITSTATUS(status)); return -1; }
    return 0;
}

static kiln_load_result load_result;
static int32_t hload(kiln_runtime *rt, const char *name, const char *path, int32_t version) {
    kiln_load_desc d = {name, path, version, 0};
    return kiln_load(rt, &d, &load_result);
}

static int poll_all_crashes(kiln_runtime *rt, kiln_crash *out, int max) {
    int n = 0;
    kiln_crash c;
    while (kiln_poll_crash(rt, &c) == 0) if (n < max) out[n++] = c;
    return n;
}

/* --- typed load result --------------------------------------------------------------------------------------------- */
static void test_hardening_kiln_load_result(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(hload(rt, "c", fixture("counter_v1"), 0), KILN_OK);
    CHECK_EQ(load_result.code, KILN_OK);
    CHECK_EQ(load_result.version, 1);
    CHECK_EQ(load_result.state_action, KILN_STATE_NEW);
    CHECK_EQ(load_result.needs_restart, 0);
    CHECK_EQ(load_result.crash.kind, KILN_FAULT_NONE);
    CHECK_EQ(load_result.error[0], '\0');
    CHECK(load_result.copy_s > 0 && load_result.open_s > 0 && load_result.swap_s > 0);
    CHECK(load_result.total_s >= load_result.copy_s + load_result.open_s);
    CHECK_EQ(hload(rt, "c", fixture("counter_v2"), 7), KILN_OK);
    CHECK_EQ(load_result.version, 7);
    CHECK_EQ(load_result.state_action, KILN_STATE_KEPT);
    CHECK_EQ(kiln_plugin_version(rt, "c"), 7);
    CHECK_EQ(hload(rt, "c", "/nonexistent/x.so", 8), KILN_ERR_COPY);
    CHECK_EQ(load_result.code, KILN_ERR_COPY);
    CHECK_CONTAINS(load_result.error, "could not copy");
    CHECK_EQ(kiln_load(rt, NULL, &load_result), KILN_ERR_INVALID);
    /* the old entry points are wrappers of it */
    CHECK_EQ(kiln_load_plugin_version(rt, "c", fixture("counter_v1"), 9), 9);
    char err[256] = "x";
    CHECK_EQ(kiln_load_plugin_report(rt, "c", fixture("null_entry"), 10, err, sizeof err), KILN_ERR_ABI);
    CHECK_CONTAINS(err, "returned NULL");
    kiln_destroy(rt);
}

/* --- §3 host table ----------------------------------------------------------------------------------------------- */
static void test_hardening_host_table_is_read_only(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0xFF0000FFu)), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(1, 0x0000FFFFu)), 2);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH); /* the write faults: a crash of version 2 */
    kiln_crash c;
    CHECK_EQ(kiln_poll_crash(rt, &c), 0);
    CHECK_EQ(c.callback, KILN_CB_UPDATE);
    CHECK_EQ(c.kind, KILN_FAULT_SIGNAL);
    CHECK_EQ(c.signal, SIGSEGV);
    CHECK_EQ(c.crashed_version, 2);
    CHECK_EQ(c.running_version, 1);
    CHECK(c.address != 0); /* the host table's page */
    CHECK_EQ(kiln_plugin_version(rt, "h"), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* version 1's table is intact */
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0x00FF00FFu)), 3);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 100, 100), 0x00FF00FF);
    CHECK_EQ(px(1, 1), 0xFFFFFFFF); /* fill_rect through the new version's table */
    kiln_destroy(rt);
}

/* --- §3 signal handlers --------------------------------------------------------------------------------------------- */
static void handler_then_fault(int attack) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(attack, 0xFF0000FFu)), 1); /* init installs / resets handlers */
    for (int i = 0; i < 3; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(14, 0x0000FFFFu)), 2); /* faults in update */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH); /* caught: the process is alive */
    CHECK_EQ(kiln_plugin_version(rt, "h"), 1);
    CHECK_EQ(state_field(wd, "h", 0), 3); /* the crashed frame's increment was rolled back */
    const char *m = drain(rt);
    CHECK_CONTAINS(m, "libkiln's SIGSEGV handler");
    CHECK_CONTAINS(m, "replaced after h version 1 ran");
    CHECK_CONTAINS(m, "rolled back to version 1");
    kiln_destroy(rt);
}
static void handler_child(void) { handler_then_fault(2); }
static void dfl_child(void) { handler_then_fault(3); }
static void test_hardening_plugin_signal_handlers_cannot_disable_the_guard(void) {
    CHECK_EQ(in_child("own SIGSEGV handler", handler_child, 60), 0);
    CHECK_EQ(in_child("SIG_DFL + blocked SIGSEGV", dfl_child, 60), 0);
}

/* --- §3 threads ----------------------------------------------------------------------------------------------------- */
static int mapped_deleted_copies(const char *wd) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024], want[300];
    snprintf(want, sizeof want, "%s/tmp/h-", wd);
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n += strstr(line, want) && strstr(line, "(deleted)") && strstr(line, "r-x");
    if (f) fclose(f);
    return n;
}
static void thread_child(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(4, 0xFF0000FFu)), 1);
    kiln_crash c;
    CHECK_EQ(kiln_poll_crash(rt, &c), 0);
    CHECK_EQ(c.kind, KILN_FAULT_THREAD);
    CHECK_EQ(c.callback, KILN_CB_INIT);
    CHECK_EQ(c.crashed_version, 1);
    CHECK_EQ(strcmp(c.plugin, "h"), 0);
    kiln_log_message m;
    int named = 0;
    while (kiln_poll_log(rt, &m) == 0)
        named += strcmp(m.plugin, "h") == 0 && strstr(m.text, "version 1 started 1 thread in init") != NULL;
    CHECK_EQ(named, 1);
    /* versions 2 and 3 retire version 1: its image must stay mapped while its thread runs */
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0x00FF00FFu)), 2);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0x0000FFFFu)), 3);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0x00FF00FFu)), 4);
    CHECK_EQ(kiln_poll_crash(rt, &c), -1); /* the good versions started no threads */
    usleep(100 * 1000); /* the thread returns into version 1's code every 5 ms */
    CHECK_EQ(mapped_deleted_copies(wd), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
    usleep(50 * 1000); /* still mapped after kiln_destroy */
}
static void test_hardening_plugin_thread_is_named_and_its_image_kept(void) {
    CHECK_EQ(in_child("plugin thread", thread_child, 60), 0);
}

/* --- §3 shutdown ------------------------------------------------------------------------------------------------------ */
static void test_hardening_crashing_shutdown_commits_nothing(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(13, 0xFF0000FFu)), 1);
    for (int i = 0; i < 3; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt); /* shutdown writes 12345, then faults */
    CHECK_EQ(state_field(wd, "h", 0), 3);
    kiln_runtime *again = kiln_create(W, H, wd);
    CHECK_EQ(kiln_load_plugin(again, "h", hostile(0, 0xFF0000FFu)), 1);
    CHECK_EQ(kiln_last_state_action(again), KILN_STATE_RESTORED);
    CHECK_EQ(state_field(wd, "h", 0), 3);
    kiln_destroy(again);
}

/* --- §4 entry results -------------------------------------------------------------------------------------------------- */
static void test_hardening_wild_entry_results_fail_that_load(void) {
    static const int attacks[] = {5, 6, 7};
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0xFF0000FFu)), 1);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(hload(rt, "h", hostile(attacks[i], 0x00FF00FFu), 2 + i), KILN_ERR_ABI);
        CHECK_EQ(load_result.crash.kind, KILN_FAULT_SIGNAL);
        CHECK_EQ(load_result.crash.callback, KILN_CB_ENTRY);
        CHECK_EQ(load_result.crash.signal, SIGSEGV);
        CHECK_EQ(load_result.crash.crashed_version, 2 + i);
        CHECK_EQ(load_result.crash.running_version, 1);
        CHECK(load_result.crash.address < 4096); /* the wild pointers are 0x10, 0x20, 0x30 */
        CHECK_CONTAINS(load_result.error, "cannot be read");
        CHECK_EQ(load_result.needs_restart, 0);
        kiln_crash c;
        CHECK_EQ(kiln_poll_crash(rt, &c), 0);
        CHECK_EQ(c.crashed_version, 2 + i);
        CHECK_EQ(c.callback, KILN_CB_ENTRY);
        CHECK_EQ(kiln_plugin_version(rt, "h"), 1);
        CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    }
    CHECK_EQ(pixel(rt, 50, 50), 0xFF0000FF);
    kiln_destroy(rt);
}

static void test_hardening_duplicate_field_names_are_refused(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(hload(rt, "h", hostile(11, 0xFF0000FFu), 1), KILN_ERR_ABI);
    CHECK_CONTAINS(load_result.error, "\"frames\" appears twice");
    CHECK_EQ(load_result.crash.kind, KILN_FAULT_NONE);
    CHECK_EQ(kiln_plugin_version(rt, "h"), 0);
    kiln_destroy(rt);
}

/* --- §4 constructors and destructors ------------------------------------------------------------------------------------ */
static void ctor_fault_child(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0xFF0000FFu)), 1);
    CHECK_EQ(hload(rt, "h", hostile(8, 0x00FF00FFu), 0), KILN_ERR_CRASH);
    CHECK_EQ(load_result.needs_restart, 1);
    CHECK_EQ(load_result.crash.callback, KILN_CB_CONSTRUCTOR);
    CHECK_EQ(load_result.crash.kind, KILN_FAULT_SIGNAL);
    CHECK_EQ(load_result.crash.signal, SIGSEGV);
    CHECK_EQ(load_result.crash.address, 0); /* a NULL write */
    CHECK_EQ(load_result.crash.crashed_version, 2);
    CHECK_EQ(load_result.crash.running_version, 1);
    CHECK_CONTAINS(load_result.error, "constructor");
    CHECK_EQ(kiln_plugin_version(rt, "h"), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 50, 50), 0xFF0000FF);
    kiln_destroy(rt);
}
static void ctor_hang_child(void) {
    kiln_runtime *rt = make_rt(NULL);
    kiln_set_watchdog_ms(rt, 200);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0xFF0000FFu)), 1);
    double t0 = now();
    CHECK_EQ(hload(rt, "h", hostile(9, 0x00FF00FFu), 0), KILN_ERR_CRASH); /* returns: dlopen was stopped */
    CHECK(now() - t0 < 30);
    CHECK_EQ(load_result.needs_restart, 1);
    CHECK_EQ(load_result.crash.callback, KILN_CB_CONSTRUCTOR);
    CHECK_EQ(load_result.crash.kind, KILN_FAULT_WATCHDOG);
    CHECK_EQ(load_result.crash.watchdog_ms, 2000); /* loader work gets max(2 x the limit, 2 s) */
    CHECK_EQ(load_result.crash.signal, 0);
    CHECK_CONTAINS(load_result.error, "watchdog");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* frames need no loader */
    child_exit(); /* the loader may be locked: no kiln_destroy (it dlcloses) */
}
static void dtor_fault_child(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(10, 0xFF0000FFu)), 1);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(0, 0x00FF00FFu)), 2);
    CHECK_EQ(hload(rt, "h", hostile(0, 0x0000FFFFu), 0), KILN_OK); /* retires version 1: its destructor faults */
    CHECK_EQ(load_result.version, 3);
    CHECK_EQ(load_result.needs_restart, 1);
    CHECK_EQ(load_result.crash.kind, KILN_FAULT_NONE); /* the load itself worked */
    kiln_crash c;
    CHECK_EQ(kiln_poll_crash(rt, &c), 0);
    CHECK_EQ(c.callback, KILN_CB_DESTRUCTOR);
    CHECK_EQ(c.signal, SIGSEGV);
    CHECK_EQ(c.crashed_version, 1); /* the unloaded version, never the new one */
    CHECK_EQ(c.running_version, 3);
    CHECK_CONTAINS(c.text, "destructor of version 1");
    CHECK_EQ(kiln_plugin_version(rt, "h"), 3);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 50, 50), 0x0000FFFF);
    child_exit();
}
static void test_hardening_constructor_fault_fails_that_load(void) { CHECK_EQ(in_child("constructor fault", ctor_fault_child, 60), 0); }
static void test_hardening_constructor_that_never_returns(void) { CHECK_EQ(in_child("constructor hang", ctor_hang_child, 60), 0); }
static void test_hardening_destructor_fault_blames_the_unloaded_version(void) {
    CHECK_EQ(in_child("destructor fault", dtor_fault_child, 60), 0);
}

/* --- §4 alloc ----------------------------------------------------------------------------------------------------------- */
static void test_hardening_alloc_too_large(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    CHECK_EQ(kiln_load_plugin(rt, "h", hostile(12, 0xFF0000FFu)), 1);
    CHECK_EQ(state_field(wd, "h", 2), 2); /* both returned NULL */
    kiln_log_message m;
    int too_large = 0;
    while (kiln_poll_log(rt, &m) == 0) {
        if (!strstr(m.text, "too large")) continue;
        too_large++;
        CHECK_EQ(strcmp(m.plugin, "h"), 0);
        CHECK_CONTAINS(m.text, "67108864 bytes"); /* the arena's limit */
        CHECK(strstr(m.text, "18446744073709551615") || strstr(m.text, "18446744073709551600"));
        CHECK(!strstr(m.text, "full"));
    }
    CHECK_EQ(too_large, 2);
    kiln_destroy(rt);
}

/* --- §7 records ---------------------------------------------------------------------------------------------------------- */
static void test_hardening_crash_record_fields(void) {
    kiln_runtime *rt = make_rt(NULL);
    /* a first version whose init writes through NULL: nothing to roll back to */
    CHECK_EQ(hload(rt, "p", fixture("crash_init"), 4), KILN_ERR_CRASH);
    CHECK_EQ(load_result.crash.callback, KILN_CB_INIT);
    CHECK_EQ(load_result.crash.signal, SIGSEGV);
    CHECK_EQ(load_result.crash.address, 0);
    CHECK_EQ(load_result.crash.crashed_version, 4);
    CHECK_EQ(load_result.crash.running_version, 0);
    kiln_crash c[4];
    CHECK_EQ(poll_all_crashes(rt, c, 4), 1);
    CHECK_EQ(c[0].callback, KILN_CB_INIT);
    CHECK_EQ(strcmp(c[0].plugin, "p"), 0);
    /* a fault in update rolls back */
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 3; i++) kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_segv")), 2);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(poll_all_crashes(rt, c, 4), 1);
    CHECK_EQ(strcmp(c[0].plugin, "c"), 0);
    CHECK_EQ(c[0].callback, KILN_CB_UPDATE);
    CHECK_EQ(c[0].kind, KILN_FAULT_SIGNAL);
    CHECK_EQ(c[0].signal, SIGSEGV);
    CHECK_EQ(c[0].address, 16); /* crash_segv writes to address 16 */
    CHECK_EQ(c[0].crashed_version, 2);
    CHECK_EQ(c[0].running_version, 1);
    CHECK_EQ(c[0].frame, 3);
    CHECK_CONTAINS(c[0].text, "rolled back to version 1");
    /* a first version that faults is paused: running_version 0 */
    CHECK_EQ(kiln_load_plugin(rt, "d", fixture("crash_draw")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(poll_all_crashes(rt, c, 4), 1);
    CHECK_EQ(c[0].callback, KILN_CB_DRAW);
    CHECK_EQ(c[0].address, 8);
    CHECK_EQ(c[0].running_version, 0);
    CHECK_EQ(kiln_plugin_paused(rt, "d"), 1);
    /* SIGFPE and SIGABRT: their POSIX numbers, no address for abort() */
    CHECK(kiln_load_plugin(rt, "c", fixture("crash_fpe")) > 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(poll_all_crashes(rt, c, 4), 1);
    CHECK_EQ(c[0].signal, SIGFPE);
    CHECK(kiln_load_plugin(rt, "c", fixture("crash_abort")) > 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(poll_all_crashes(rt, c, 4), 1);
    CHECK_EQ(c[0].signal, SIGABRT);
    CHECK_EQ(c[0].address, 0);
    /* kiln_reset_state's init */
    CHECK_EQ(kiln_load_plugin(rt, "r", hostile(15, 0xFF0000FFu)), 1);
    CHECK_EQ(kiln_reset_state(rt, "r"), KILN_ERR_CRASH);
    CHECK_EQ(poll_all_crashes(rt, c, 4), 1);
    CHECK_EQ(strcmp(c[0].plugin, "r"), 0);
    CHECK_EQ(c[0].callback, KILN_CB_INIT);
    CHECK_EQ(c[0].crashed_version, 1);
    CHECK_EQ(c[0].running_version, 1);
    CHECK_CONTAINS(c[0].text, "during the state reset");
    /* the queue keeps the newest 32 */
    for (int i = 0; i < 40; i++) { kiln_load_plugin(rt, "c", fixture("crash_segv")); kiln_frame(rt, 1.0 / 60); }
    kiln_crash all[64];
    CHECK_EQ(poll_all_crashes(rt, all, 64), 32);
    kiln_destroy(rt);
}

static void test_hardening_watchdog_stop_is_a_record(void) {
    kiln_runtime *rt = make_rt(NULL);
    kiln_set_watchdog_ms(rt, 100);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "c", compile_plugin("hang_update", "counter.c", "-DCRASH=7")), 2);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    kiln_crash c;
    CHECK_EQ(kiln_poll_crash(rt, &c), 0);
    CHECK_EQ(c.kind, KILN_FAULT_WATCHDOG);
    CHECK_EQ(c.callback, KILN_CB_UPDATE);
    CHECK_EQ(c.watchdog_ms, 100);
    CHECK_EQ(c.signal, 0);
    CHECK_EQ(c.crashed_version, 2);
    CHECK_EQ(c.running_version, 1);
    CHECK_CONTAINS(c.text, "watchdog");
    kiln_destroy(rt);
}

static void test_hardening_poll_log_names_the_plugin(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("crash_segv")), 2);
    kiln_frame(rt, 1.0 / 60);
    kiln_log_message m;
    int init = 0, crash = 0;
    while (kiln_poll_log(rt, &m) == 0) {
        CHECK_EQ(strcmp(m.plugin, "c"), 0);
        if (strstr(m.text, "counter: init")) { init++; CHECK_EQ(m.level, KILN_LOG_INFO); }
        if (strstr(m.text, "rolled back")) { crash++; CHECK_EQ(m.level, KILN_LOG_ERROR); }
    }
    CHECK_EQ(init, 1);
    CHECK_EQ(crash, 1);
    CHECK_EQ(kiln_poll_log(rt, &m), -1);
    kiln_destroy(rt);
}

static int read_beat(const char *path, kiln_heartbeat *hb) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(hb, 1, sizeof *hb, f);
    fclose(f);
    return n == sizeof *hb ? 0 : -1;
}
static void *slow_frame_thread(void *p) { return (void *)(intptr_t)kiln_frame((kiln_runtime *)p, 1.0 / 60); }
static void test_hardening_heartbeat_file(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    char path[512];
    snprintf(path, sizeof path, "%s/beat", wd);
    CHECK_EQ(kiln_set_heartbeat(rt, path), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "c", fixture("counter_v1")), 1);
    for (int i = 0; i < 5; i++) kiln_frame(rt, 1.0 / 60);
    kiln_heartbeat hb;
    CHECK_EQ(read_beat(path, &hb), 0);
    CHECK_EQ(memcmp(hb.magic, "KILNBEAT", 8), 0);
    CHECK_EQ(hb.pid, (uint32_t)getpid());
    CHECK_EQ(hb.in_call, 0);
    CHECK_EQ(hb.calls, 2 + 5 * 4); /* init, then update + draw per frame; entry and exit each */
    CHECK_EQ(hb.callback, KILN_CB_DRAW);
    CHECK_EQ(hb.version, 1);
    CHECK_EQ(strcmp(hb.plugin, "c"), 0);
    CHECK_EQ(hb.frame, 4);
    CHECK_EQ(hb.watchdog_ms, KILN_WATCHDOG_DEFAULT_MS);
    /* a slow frame that the watchdog allows: in_call stays 1 with the call's start time */
    CHECK_EQ(kiln_load_plugin(rt, "c", compile_plugin("slow_update", "counter.c", "-DCRASH=9 -DSLOW_MS=400")), 2);
    pthread_t th;
    pthread_create(&th, NULL, slow_frame_thread, rt);
    int seen = 0;
    for (double t0 = now(); now() - t0 < 10 && !seen;) {
        if (read_beat(path, &hb) == 0 && hb.in_call == 1 && hb.callback == KILN_CB_UPDATE && hb.version == 2) seen = 1;
        else usleep(2000);
    }
    CHECK(seen);
    double age = now() - hb.call_started; /* both CLOCK_MONOTONIC */
    CHECK(age >= 0 && age < 5);
    CHECK(hb.calls % 2 == 1); /* odd while inside a call */
    void *ret;
    pthread_join(th, &ret);
    CHECK_EQ((intptr_t)ret, KILN_OK);
    CHECK_EQ(read_beat(path, &hb), 0);
    CHECK_EQ(hb.in_call, 0);
    uint64_t calls = hb.calls;
    CHECK_EQ(kiln_set_heartbeat(rt, NULL), KILN_OK); /* stops updating */
    kiln_load_plugin(rt, "c", fixture("counter_v1"));
    kiln_frame(rt, 1.0 / 60);
    CHECK_EQ(read_beat(path, &hb), 0);
    CHECK_EQ(hb.calls, calls);
    CHECK_EQ(kiln_set_heartbeat(rt, "/nonexistent-dir/beat"), KILN_ERR_STATE);
    CHECK_CONTAINS(kiln_last_error(rt), "cannot create");
    kiln_destroy(rt);
}


/* --- the fault table rows (docs): each fault from a running game with 3 frames of version 1, in a child process;
   "recovery" is from the load of the bad version to the end of the next good frame. --------------------------------- */
typedef struct hard_row { const char *what; int setup, attack, load_fails, needs_restart; const char *outcome; } hard_row;
static const hard_row *cur_row;
static char row_setup[512], row_attack[512], row_good[512];
static void fault_row_child(void) {
    const hard_row *r = cur_row;
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    kiln_set_watchdog_ms(rt, 100);
    CHECK_EQ(kiln_load_plugin(rt, "h", row_setup), 1);
    int dtor = r->setup == 10;
    if (dtor) CHECK_EQ(kiln_load_plugin(rt, "h", row_good), 2); /* the next load retires version 1 */
    for (int k = 0; k < 3; k++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_crash c;
    while (kiln_poll_crash(rt, &c) == 0) {}
    double t0 = now();
    int32_t rc = hload(rt, r->attack == 4 ? "t" : "h", row_attack, 0); /* a new plugin: its init runs */
    int32_t f1 = rc == KILN_OK ? kiln_frame(rt, 1.0 / 60) : KILN_OK;
    int32_t f2 = kiln_frame(rt, 1.0 / 60);
    double t = now() - t0;
    CHECK_EQ(rc < 0, r->load_fails);
    CHECK_EQ(load_result.needs_restart, r->needs_restart);
    CHECK_EQ(f2, KILN_OK);
    int records = 0;
    while (kiln_poll_crash(rt, &c) == 0) records++;
    CHECK(records >= 1);
    (void)f1;
    printf("     %-38s %-58s %7.2f ms\n", r->what, r->outcome, t * 1e3);
    child_exit(); /* some rows leave the loader locked: no kiln_destroy */
}
static void test_hardening_fault_table(void) {
    static const hard_row rows[] = {
        {"host table overwritten (kiln->x = 0)", 0, 1, 0, 0, "SIGSEGV in that version: rolled back, table intact"},
        {"own SIGSEGV handler, later fault", 2, 14, 0, 0, "handler put back + named; fault caught, rolled back"},
        {"SIG_DFL + blocked SIGSEGV, later fault", 3, 14, 0, 0, "handlers and mask put back; fault caught, rolled back"},
        {"thread left running (new plugin's init)", 0, 4, 0, 0, "THREAD record + log name it; image kept mapped; runs"},
        {"entry returns a wild pointer", 0, 5, 1, 0, "load refused (ABI, ENTRY record), v1 keeps running"},
        {"entry: wild field table", 0, 6, 1, 0, "load refused (ABI, ENTRY record), v1 keeps running"},
        {"entry: wild field name", 0, 7, 1, 0, "load refused (ABI, ENTRY record), v1 keeps running"},
        {"constructor faults", 0, 8, 1, 1, "load refused (CONSTRUCTOR record), needs_restart"},
        {"constructor never returns (wd 100 ms)", 0, 9, 1, 1, "stopped after the loader's 2 s, load refused, needs_restart"},
        {"destructor faults at unload", 10, 0, 0, 1, "new version runs; DESTRUCTOR record blames the old"},
    };
    printf("     %-38s %-58s %10s\n", "fault", "outcome", "recovery");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cur_row = &rows[i];
        snprintf(row_setup, sizeof row_setup, "%s", hostile(rows[i].setup, 0xFF0000FFu));
        snprintf(row_attack, sizeof row_attack, "%s", hostile(rows[i].attack, 0x00FF00FFu));
        snprintf(row_good, sizeof row_good, "%s", hostile(0, 0x0000FFFFu));
        CHECK_EQ(in_child(rows[i].what, fault_row_child, 60), 0);
    }
}

#define HARDENING_TESTS                                                                                  \
    {"hardening_kiln_load_result", test_hardening_kiln_load_result},                                     \
    {"hardening_host_table_is_read_only", test_hardening_host_table_is_read_only},                       \
    {"hardening_plugin_signal_handlers_cannot_disable_the_guard",                                        \
     test_hardening_plugin_signal_handlers_cannot_disable_the_guard},                                    \
    {"hardening_plugin_thread_is_named_and_its_image_kept", test_hardening_plugin_thread_is_named_and_its_image_kept}, \
    {"hardening_crashing_shutdown_commits_nothing", test_hardening_crashing_shutdown_commits_nothing},   \
    {"hardening_wild_entry_results_fail_that_load", test_hardening_wild_entry_results_fail_that_load},   \
    {"hardening_duplicate_field_names_are_refused", test_hardening_duplicate_field_names_are_refused},   \
    {"hardening_constructor_fault_fails_that_load", test_hardening_constructor_fault_fails_that_load},   \
    {"hardening_constructor_that_never_returns", test_hardening_constructor_that_never_returns},         \
    {"hardening_destructor_fault_blames_the_unloaded_version",                                           \
     test_hardening_destructor_fault_blames_the_unloaded_version},                                       \
    {"hardening_alloc_too_large", test_hardening_alloc_too_large},                                       \
    {"hardening_crash_record_fields", test_hardening_crash_record_fields},                               \
    {"hardening_watchdog_stop_is_a_record", test_hardening_watchdog_stop_is_a_record},                   \
    {"hardening_poll_log_names_the_plugin", test_hardening_poll_log_names_the_plugin},                   \
    {"hardening_heartbeat_file", test_hardening_heartbeat_file},                                         \
    {"hardening_fault_table", test_hardening_fault_table},
