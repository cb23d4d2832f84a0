/* test_sound.c — the sound table and command queue (sound.c), included by test_runtime.c. Uses
   tests/fixtures/sounds.c, which loads "sfx/beep.wav" in init. */

/* A tiny valid 16-bit mono PCM WAV (8 samples), with a LIST chunk before "fmt " when `junk_first`. */
static void write_wav(const char *path, int junk_first, uint16_t format_tag) {
    uint8_t b[128];
    size_t n = 0;
#define PUT(s, len) (memcpy(b + n, (s), (len)), n += (len))
#define U32(v) do { uint32_t v_ = (v); PUT(&v_, 4); } while (0)
#define U16(v) do { uint16_t v_ = (v); PUT(&v_, 2); } while (0)
    PUT("RIFF", 4); U32(0); PUT("WAVE", 4);
    if (junk_first) { PUT("LIST", 4); U32(4); PUT("INFO", 4); }
    PUT("fmt ", 4); U32(16); U16(format_tag); U16(1); U32(22050); U32(44100); U16(2); U16(16);
    PUT("data", 4); U32(16); for (int i = 0; i < 16; i++) b[n++] = (uint8_t)(i * 16);
    uint32_t riff = (uint32_t)n - 8;
    memcpy(b + 4, &riff, 4);
#undef PUT
#undef U32
#undef U16
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static void write_text(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    fwrite(bytes, 1, len, f);
    fclose(f);
}

/* A project folder with sfx/beep.wav; its path in proj (256 bytes). */
static void make_project(char *proj) {
    snprintf(proj, 256, "%s", new_workdir());
    char p[512];
    snprintf(p, sizeof p, "%s/sfx", proj);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sfx/beep.wav", proj);
    write_wav(p, 0, 1);
}

/* Loads `path` expecting a refusal whose log line names the file and contains `why`. */
static void expect_refused(kiln_runtime *rt, const char *path, const char *why) {
    int32_t h = kiln_sound_load(rt, path);
    if (h >= 0) fprintf(stderr, "  (sound_load(\"%s\") gave handle %d)\n", path, (int)h);
    CHECK(h < 0);
    const char *log = drain(rt);
    CHECK_CONTAINS(log, path);
    CHECK_CONTAINS(log, why);
}

static void test_sound_load_checks_paths_and_headers(void) {
    kiln_runtime *rt = make_rt(NULL);
    char proj[256], p[512], outside[256];
    make_project(proj);
    expect_refused(rt, "sfx/beep.wav", "no project folder");
    CHECK_EQ(kiln_set_project_dir(rt, "/nonexistent/kiln-project"), KILN_ERR_INVALID);
    CHECK_EQ(kiln_set_project_dir(rt, proj), KILN_OK);

    CHECK_EQ(kiln_sound_load(rt, "sfx/beep.wav"), 0);
    CHECK_EQ(kiln_sound_load(rt, "sfx/beep.wav"), 0); /* the same path, the same handle */
    snprintf(p, sizeof p, "%s/sfx/junk.wav", proj);
    write_wav(p, 1, 3); /* float samples behind a LIST chunk */
    CHECK_EQ(kiln_sound_load(rt, "sfx/junk.wav"), 1);
    static const uint8_t ogg[] = "OggS\0\2\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\1\36\1vorbis\0\0\0\0";
    snprintf(p, sizeof p, "%s/music.ogg", proj);
    write_text(p, ogg, sizeof ogg);
    CHECK_EQ(kiln_sound_load(rt, "music.ogg"), 2);
    kiln_sound_info info;
    CHECK_EQ(kiln_sound_info_get(rt, 2, &info), KILN_OK);
    CHECK_EQ(info.format, KILN_SOUND_OGG);
    CHECK(strcmp(info.path, "music.ogg") == 0);
    CHECK_EQ(kiln_sound_info_get(rt, 0, &info), KILN_OK);
    CHECK_EQ(info.format, KILN_SOUND_WAV);
    CHECK(info.bytes > 44);
    CHECK_EQ(kiln_sound_info_get(rt, 3, &info), KILN_ERR_NOT_FOUND);
    CHECK_EQ(kiln_sound_info_get(rt, -1, &info), KILN_ERR_NOT_FOUND);
    drain(rt);

    /* paths that leave the folder, or are not plain files */
    expect_refused(rt, "/etc/passwd", "absolute");
    expect_refused(rt, "../beep.wav", "'..'");
    expect_refused(rt, "sfx/../sfx/beep.wav", "'..'");
    expect_refused(rt, "sfx\\beep.wav", "backslash");
    expect_refused(rt, "sfx/nothere.wav", "no such file");
    snprintf(outside, sizeof outside, "%s", new_workdir());
    snprintf(p, sizeof p, "%s/out.wav", outside);
    write_wav(p, 0, 1);
    char link[512];
    snprintf(link, sizeof link, "%s/sfx/link.wav", proj);
    CHECK_EQ(symlink(p, link), 0);
    expect_refused(rt, "sfx/link.wav", "out of the project folder");
    snprintf(p, sizeof p, "%s/sfx/pipe.wav", proj);
    CHECK_EQ(mkfifo(p, 0600), 0);
    expect_refused(rt, "sfx/pipe.wav", "not a regular file"); /* and did not block on the FIFO */
    expect_refused(rt, "sfx", "not a regular file");

    /* headers */
    snprintf(p, sizeof p, "%s/text.wav", proj);
    write_text(p, "just some text, not audio at all", 32);
    expect_refused(rt, "text.wav", "neither a WAV");
    snprintf(p, sizeof p, "%s/empty.wav", proj);
    write_text(p, "", 0);
    expect_refused(rt, "empty.wav", "too short");
    snprintf(p, sizeof p, "%s/adpcm.wav", proj);
    write_wav(p, 0, 2);
    expect_refused(rt, "adpcm.wav", "compressed");
    static const uint8_t flac_ogg[] = "OggS\0\2\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\1\36\177FLAC\0\0\0\0\0";
    snprintf(p, sizeof p, "%s/flac.ogg", proj);
    write_text(p, flac_ogg, sizeof flac_ogg);
    expect_refused(rt, "flac.ogg", "neither Vorbis nor Opus");
    /* refusals took no handles */
    CHECK_EQ(kiln_sound_info_get(rt, 3, &info), KILN_ERR_NOT_FOUND);
    kiln_destroy(rt);
}

/* Returns the commands a frame queued (up to 128). */
static int32_t frame_sounds(kiln_runtime *rt, kiln_sound_command *out, uint32_t *dropped) {
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    return kiln_sound_poll(rt, out, 128, dropped);
}

static void test_sound_requests_are_queued_per_frame(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    char proj[256];
    make_project(proj);
    CHECK_EQ(kiln_set_project_dir(rt, proj), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "sounds", compile_plugin("sounds1", "sounds.c", "-DMODE=1")), 1);
    CHECK_CONTAINS(drain(rt), "sound_load(\"sfx/missing.wav\") refused: no such file");
    kiln_sound_command c[128];
    uint32_t dropped = 99;
    int32_t n = frame_sounds(rt, c, &dropped);
    CHECK_EQ(n, 4);
    CHECK_EQ(dropped, 0);
    CHECK_EQ(c[0].op, KILN_SOUND_PLAY);
    CHECK_EQ(c[0].sound, 0);
    CHECK(c[0].volume == 1.0f && c[0].pan == -1.0f); /* clamped */
    CHECK_EQ(c[0].frame, 0);
    CHECK_EQ(c[1].op, KILN_SOUND_TONE);
    CHECK(c[1].hz == 20.0f);
    CHECK_EQ(c[1].ms, 1);
    CHECK_EQ(c[1].wave, SFX_SAW);
    CHECK_EQ(c[2].op, KILN_SOUND_MUSIC);
    CHECK(c[2].volume == 0.25f);
    CHECK_EQ(c[3].op, KILN_SOUND_MUSIC_STOP);
    const char *log = drain(rt);
    CHECK_CONTAINS(log, "sound_play: no sound with handle -8");
    CHECK_CONTAINS(log, "sfx_tone: wave 9");
    CHECK_EQ(kiln_sound_poll(rt, c, 128, NULL), 0); /* drained */
    n = frame_sounds(rt, c, NULL);
    CHECK_EQ(n, 4);
    CHECK_EQ(c[0].frame, 1);
    CHECK_EQ(kiln_sound_poll(rt, NULL, 0, NULL), 0);
    CHECK_EQ(kiln_sound_poll(rt, NULL, 4, NULL), KILN_ERR_INVALID);

    /* headless: requests are no-ops, files are still checked */
    kiln_sound_set_enabled(rt, 0);
    CHECK_EQ(frame_sounds(rt, c, NULL), 0);
    CHECK_EQ(kiln_sound_load(rt, "sfx/beep.wav"), 0);
    kiln_sound_set_enabled(rt, 1);
    CHECK_EQ(frame_sounds(rt, c, NULL), 4);
    kiln_destroy(rt);

    /* a new runner on the same work dir: handle 0 is still sfx/beep.wav before any init runs */
    kiln_runtime *again = kiln_create(W, H, wd);
    CHECK(again != NULL);
    kiln_sound_info info;
    CHECK_EQ(kiln_sound_info_get(again, 0, &info), KILN_ERR_NOT_FOUND); /* no project yet */
    CHECK_EQ(kiln_set_project_dir(again, proj), KILN_OK);
    CHECK_EQ(kiln_sound_info_get(again, 0, &info), KILN_OK);
    CHECK(strcmp(info.path, "sfx/beep.wav") == 0);
    CHECK_EQ(kiln_sound_load(again, "sfx/beep.wav"), 0);
    kiln_destroy(again);
}

