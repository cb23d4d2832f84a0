/* test_assets.c — images (draw.c's kiln_draw_image, assets.c's table), gamepads and kiln_resize; included by
   test_runtime.c. PNGs are written with stb_image_write (libstb-dev), the fixture plugin is tests/fixtures/sprites.c. */
#include <sys/stat.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop
#include "../src/draw.c" /* draw.c is a pure canvas file: tested on its own canvas (libkiln's copy is hidden) */

enum { S_A, S_B, S_W, S_H, S_PAD, S_PRESSES, S_AXIS, S_SW, S_SH, S_REFUSED, S_BADW, S_COUNT };
/* Field `idx` of sprites.c's committed state. */
static int32_t sprite_field(const char *wd, int idx) {
    int32_t v[S_COUNT] = {0};
    return read_state(wd, "sprites", v, S_COUNT, NULL, NULL) == 0 ? v[idx] : -999;
}

/* A w*h PNG at dir/rel whose pixel (x, y) is `color(x, y)` (0xRRGGBBAA). */
static void write_png(const char *dir, const char *rel, int w, int h, uint32_t (*color)(int, int)) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    mkdir(p, 0755);
    *slash = '/';
    uint8_t *px = malloc((size_t)w * h * 4);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t c = color(x, y);
            uint8_t *q = px + ((size_t)y * w + x) * 4;
            q[0] = c >> 24; q[1] = c >> 16; q[2] = c >> 8; q[3] = c;
        }
    char tmp[620];
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    CHECK(stbi_write_png(tmp, w, h, 4, px, w * 4) != 0);
    CHECK_EQ(rename(tmp, p), 0); /* as image editors save: write a temp file, rename it over */
    free(px);
}
static uint32_t red_left_green_right(int x, int y) { (void)y; return x < 4 ? 0xFF0000FFu : 0x00FF00FFu; }
static uint32_t all_blue(int x, int y) { (void)x; (void)y; return 0x0000FFFFu; }

