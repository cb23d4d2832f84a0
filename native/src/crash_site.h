/* crash_site.h — fills the "where it crashed" fields of a kiln_crash from the guard's capture (see crash_site.c). */
#ifndef KILN_CRASH_SITE_H
#define KILN_CRASH_SITE_H
#include "kiln_runtime.h"

/* Completes k->pc, access, stack_overflow, stack[], images[] and plugin_frame from this thread's last capture.
   plugin_image: the path the crashed plugin's image was loaded from (its temp copy), NULL if unknown; companion:
   the library that image brought from its build folder (a split build's other units), NULL or "" if none. */
void kiln__crash_site(kiln_crash *k, const char *plugin_image, const char *companion);

#endif
