/* crash_site.c — where a guarded call crashed: the capture of platform.h turned into kiln_crash's stack records.
 * Runs after the guard returned (not in the signal handler), so it may call dladdr and read the plugin's code. */
#include "crash_site.h"
#include "platform.h"

#include <stdio.h>
#include <string.h>

/* Same file? The loader reports the path it was given; Windows may spell separators and case differently. */
static int same_path(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = *a == '\\' ? '/' : *a, y = *b == '\\' ? '/' : *b;
#ifdef _WIN32
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
#endif
        if (x != y) return 0;
    }
    return *a == *b;
}

typedef struct where { int image; uint64_t offset; int in_plugin; } where;

/* The crashed plugin's code: its image, and the library of its other units a split build linked it against. */
typedef struct plugin_code { const char *image, *companion; } plugin_code;

/* 1: in the plugin's image, 2: in its companion, 0: elsewhere. */
static int plugin_part(const char *path, plugin_code pc) {
    if (pc.image && same_path(path, pc.image)) return 1;
    if (pc.companion && pc.companion[0] && same_path(path, pc.companion)) return 2;
    return 0;
}

static where locate(kiln_crash *k, uint64_t addr, plugin_code plugin) {
    where w = {-1, 0, 0};
    char path[256];
    uint64_t base;
    if (kiln_plat_addr_image(addr, path, sizeof path, &base) != 0) return w;
    w.offset = addr - base;
    w.in_plugin = plugin_part(path, plugin);
    for (int i = 0; i < KILN_CRASH_IMAGES; i++) {
        if (k->images[i][0] == '\0') { snprintf(k->images[i], sizeof k->images[i], "%s", path); w.image = i; break; }
        if (strcmp(k->images[i], path) == 0) { w.image = i; break; }
    }
    return w;
}

/* A return address follows a call: e8 rel32, or ff /2 (register or memory operand). Checked on the plugin's own
   code (mapped, readable) to tell return addresses from stale data in the stack scan. */
static int after_call(uint64_t ra) {
#if defined(__x86_64__) || defined(_M_X64)
    const unsigned char *p = (const unsigned char *)(uintptr_t)ra;
    if (p[-5] == 0xe8) return 1;
    static const int back[] = {2, 3, 4, 6, 7};
    for (int i = 0; i < 5; i++)
        if (p[-back[i]] == 0xff && ((p[-back[i] + 1] >> 3) & 7) == 2) return 1;
    return 0;
#else
    (void)ra;
    return 1;
#endif
}

static void add(kiln_crash *k, uint64_t addr, plugin_code plugin) {
    if (k->depth >= KILN_CRASH_STACK_MAX) return;
    where w = locate(k, addr, plugin);
    kiln_crash_frame *f = &k->stack[k->depth];
    f->address = addr;
    f->image = w.image;
    f->offset = w.image >= 0 ? w.offset : 0;
    f->in_plugin = w.in_plugin;
    if (w.in_plugin && k->plugin_frame < 0) k->plugin_frame = k->depth;
    k->depth++;
}

void kiln__crash_site(kiln_crash *k, const char *plugin_image, const char *companion) {
    plugin_code plugin = {plugin_image, companion};
    kiln_plat_site s;
    kiln_plat_fault_site(&s);
    k->plugin_frame = -1;
    k->depth = 0;
    if (!s.valid || s.depth < 1) return;
    k->pc = s.frames[0];
    k->access = s.access;
    k->stack_overflow = s.stack_overflow;
    add(k, s.frames[0], plugin);
    /* The pc is outside the plugin (libc's strlen, the host): a leaf there leaves the plugin's return address at
       sp, and its frame pointer still names the plugin function's caller. Take the first return address into the
       plugin from the top of the stack, so the plugin line that made the call comes next. */
    if (k->plugin_frame < 0) {
        for (int i = 0; i < s.nwords && k->plugin_frame < 0; i++) {
            char path[256];
            uint64_t base;
            uint64_t v = s.words[i];
            if (v == s.frames[1 < s.depth ? 1 : 0]) break; /* reached the walked frames: they follow anyway */
            if (kiln_plat_addr_image(v, path, sizeof path, &base) != 0) continue;
            if (plugin_part(path, plugin) && after_call(v)) add(k, v, plugin);
        }
    }
    for (int i = 1; i < s.depth; i++) add(k, s.frames[i], plugin);
}
