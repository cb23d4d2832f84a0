/* project_path.c — which file paths a plugin may name (image_load, sound_load): relative to the project folder and
   inside it. Pure: libkiln (project_files.c) and the web export (native/web/) apply the same rule. */
#include "project_path.h"

#include <stdio.h>
#include <string.h>

int kiln__project_path(const char *in, char out[KILN_PROJECT_PATH_MAX], char *why, size_t why_len) {
    if (!in || !*in) { snprintf(why, why_len, "the path is empty"); return -1; }
    if (strnlen(in, KILN_PROJECT_PATH_MAX) >= KILN_PROJECT_PATH_MAX) {
        snprintf(why, why_len, "the path is longer than %d bytes", KILN_PROJECT_PATH_MAX - 1);
        return -1;
    }
    if (in[0] == '/' || (in[0] && in[1] == ':')) {
        snprintf(why, why_len, "it is not a path relative to the project folder (it is absolute; write it like \"art/ship.png\")");
        return -1;
    }
    if (strchr(in, '\\')) { snprintf(why, why_len, "the path has a backslash; separate folders with '/'"); return -1; }
    if (strchr(in, ':')) { snprintf(why, why_len, "the path has a ':' (a Windows stream name); name the file itself"); return -1; }
    size_t o = 0;
    for (const char *p = in; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            snprintf(why, why_len, "it leaves the project folder ('..'); files must be inside the project");
            return -1;
        }
        if (n > 0 && !(n == 1 && p[0] == '.')) { /* "./a//b" is "a/b": one file, one name, one handle */
            if (o + n + 2 > KILN_PROJECT_PATH_MAX) {
                snprintf(why, why_len, "the path is longer than %d bytes", KILN_PROJECT_PATH_MAX - 1);
                return -1;
            }
            if (o) out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n + (e ? 1 : 0);
    }
    out[o] = '\0';
    if (!o) { snprintf(why, why_len, "the path names the project folder, not a file"); return -1; }
    return 0;
}