/* --- draw.c ------------------------------------------------------------------------------------------------------ */
static const uint8_t img3x2[] = {
    0xFF, 0, 0, 0xFF,   0, 0xFF, 0, 0xFF,   0, 0, 0xFF, 0xFF, /* red green blue */
    0xFF, 0xFF, 0xFF, 0xFF,   0xFF, 0xFF, 0xFF, 0x80,   0, 0, 0, 0 /* white, half white, transparent */
};
static uint8_t cv_px[8 * 6 * 4];
static kiln_canvas cv8x6 = {cv_px, 8, 6};
static void cv_clear(void) { for (size_t i = 0; i < sizeof cv_px; i += 4) { cv_px[i] = cv_px[i + 1] = cv_px[i + 2] = 0; cv_px[i + 3] = 0xFF; } }
static uint32_t cv_at(int x, int y) {
    const uint8_t *p = cv_px + ((size_t)y * 8 + x) * 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int cv_count(uint32_t c) { int n = 0; for (int y = 0; y < 6; y++) for (int x = 0; x < 8; x++) n += cv_at(x, y) == c; return n; }

static void test_draw_image_clips_at_every_edge_and_flips(void) {
    cv_clear();
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 2, 1, 0);
    CHECK_EQ(cv_at(2, 1), 0xFF0000FF); CHECK_EQ(cv_at(3, 1), 0x00FF00FF); CHECK_EQ(cv_at(4, 1), 0x0000FFFF);
    CHECK_EQ(cv_at(2, 2), 0xFFFFFFFF);
    CHECK_EQ(cv_at(3, 2), 0x808080FF);   /* half-transparent white over black: blended */
    CHECK_EQ(cv_at(4, 2), 0x000000FF);   /* transparent: the canvas shows through */
    /* flips: X, Y, both */
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 0, 0, KILN_DRAW_FLIP_X);
    CHECK_EQ(cv_at(0, 0), 0x0000FFFF); CHECK_EQ(cv_at(2, 0), 0xFF0000FF); CHECK_EQ(cv_at(2, 1), 0xFFFFFFFF);
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 0, 0, KILN_DRAW_FLIP_Y);
    CHECK_EQ(cv_at(0, 0), 0xFFFFFFFF); CHECK_EQ(cv_at(0, 1), 0xFF0000FF); CHECK_EQ(cv_at(2, 1), 0x0000FFFF);
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 0, 0, KILN_DRAW_FLIP_X | KILN_DRAW_FLIP_Y);
    CHECK_EQ(cv_at(2, 0), 0xFFFFFFFF); CHECK_EQ(cv_at(2, 1), 0xFF0000FF); CHECK_EQ(cv_at(0, 1), 0x0000FFFF);
    /* a part: the middle column only, flipped, lands where it is drawn */
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 1, 0, 1, 2, 5, 3, KILN_DRAW_FLIP_Y);
    CHECK_EQ(cv_at(5, 3), 0x808080FF); CHECK_EQ(cv_at(5, 4), 0x00FF00FF); CHECK_EQ(cv_count(0x000000FF), 46);
    /* the canvas edges: left/top, right/bottom */
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, -2, -1, 0);
    CHECK_EQ(cv_at(0, 0), 0x000000FF); /* the transparent pixel (2, 1) landed on (0, 0) */
    CHECK_EQ(cv_count(0x000000FF), 48);
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, -2, 0, 0);
    CHECK_EQ(cv_at(0, 0), 0x0000FFFF); CHECK_EQ(cv_count(0x000000FF), 47);
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 7, 5, 0);
    CHECK_EQ(cv_at(7, 5), 0xFF0000FF); CHECK_EQ(cv_count(0x000000FF), 47);
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 7, 5, KILN_DRAW_FLIP_X | KILN_DRAW_FLIP_Y);
    CHECK_EQ(cv_at(7, 5), 0x000000FF); /* the transparent corner */
    /* a flipped part clipped at the left edge keeps its mirrored order */
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 1, -1, 0, KILN_DRAW_FLIP_X);
    CHECK_EQ(cv_at(0, 0), 0x00FF00FF); CHECK_EQ(cv_at(1, 0), 0xFF0000FF);
    /* nothing: off every side, an empty or inverted part, a part wholly outside the image, NULL pixels */
    cv_clear();
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, -3, 0, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 0, -2, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 8, 0, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, 0, 6, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 0, 2, 0, 0, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, -3, 2, 0, 0, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 3, 0, 2, 2, 0, 0, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, -5, 0, 2, 2, 0, 0, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, 0, 0, 3, 2, INT32_MAX, INT32_MAX, 0);
    kiln_draw_image(&cv8x6, img3x2, 3, 2, INT32_MAX - 1, 0, INT32_MAX, 2, INT32_MIN, 0, KILN_DRAW_FLIP_X);
    kiln_draw_image(&cv8x6, NULL, 3, 2, 0, 0, 3, 2, 0, 0, 0);
    CHECK_EQ(cv_count(0x000000FF), 48);
    /* a part reaching past the image draws only what the image has, where it would be */
    cv_clear(); kiln_draw_image(&cv8x6, img3x2, 3, 2, -1, 0, 5, 1, 0, 0, 0);
    CHECK_EQ(cv_at(0, 0), 0x000000FF); CHECK_EQ(cv_at(1, 0), 0xFF0000FF); CHECK_EQ(cv_at(3, 0), 0x0000FFFF);
    CHECK_EQ(cv_at(4, 0), 0x000000FF);
}

/* --- the image table through a plugin -------------------------------------------------------------------------- */
static kiln_runtime *sprites_rt(const char **wd, const char *project, const char *flags) {
    kiln_runtime *rt = make_rt(wd);
    CHECK_EQ(kiln_set_project_dir(rt, project), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "sprites", compile_plugin(flags && *flags ? "sprites_paths" : "sprites", "sprites.c", flags)), 1);
    return rt;
}

