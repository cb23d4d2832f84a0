/* test_crash_site.c — "where it crashed": the pc, access kind and stack of a guard fault or watchdog stop, checked
 * by symbolizing the record's image offsets with binutils' addr2line against the image that was built, for gcc
 * (DWARF) and tcc (stabs) builds of tests/fixtures/crash_site.c. Included by test_runtime.c. */

/* The 1-based line of tests/fixtures/<file> holding `marker`. */
static int site_line_in(const char *file, const char *marker) {
    const char *srcdir = getenv("KILN_TEST_SRC");
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/%s", srcdir ? srcdir : "tests/fixtures", file);
    FILE *f = fopen(path, "r");
    int n = 0, found = -1;
    while (f && fgets(line, sizeof line, f)) { n++; if (strstr(line, marker)) { found = n; break; } }
    if (f) fclose(f);
    return found;
}
static int site_line(const char *marker) { return site_line_in("crash_site.c", marker); }

/* Builds the fixture with `MODE` by gcc (-O0 -g: frame pointers) or tcc (-g); NULL when tcc is missing. */
static const char *site_build(const char *compiler, int mode) {
    char name[64], flags[64];
    snprintf(name, sizeof name, "crash_site_%s_%d", compiler, mode);
    if (strcmp(compiler, "gcc") == 0) {
        snprintf(flags, sizeof flags, "-O0 -g -DMODE=%d", mode);
        return compile_plugin(name, "crash_site.c", flags);
    }
    if (system("command -v tcc >/dev/null 2>&1") != 0) return NULL;
    if (!build_root[0]) compile_plugin("crash_site_root", "crash_site.c", "-DMODE=0"); /* makes build_root */
    static char out[8][512];
    static int k;
    char *path = out[k++ % 8];
    snprintf(path, 512, "%s/%s.so", build_root, name);
    const char *srcdir = getenv("KILN_TEST_SRC"), *inc = getenv("KILN_PLUGIN_INCLUDE");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "tcc -shared -fPIC -g -DMODE=%d -I%s %s/crash_site.c -o %s", mode,
             inc ? inc : "../plugins/include", srcdir ? srcdir : "tests/fixtures", path);
    if (system(cmd) != 0) { fprintf(stderr, "  FAIL compiling: %s\n", cmd); test_failed_checks++; }
    return path;
}

/* addr2line -f on `image` at `offset`: the function and the line (0 if unknown). */
static int site_symbolize(const char *image, uint64_t offset, char *fn, size_t cap) {
    char cmd[1024], file_line[1024];
    snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' 0x%llx", image, (unsigned long long)offset);
    FILE *p = popen(cmd, "r");
    fn[0] = '\0';
    file_line[0] = '\0';
    if (p) {
        if (fgets(fn, (int)cap, p)) fn[strcspn(fn, "\n")] = '\0';
        if (!fgets(file_line, sizeof file_line, p)) file_line[0] = '\0';
        pclose(p);
    }
    const char *colon = strrchr(file_line, ':');
    return colon ? atoi(colon + 1) : 0;
}

/* Loads the fixture and runs a frame: the record of the crash it meets. */
static int site_crash(const char *image, int watchdog_ms, kiln_crash *c) {
    kiln_runtime *rt = make_rt(NULL);
    if (watchdog_ms) kiln_set_watchdog_ms(rt, watchdog_ms);
    memset(c, 0, sizeof *c);
    int ok = kiln_load_plugin(rt, "cs", image) == 1 && kiln_frame(rt, 1.0f / 60) == KILN_ERR_CRASH &&
             kiln_poll_crash(rt, c) == 0;
    kiln_destroy(rt);
    return ok;
}

/* The line stack[i] names: the pc itself at 0, a return address's call instruction (offset - 1) after it. */
static int site_frame_line(const char *image, const kiln_crash *c, int i, char *fn, size_t cap) {
    if (i < 0 || i >= c->depth) return -1;
    return site_symbolize(image, c->stack[i].offset - (i > 0 ? 1 : 0), fn, cap);
}