static void test_sound_queue_overflow_is_bounded(void) {
    kiln_runtime *rt = make_rt(NULL);
    char proj[256];
    make_project(proj);
    CHECK_EQ(kiln_set_project_dir(rt, proj), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "sounds", compile_plugin("sounds2", "sounds.c", "-DMODE=2")), 1);
    kiln_sound_command c[128];
    uint32_t dropped = 0;
    CHECK_EQ(frame_sounds(rt, c, &dropped), KILN_SOUND_QUEUE);
    CHECK_EQ(dropped, 100 - KILN_SOUND_QUEUE);
    /* not drained for three frames: still bounded, the oldest kept */
    for (int i = 0; i < 3; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_sound_poll(rt, c, 128, &dropped), KILN_SOUND_QUEUE);
    CHECK_EQ(dropped, 300 - KILN_SOUND_QUEUE);
    CHECK_EQ(c[0].frame, 1);
    /* a small buffer takes the oldest, the rest stay queued */
    CHECK_EQ(frame_sounds(rt, c, NULL), KILN_SOUND_QUEUE);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_sound_poll(rt, c, 10, NULL), 10);
    CHECK_EQ(kiln_sound_poll(rt, c, 128, NULL), KILN_SOUND_QUEUE - 10);
    kiln_destroy(rt);
}

#define SOUND_TESTS                                                                 \
    {"sound_load_checks_paths_and_headers", test_sound_load_checks_paths_and_headers}, \
    {"sound_requests_are_queued_per_frame", test_sound_requests_are_queued_per_frame}, \
    {"sound_queue_overflow_is_bounded", test_sound_queue_overflow_is_bounded},