static void test_image_load_draws_a_png_with_one_handle_per_path(void) {
    const char *project = new_workdir(), *wd;
    write_png(project, "art/a.png", 8, 4, red_left_green_right);
    kiln_runtime *rt = sprites_rt(&wd, project, "");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_A), 0);
    CHECK_EQ(sprite_field(wd, S_B), 0); /* "./art//a.png" is the same file */
    CHECK_EQ(sprite_field(wd, S_W), 8);
    CHECK_EQ(sprite_field(wd, S_H), 4);
    CHECK_EQ(sprite_field(wd, S_BADW), 0);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(px(7, 3), 0x00FF00FF);
    CHECK_EQ(px(8, 0), 0x000000FF);
    CHECK_EQ(px(40, 0), 0x00FF00FF); /* flipped: green on the left */
    CHECK_EQ(px(47, 0), 0xFF0000FF);
    CHECK_EQ(kiln_image_count(rt), 1);
    kiln_image_info info;
    CHECK_EQ(kiln_image_get(rt, 0, &info), KILN_OK);
    CHECK(strcmp(info.path, "art/a.png") == 0);
    CHECK_EQ(info.placeholder, 0);
    CHECK_EQ(kiln_image_get(rt, 1, &info), KILN_ERR_NOT_FOUND);
    CHECK_EQ(kiln_image_get(rt, -1, &info), KILN_ERR_NOT_FOUND);
    kiln_destroy(rt);
}

static void test_image_missing_is_a_placeholder_until_the_file_is_there(void) {
    const char *project = new_workdir(), *wd;
    kiln_runtime *rt = sprites_rt(&wd, project, "");
    const char *missing = drain(rt);
    CHECK_CONTAINS(missing, "image_load(\"art/a.png\"): no such file in the project folder");
    CHECK_CONTAINS(missing, "a 16x16 placeholder is drawn");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_A), 0);
    CHECK_EQ(sprite_field(wd, S_W), 16);
    CHECK_EQ(pixel(rt, 0, 0), 0x000000FF);
    CHECK_EQ(px(4, 0), 0xFF00FFFF); /* the magenta/black checker */
    CHECK_EQ(px(4, 4), 0x000000FF);
    /* the file appears: the same handle draws it, with no code reload */
    write_png(project, "art/a.png", 8, 4, red_left_green_right);
    kiln_image_info info;
    CHECK_EQ(kiln_image_reload(rt, "art/a.png", &info), KILN_OK);
    CHECK_EQ(info.handle, 0);
    CHECK_EQ(info.placeholder, 0);
    CHECK_EQ(info.generation, 1);
    CHECK_EQ(info.width, 8);
    CHECK(info.decode_s >= 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(sprite_field(wd, S_W), 8);
    /* replaced again, by another picture; then broken: a placeholder of the size its header claims, and why */
    write_png(project, "art/a.png", 8, 4, all_blue);
    CHECK_EQ(kiln_image_reload(rt, "./art/a.png", &info), KILN_OK);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 5, 2), 0x0000FFFF);
    char p[600];
    snprintf(p, sizeof p, "%s/art/a.png", project);
    FILE *f = fopen(p, "r+b");
    fseek(f, 40, SEEK_SET);
    fwrite("garbage-garbage-garbage", 1, 23, f);
    fclose(f);
    CHECK_EQ(kiln_image_reload(rt, "art/a.png", &info), KILN_OK);
    CHECK_EQ(info.placeholder, 1);
    CHECK_CONTAINS(info.error, "not an image Kiln can read");
    CHECK_EQ(info.width, 8);
    CHECK_EQ(info.generation, 3);
    /* a path the game never loaded, and a refused one */
    CHECK_EQ(kiln_image_reload(rt, "art/other.png", &info), KILN_ERR_NOT_FOUND);
    CHECK_EQ(info.handle, -1);
    CHECK_EQ(kiln_image_reload(rt, "../a.png", &info), KILN_ERR_INVALID);
    kiln_destroy(rt);
}

