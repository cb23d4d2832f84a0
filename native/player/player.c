/* player.c — the standalone game program of the native export: libkiln's runtime runs the game's plugin images (crash
   guard on: a crash rolls back and is logged, the game goes on), SDL2 gives it a window, keyboard and a clock.
   It reads game.manifest beside itself (written by the export), so one binary plays any exported game.

       ./pong                                   play
       ./pong --frames 120 --screenshot f.png   run 120 frames with no input, write the last one, exit (works under Xvfb)
       ./pong --input keys.txt                  also press keys at given frames ("<frame> <key> down|up" lines)
   Sound: player_audio.c (SDL audio) plays the commands libkiln queues each frame. */
#define _GNU_SOURCE
#include <SDL.h>
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kiln.h"
#include "kiln_runtime.h"
#include "player_audio.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#define MAX_PLUGINS 32
/* Fixed steps, as the web export takes them: a game plays the same on every machine and every run. */
#define STEP (1.0 / 60.0)

typedef struct manifest {
    char name[128];
    int width, height;
    int count;
    char plugin[MAX_PLUGINS][64];
    char image[MAX_PLUGINS][PATH_MAX];
} manifest;

static char work_dir[PATH_MAX];

/* --input: key presses at given frames, for checks that need the game to do something (launch the ball, ...). */
typedef struct key_event {
    long frame; /* 1 = the first frame; applied before that frame runs */
    int key;
    int down;
} key_event;
typedef struct input_script {
    key_event *events;
    size_t count;
} input_script;

/* A key as kiln.h names it: "W", "7", "SPACE" or "KEY_SPACE", any case. -1: none. */
static int key_named(const char *name) {
    static const struct { const char *name; int key; } named[] = {
        {"SPACE", KEY_SPACE}, {"UP", KEY_UP}, {"DOWN", KEY_DOWN}, {"LEFT", KEY_LEFT}, {"RIGHT", KEY_RIGHT},
        {"ENTER", KEY_ENTER}, {"ESCAPE", KEY_ESCAPE}, {"SHIFT", KEY_SHIFT}, {"CONTROL", KEY_CONTROL},
        {"TAB", KEY_TAB}, {"BACKSPACE", KEY_BACKSPACE},
    };
    if (!strncasecmp(name, "KEY_", 4)) name += 4;
    if (name[0] && !name[1]) {
        char c = (char)toupper((unsigned char)name[0]);
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return c;
    }
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (!strcasecmp(name, named[i].name)) return named[i].key;
    return -1;
}

/* "<frame> <key> down|up" a line; blank lines and # comments skipped. 0, or -1 with the line that is wrong. */
static int read_input_script(const char *path, input_script *s) {
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "kiln: cannot open %s: %s\n", path, strerror(errno)); return -1; }
    char line[256], key[64], how[16];
    size_t cap = 0;
    for (int no = 1; fgets(line, sizeof line, f); no++) {
        long frame;
        char *text = line + strspn(line, " \t");
        if (*text == '#' || *text == '\n' || *text == '\0') continue;
        int k = -1;
        if (sscanf(text, "%ld %63s %15s", &frame, key, how) != 3 || frame < 1 || (k = key_named(key)) < 0 ||
            (strcmp(how, "down") && strcmp(how, "up"))) {
            fprintf(stderr, "kiln: %s:%d: expected \"<frame from 1> <key: A..Z, 0..9, SPACE, UP, DOWN, LEFT, RIGHT, ENTER, ESCAPE, SHIFT, CONTROL, TAB, BACKSPACE> down|up\"\n", path, no);
            fclose(f);
            return -1;
        }
        if (s->count == cap) {
            cap = cap ? cap * 2 : 16;
            key_event *grown = realloc(s->events, cap * sizeof *grown);
            if (!grown) { fclose(f); return -1; }
            s->events = grown;
        }
        s->events[s->count++] = (key_event){frame, k, !strcmp(how, "down")};
    }
    fclose(f);
    return 0;
}

