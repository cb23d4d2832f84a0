/* host_web.h — the seams between host_web.c (the host table, frames, input, images, files) and its world and sound
   parts (host_web_world.c, host_web_sound.c). Internal to the web export's module. */
#ifndef KILN_HOST_WEB_H
#define KILN_HOST_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

/* A function kiln-web.js calls. */
#define WEB_EXPORT(name) __attribute__((export_name(name)))

/* A log line from the host, tagged with the plugin whose callback runs. */
void kiln_web__log(int32_t level, const char *text);
/* The bytes of `path` (canonical, relative to the project folder: kiln__project_path) in the export's assets, or NULL. */
const uint8_t *kiln_web__file(const char *path, size_t *len);
/* Frames run so far (kiln_frame_count()). */
uint64_t kiln_web__frame(void);

void kiln_web__world_host(kiln_host *h);
/* A plugin's KILN_SYSTEM (NULL: none): *phase and *order for the frame order, its components registered.
   0, or -1 with the reason logged (the plugin is then skipped). */
int kiln_web__system_load(const char *plugin, const kiln_system *sys, int32_t *phase, int32_t *order);

void kiln_web__sound_host(kiln_host *h);

#endif