static void test_image_paths_are_confined_to_the_project(void) {
    const char *project = new_workdir(), *wd, *outside = new_workdir();
    write_png(project, "art/a.png", 8, 4, red_left_green_right);
    write_png(outside, "x/secret.png", 2, 2, all_blue);
    char link[600], target[600], fifo[600];
    snprintf(link, sizeof link, "%s/link-out.png", project);
    snprintf(target, sizeof target, "%s/x/secret.png", outside);
    CHECK_EQ(symlink(target, link), 0);
    snprintf(fifo, sizeof fifo, "%s/fifo.png", project);
    CHECK_EQ(mkfifo(fifo, 0644), 0);
    kiln_runtime *rt = sprites_rt(&wd, project, "-DPATHS");
    const char *log = drain(rt);
    CHECK_EQ(sprite_field(wd, S_REFUSED), 4);
    CHECK_CONTAINS(log, "image_load(\"../outside.png\") refused: it leaves the project folder");
    CHECK_CONTAINS(log, "image_load(\"/etc/passwd\") refused: it is not a path relative to the project folder");
    CHECK_CONTAINS(log, "image_load(\"link-out.png\"): it is a link to");
    CHECK_CONTAINS(log, "out of the project folder");
    CHECK_CONTAINS(log, "image_load(\"fifo.png\"): it is not a regular file (a named pipe)");
    kiln_image_info info;
    CHECK_EQ(kiln_image_get(rt, 1, &info), KILN_OK);
    CHECK_EQ(info.placeholder, 1); /* the outside file's pixels never reach the game */
    CHECK_EQ(info.width, 16);
    kiln_destroy(rt);
}

static void test_images_keep_their_handles_across_a_restart(void) {
    const char *project = new_workdir(), *wd;
    write_png(project, "art/a.png", 8, 4, red_left_green_right);
    write_png(project, "b.png", 3, 3, all_blue);
    kiln_runtime *rt = sprites_rt(&wd, project, "");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
    /* a list written by an older session that also loaded b.png first: the order is what counts */
    char list[600];
    snprintf(list, sizeof list, "%s/state/images.list", wd);
    FILE *f = fopen(list, "w");
    fputs("b.png\nart/a.png\n", f);
    fclose(f);
    rt = kiln_create(W, H, wd);
    CHECK_EQ(kiln_set_project_dir(rt, project), KILN_OK);
    CHECK_EQ(kiln_image_count(rt), 2); /* before any plugin or frame */
    kiln_image_info info;
    CHECK_EQ(kiln_image_get(rt, 1, &info), KILN_OK);
    CHECK(strcmp(info.path, "art/a.png") == 0);
    CHECK_EQ(kiln_load_plugin(rt, "sprites", compile_plugin("sprites", "sprites.c", "")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_A), 0); /* the state kept handle 0 from the first session... */
    CHECK_EQ(pixel(rt, 1, 1), 0x0000FFFF);        /* ...and handle 0 is b.png in this list: what the list says wins */
    CHECK_EQ(kiln_set_project_dir(rt, "/nonexistent/kiln"), KILN_ERR_INVALID);
    CHECK_CONTAINS(kiln_last_error(rt), "pass the project folder");
    kiln_destroy(rt);
}

static void test_images_survive_a_code_reload_and_a_crash_rollback(void) {
    const char *project = new_workdir(), *wd;
    write_png(project, "art/a.png", 8, 4, red_left_green_right);
    kiln_runtime *rt = sprites_rt(&wd, project, "");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "sprites", compile_plugin("sprites2", "sprites.c", "-DVARIANT=2")), 2);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(kiln_load_plugin(rt, "sprites", compile_plugin("sprites3", "sprites.c", "-DVARIANT=3")), 3);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_version(rt, "sprites"), 2);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(pixel(rt, 0, 0), 0xFF0000FF);
    CHECK_EQ(kiln_image_count(rt), 1);
    kiln_destroy(rt);
}