/* game.manifest: "name <text>", "size <w> <h>", then "plugin <name> <image path relative to the folder>" in run order. */
static int read_manifest(const char *dir, manifest *m) {
    char path[PATH_MAX], line[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/game.manifest", dir);
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "kiln: cannot open %s: %s. Keep the program beside the files the export wrote.\n", path, strerror(errno)); return -1; }
    memset(m, 0, sizeof *m);
    while (fgets(line, sizeof line, f)) {
        char rel[PATH_MAX];
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "name ", 5)) snprintf(m->name, sizeof m->name, "%s", line + 5);
        else if (sscanf(line, "size %d %d", &m->width, &m->height) == 2) continue;
        else if (m->count < MAX_PLUGINS && sscanf(line, "plugin %63s %4095s", m->plugin[m->count], rel) == 2) {
            snprintf(m->image[m->count], PATH_MAX, "%s/%s", dir, rel);
            m->count++;
        }
    }
    fclose(f);
    if (m->width <= 0 || m->height <= 0 || m->count == 0) { fprintf(stderr, "kiln: %s is damaged: export the game again.\n", path); return -1; }
    return 0;
}

static int remove_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}
/* The runtime's state files and image copies: one fresh folder per run, gone at exit (a new game each time). */
static void remove_work_dir(void) { if (work_dir[0]) nftw(work_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* SDL scancodes -> kiln key codes: the same keys the editor maps (electron/shared/keys.ts). */
static int kiln_key(SDL_Scancode sc) {
    if (sc >= SDL_SCANCODE_A && sc <= SDL_SCANCODE_Z) return 'A' + (sc - SDL_SCANCODE_A);
    if (sc >= SDL_SCANCODE_1 && sc <= SDL_SCANCODE_9) return '1' + (sc - SDL_SCANCODE_1);
    switch (sc) {
    case SDL_SCANCODE_0: return '0';
    case SDL_SCANCODE_SPACE: return KEY_SPACE;
    case SDL_SCANCODE_UP: return KEY_UP;
    case SDL_SCANCODE_DOWN: return KEY_DOWN;
    case SDL_SCANCODE_LEFT: return KEY_LEFT;
    case SDL_SCANCODE_RIGHT: return KEY_RIGHT;
    case SDL_SCANCODE_RETURN: return KEY_ENTER;
    case SDL_SCANCODE_ESCAPE: return KEY_ESCAPE;
    case SDL_SCANCODE_LSHIFT: case SDL_SCANCODE_RSHIFT: return KEY_SHIFT;
    case SDL_SCANCODE_LCTRL: case SDL_SCANCODE_RCTRL: return KEY_CONTROL;
    case SDL_SCANCODE_TAB: return KEY_TAB;
    case SDL_SCANCODE_BACKSPACE: return KEY_BACKSPACE;
    default: return -1;
    }
}

/* SDL_GameController (SDL's database maps each pad to an Xbox-like layout) -> the W3C "standard" mapping of kiln.h. */
static const struct { SDL_GameControllerButton sdl; int pad; } pad_buttons[] = {
    {SDL_CONTROLLER_BUTTON_A, PAD_A}, {SDL_CONTROLLER_BUTTON_B, PAD_B}, {SDL_CONTROLLER_BUTTON_X, PAD_X},
    {SDL_CONTROLLER_BUTTON_Y, PAD_Y}, {SDL_CONTROLLER_BUTTON_LEFTSHOULDER, PAD_LB},
    {SDL_CONTROLLER_BUTTON_RIGHTSHOULDER, PAD_RB}, {SDL_CONTROLLER_BUTTON_BACK, PAD_SELECT},
    {SDL_CONTROLLER_BUTTON_START, PAD_START}, {SDL_CONTROLLER_BUTTON_LEFTSTICK, PAD_LSTICK},
    {SDL_CONTROLLER_BUTTON_RIGHTSTICK, PAD_RSTICK}, {SDL_CONTROLLER_BUTTON_DPAD_UP, PAD_UP},
    {SDL_CONTROLLER_BUTTON_DPAD_DOWN, PAD_DOWN}, {SDL_CONTROLLER_BUTTON_DPAD_LEFT, PAD_LEFT},
    {SDL_CONTROLLER_BUTTON_DPAD_RIGHT, PAD_RIGHT}, {SDL_CONTROLLER_BUTTON_GUIDE, PAD_HOME},
};

static float axis_of(SDL_GameController *gc, SDL_GameControllerAxis a) {
    return (float)SDL_GameControllerGetAxis(gc, a) / 32767.0f;
}

/* Pads 0..KILN_PAD_COUNT-1 in the order SDL opened them, as the editor feeds the browser's (kiln_set_pad). */
static void feed_pads(kiln_runtime *rt, SDL_GameController *pads[KILN_PAD_COUNT]) {
    for (int p = 0; p < KILN_PAD_COUNT; p++) {
        SDL_GameController *gc = pads[p];
        if (!gc || !SDL_GameControllerGetAttached(gc)) { kiln_set_pad(rt, p, 0, 0, 0, 0, 0, 0); continue; }
        uint32_t bits = 0;
        for (size_t i = 0; i < sizeof pad_buttons / sizeof pad_buttons[0]; i++)
            if (SDL_GameControllerGetButton(gc, pad_buttons[i].sdl)) bits |= 1u << pad_buttons[i].pad;
        /* triggers are analogue in SDL, buttons 6 and 7 in the standard mapping */
        if (axis_of(gc, SDL_CONTROLLER_AXIS_TRIGGERLEFT) > 0.5f) bits |= 1u << PAD_LT;
        if (axis_of(gc, SDL_CONTROLLER_AXIS_TRIGGERRIGHT) > 0.5f) bits |= 1u << PAD_RT;
        kiln_set_pad(rt, p, 1, bits, axis_of(gc, SDL_CONTROLLER_AXIS_LEFTX), axis_of(gc, SDL_CONTROLLER_AXIS_LEFTY),
                     axis_of(gc, SDL_CONTROLLER_AXIS_RIGHTX), axis_of(gc, SDL_CONTROLLER_AXIS_RIGHTY));
    }
}

static void open_pad(SDL_GameController *pads[KILN_PAD_COUNT], int device) {
    if (!SDL_IsGameController(device)) return;
    for (int p = 0; p < KILN_PAD_COUNT; p++) {
        if (pads[p] && !SDL_GameControllerGetAttached(pads[p])) { SDL_GameControllerClose(pads[p]); pads[p] = NULL; }
        if (!pads[p]) { pads[p] = SDL_GameControllerOpen(device); return; }
    }
}

static void drain_log(kiln_runtime *rt) {
    static const char *const level_name[] = {"info", "warn", "error"};
    char text[4096];
    int32_t level;
    while (kiln_poll_message(rt, text, sizeof text, &level) >= 0)
        fprintf(stderr, "[%s] %s\n", level_name[level >= 0 && level <= 2 ? level : 0], text);
}

int main(int argc, char **argv) {
    long frames = -1;
    const char *screenshot = NULL;
    input_script script = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--frames") && i + 1 < argc) frames = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--screenshot") && i + 1 < argc) screenshot = argv[++i];
        else if (!strcmp(argv[i], "--input") && i + 1 < argc) { if (read_input_script(argv[++i], &script) != 0) return 2; }
        else { fprintf(stderr, "usage: %s [--frames N [--screenshot out.png]] [--input keys.txt]\n", argv[0]); return 2; }
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) { fprintf(stderr, "kiln: cannot find my own folder: %s\n", strerror(errno)); return 1; }
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    manifest m;
    if (read_manifest(exe, &m) != 0) return 1;

    const char *tmp = getenv("TMPDIR");
    snprintf(work_dir, sizeof work_dir, "%s/kiln-game-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(work_dir)) { fprintf(stderr, "kiln: cannot make a folder in %s: %s. Set TMPDIR to a writable folder.\n", tmp ? tmp : "/tmp", strerror(errno)); return 1; }
    atexit(remove_work_dir);
    kiln_runtime *rt = kiln_create(m.width, m.height, work_dir);
    if (!rt) { fprintf(stderr, "kiln: %s\n", kiln_create_error()); return 1; }
    /* image_load("sprites.png") and sound_load read from assets/, where the export copied the project's files */
    char assets[PATH_MAX];
    snprintf(assets, sizeof assets, "%s/assets", exe);
    if (kiln_set_project_dir(rt, assets) != KILN_OK) fprintf(stderr, "kiln: %s\n", kiln_last_error(rt));
    for (int i = 0; i < m.count; i++) {
        if (kiln_load_plugin(rt, m.plugin[i], m.image[i]) < 0) {
            fprintf(stderr, "kiln: %s did not load: %s\n", m.plugin[i], kiln_last_error(rt));
            drain_log(rt);
            kiln_destroy(rt);
            return 1;
        }
    }
    drain_log(rt);

    /* A window even for --frames: the check runs the same code as play (Xvfb gives it a display). */
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_GAMECONTROLLER) != 0) {
        fprintf(stderr, "kiln: SDL could not start: %s. Run it on a desktop (or under xvfb-run).\n", SDL_GetError());
        kiln_destroy(rt);
        return 1;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
    SDL_Window *win = SDL_CreateWindow(m.name, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, m.width * 3, m.height * 3,
                                       SDL_WINDOW_RESIZABLE);
    SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, frames < 0 ? SDL_RENDERER_PRESENTVSYNC : 0) : NULL;
    SDL_Texture *tex = ren ? SDL_CreateTexture(ren, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STREAMING, m.width, m.height) : NULL;
    if (!tex) { fprintf(stderr, "kiln: no window: %s\n", SDL_GetError()); kiln_destroy(rt); SDL_Quit(); return 1; }
    player_audio *audio = player_audio_create(rt, assets, frames >= 0); /* NULL: no sound, said once on stderr */
    SDL_RenderSetLogicalSize(ren, m.width, m.height);
    SDL_RenderSetIntegerScale(ren, SDL_TRUE); /* crisp pixels: whole-number scaling, bars around */

    size_t bytes = (size_t)m.width * (size_t)m.height * 4;
    uint8_t *pixels = malloc(bytes);
    int rc = 0;
    SDL_GameController *pads[KILN_PAD_COUNT] = {0};
    Uint64 next = SDL_GetPerformanceCounter();
    const Uint64 step_ticks = (Uint64)(SDL_GetPerformanceFrequency() * STEP);
    for (long frame = 0; frames < 0 || frame < frames; frame++) {
        SDL_Event e;
        int quit = 0;
        while (SDL_PollEvent(&e)) {
            if (e.type == SDL_QUIT) quit = 1;
            else if (e.type == SDL_CONTROLLERDEVICEADDED && frames < 0) open_pad(pads, e.cdevice.which);
            else if ((e.type == SDL_KEYDOWN || e.type == SDL_KEYUP) && !e.key.repeat && frames < 0) {
                int key = kiln_key(e.key.keysym.scancode);
                if (key >= 0) kiln_set_key(rt, key, e.type == SDL_KEYDOWN);
            }
        }
        if (quit) break;
        if (frames < 0) feed_pads(rt, pads);
        for (size_t i = 0; i < script.count; i++)
            if (script.events[i].frame == frame + 1) kiln_set_key(rt, script.events[i].key, script.events[i].down);
        kiln_frame(rt, STEP); /* a crash is rolled back inside; its message is in the log below */
        player_audio_frame(audio, rt, (uint64_t)frame);
        drain_log(rt);
        kiln_copy_framebuffer(rt, pixels, (int32_t)bytes);
        SDL_UpdateTexture(tex, NULL, pixels, m.width * 4);
        SDL_SetRenderDrawColor(ren, 0, 0, 0, 255);
        SDL_RenderClear(ren);
        SDL_RenderCopy(ren, tex, NULL, NULL);
        SDL_RenderPresent(ren);
        if (frames < 0) { /* vsync paces most displays; this keeps 60 steps a second on the others */
            next += step_ticks;
            Uint64 now = SDL_GetPerformanceCounter();
            if (next > now) SDL_Delay((Uint32)((next - now) * 1000 / SDL_GetPerformanceFrequency()));
            else next = now;
        }
    }
    if (frames >= 0) player_audio_finish(audio, (uint64_t)frames); /* --frames: now the run is heard */
    player_audio_destroy(audio);
    free(script.events);
    if (screenshot && !stbi_write_png(screenshot, m.width, m.height, 4, pixels, m.width * 4)) {
        fprintf(stderr, "kiln: could not write %s\n", screenshot);
        rc = 1;
    }
    free(pixels);
    for (int p = 0; p < KILN_PAD_COUNT; p++) if (pads[p]) SDL_GameControllerClose(pads[p]);
    SDL_DestroyTexture(tex);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    SDL_Quit();
    kiln_destroy(rt);
    return rc;
}