static void check_null_write(const char *compiler) {
    const char *image = site_build(compiler, 1);
    if (!image) { printf("     (no tcc: %s skipped)\n", compiler); return; }
    kiln_crash c;
    CHECK(site_crash(image, 0, &c));
    CHECK_EQ(c.kind, KILN_FAULT_SIGNAL);
    CHECK_EQ(c.access, KILN_ACCESS_WRITE);
    CHECK_EQ(c.address, 0);
    CHECK_EQ(c.stack_overflow, 0);
    CHECK_EQ(c.plugin_frame, 0);
    CHECK(c.depth >= 2);
    CHECK_EQ(c.stack[0].address, c.pc);
    CHECK_EQ(c.stack[0].in_plugin, 1);
    CHECK(c.stack[0].image >= 0 && strstr(c.images[c.stack[0].image], "/cs-") != NULL); /* the temp copy */
    char fn[256];
    CHECK_EQ(site_frame_line(image, &c, 0, fn, sizeof fn), site_line("SITE_WRITE"));
    CHECK_CONTAINS(fn, "poke");
    /* the caller: update, at the line of the call */
    CHECK_EQ(c.stack[1].in_plugin, 1);
    CHECK_EQ(site_frame_line(image, &c, 1, fn, sizeof fn), site_line("SITE_CALL"));
    CHECK_CONTAINS(fn, "update");
}
static void test_crash_site_null_write_gcc(void) { check_null_write("gcc"); }
static void test_crash_site_null_write_tcc(void) { check_null_write("tcc"); }

static void check_inside_libc(const char *compiler) {
    const char *image = site_build(compiler, 2);
    if (!image) { printf("     (no tcc: %s skipped)\n", compiler); return; }
    kiln_crash c;
    CHECK(site_crash(image, 0, &c));
    CHECK_EQ(c.access, KILN_ACCESS_READ);
    CHECK_EQ(c.stack[0].in_plugin, 0);
    CHECK(c.stack[0].image >= 0 && strstr(c.images[c.stack[0].image], "libc") != NULL);
    CHECK(c.plugin_frame >= 1);
    char fn[256];
    CHECK_EQ(site_frame_line(image, &c, c.plugin_frame, fn, sizeof fn), site_line("SITE_STRLEN"));
    CHECK_CONTAINS(fn, "update");
}
static void test_crash_site_inside_libc_gcc(void) { check_inside_libc("gcc"); }
static void test_crash_site_inside_libc_tcc(void) { check_inside_libc("tcc"); }

static void check_watchdog(const char *compiler) {
    const char *image = site_build(compiler, 3);
    if (!image) { printf("     (no tcc: %s skipped)\n", compiler); return; }
    kiln_crash c;
    CHECK(site_crash(image, 100, &c));
    CHECK_EQ(c.kind, KILN_FAULT_WATCHDOG);
    CHECK_EQ(c.plugin_frame, 0);
    char fn[256];
    CHECK_EQ(site_frame_line(image, &c, 0, fn, sizeof fn), site_line("SITE_LOOP"));
    CHECK_CONTAINS(fn, "update");
}
static void test_crash_site_watchdog_gcc(void) { check_watchdog("gcc"); }
static void test_crash_site_watchdog_tcc(void) { check_watchdog("tcc"); }