static void test_gamepads_reach_the_plugin_and_the_history(void) {
    const char *project = new_workdir(), *wd;
    kiln_runtime *rt = sprites_rt(&wd, project, "");
    CHECK_EQ(kiln_history_set_budget(rt, 1 << 20), KILN_OK);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_PAD), -1); /* not connected */
    kiln_set_pad(rt, 0, 1, 1u << PAD_A | 1u << PAD_START, 0, -0.5f, 0, 0);
    kiln_set_pad(rt, 0, 1, 1u << PAD_START, 0, -0.5f, 0, 0); /* A pressed and released between two frames: latched */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_PAD), 4);
    CHECK_EQ(sprite_field(wd, S_PRESSES), 1);
    CHECK_EQ(sprite_field(wd, S_AXIS), -500);
    kiln_set_pad(rt, 0, 1, 1u << PAD_A | 1u << PAD_UP, 0, 7.0f, 0, 0); /* axes are clamped to -1..1 */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    uint64_t pressed_frame = kiln_frame_count(rt) - 1;
    CHECK_EQ(sprite_field(wd, S_PAD), 3);
    CHECK_EQ(sprite_field(wd, S_PRESSES), 2);
    CHECK_EQ(sprite_field(wd, S_AXIS), 1000);
    kiln_set_pad(rt, 0, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_PAD), -1);
    /* back to before the press and replayed: the recorded pad input presses A again */
    CHECK_EQ(kiln_history_seek(rt, pressed_frame - 1), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_PRESSES), 1);
    CHECK_EQ(kiln_history_replay(rt, pressed_frame), 1);
    CHECK_EQ(sprite_field(wd, S_PRESSES), 2);
    CHECK_EQ(sprite_field(wd, S_PAD), 3);
    kiln_set_pad(rt, 9, 1, 1, 0, 0, 0, 0); /* out of range: ignored */
    kiln_destroy(rt);
}

static void test_resize_applies_to_the_running_game(void) {
    const char *project = new_workdir(), *wd;
    write_png(project, "art/a.png", 8, 4, red_left_green_right);
    kiln_runtime *rt = sprites_rt(&wd, project, "");
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_SW), W);
    CHECK_EQ(kiln_resize(rt, 64, 48), KILN_OK);
    CHECK_EQ(kiln_width(rt), 64);
    CHECK_EQ(kiln_height(rt), 48);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_SW), 64); /* kiln->width of the loaded image's own table followed */
    CHECK_EQ(sprite_field(wd, S_SH), 48);
    static uint8_t small[64 * 48 * 4];
    CHECK_EQ(kiln_copy_framebuffer(rt, small, sizeof small), 64 * 48 * 4);
    CHECK_EQ(small[0], 0xFF); /* the sprite, drawn on the new framebuffer */
    CHECK_EQ(kiln_resize(rt, 0, 10), KILN_ERR_INVALID);
    CHECK_EQ(kiln_resize(rt, 10, 9000), KILN_ERR_INVALID);
    CHECK_EQ(kiln_width(rt), 64);
    /* a reload after the resize gets a table with the new size from the start */
    CHECK_EQ(kiln_load_plugin(rt, "sprites", compile_plugin("sprites2", "sprites.c", "-DVARIANT=2")), 2);
    CHECK_EQ(kiln_resize(rt, W, H), KILN_OK);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(sprite_field(wd, S_SW), W);
    kiln_destroy(rt);
}

#define ASSET_TESTS                                                                                          \
    {"draw_image_clips_at_every_edge_and_flips", test_draw_image_clips_at_every_edge_and_flips},             \
    {"image_load_draws_a_png_with_one_handle_per_path", test_image_load_draws_a_png_with_one_handle_per_path}, \
    {"image_missing_is_a_placeholder_until_the_file_is_there", test_image_missing_is_a_placeholder_until_the_file_is_there}, \
    {"image_paths_are_confined_to_the_project", test_image_paths_are_confined_to_the_project},               \
    {"images_keep_their_handles_across_a_restart", test_images_keep_their_handles_across_a_restart},         \
    {"images_survive_a_code_reload_and_a_crash_rollback", test_images_survive_a_code_reload_and_a_crash_rollback}, \
    {"gamepads_reach_the_plugin_and_the_history", test_gamepads_reach_the_plugin_and_the_history},           \
    {"resize_applies_to_the_running_game", test_resize_applies_to_the_running_game},