static void test_crash_site_read_exec_overflow(void) {
    kiln_crash c;
    char fn[256];
    const char *img = site_build("gcc", 4);
    CHECK(site_crash(img, 0, &c));
    CHECK_EQ(c.access, KILN_ACCESS_READ);
    CHECK_EQ(c.address, 16);
    CHECK_EQ(site_frame_line(img, &c, c.plugin_frame, fn, sizeof fn), site_line("SITE_READ"));
    img = site_build("gcc", 5);
    CHECK(site_crash(img, 0, &c));
    CHECK_EQ(c.access, KILN_ACCESS_EXECUTE);
    CHECK_EQ(c.pc, 0);
    CHECK(c.plugin_frame >= 1);
    CHECK_EQ(site_frame_line(img, &c, c.plugin_frame, fn, sizeof fn), site_line("SITE_EXEC"));
    img = site_build("gcc", 6);
    CHECK(site_crash(img, 0, &c));
    CHECK_EQ(c.stack_overflow, 1);
    CHECK(c.plugin_frame >= 0);
    site_frame_line(img, &c, c.plugin_frame, fn, sizeof fn);
    CHECK_CONTAINS(fn, "dive");
}

/* A split build: the saved file's image is linked against a library of the other files from its build folder. A
   crash in that library is the plugin's (in_plugin 2, the library's path as loaded), its line read from that file. */
static void test_crash_site_split_library_tcc(void) {
    if (system("command -v tcc >/dev/null 2>&1") != 0) { printf("     (no tcc: skipped)\n"); return; }
    if (!build_root[0]) compile_plugin("crash_site_root", "crash_site.c", "-DMODE=0"); /* makes build_root */
    const char *srcdir = getenv("KILN_TEST_SRC"), *inc = getenv("KILN_PLUGIN_INCLUDE");
    if (!srcdir) srcdir = "tests/fixtures";
    if (!inc) inc = "../plugins/include";
    char others[512], image[512], cmd[4096];
    snprintf(others, sizeof others, "%s/split-others-1.so", build_root);
    snprintf(image, sizeof image, "%s/split-image.so", build_root);
    snprintf(cmd, sizeof cmd,
             "tcc -shared -fPIC -g -DPART=1 -I%s %s/split_site.c -o %s && "
             "tcc -shared -fPIC -g -DPART=2 -I%s %s/split_site.c %s -Wl,-rpath,%s -o %s",
             inc, srcdir, others, inc, srcdir, others, build_root, image);
    CHECK_EQ(system(cmd), 0);
    kiln_crash c;
    char fn[256];
    CHECK(site_crash(image, 0, &c));
    CHECK_EQ(c.plugin_frame, 0);
    CHECK_EQ(c.stack[0].in_plugin, 2);
    CHECK(c.stack[0].image >= 0 && strcmp(c.images[c.stack[0].image], others) == 0);
    CHECK_EQ(site_symbolize(others, c.stack[0].offset, fn, sizeof fn), site_line_in("split_site.c", "SPLIT_WRITE"));
    CHECK_CONTAINS(fn, "split_poke");
    CHECK_EQ(c.stack[1].in_plugin, 1); /* the saved file's update, at its call */
    CHECK(c.stack[1].image >= 0 && strstr(c.images[c.stack[1].image], "/cs-") != NULL);
    CHECK_EQ(site_symbolize(image, c.stack[1].offset - 1, fn, sizeof fn), site_line_in("split_site.c", "SPLIT_CALL"));
    CHECK_CONTAINS(fn, "update");
}

#define CRASH_SITE_TESTS                                                                                  \
    {"crash_site_null_write_gcc", test_crash_site_null_write_gcc},                                       \
    {"crash_site_null_write_tcc", test_crash_site_null_write_tcc},                                       \
    {"crash_site_inside_libc_gcc", test_crash_site_inside_libc_gcc},                                     \
    {"crash_site_inside_libc_tcc", test_crash_site_inside_libc_tcc},                                     \
    {"crash_site_watchdog_gcc", test_crash_site_watchdog_gcc},                                           \
    {"crash_site_watchdog_tcc", test_crash_site_watchdog_tcc},                                           \
    {"crash_site_read_exec_overflow", test_crash_site_read_exec_overflow},                               \
    {"crash_site_split_library_tcc", test_crash_site_split_library_tcc},
