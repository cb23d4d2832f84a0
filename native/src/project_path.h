/* project_path.h — the rule for file paths plugins name (project_path.c): pure, no runtime. */
#ifndef KILN_PROJECT_PATH_H
#define KILN_PROJECT_PATH_H
#include <stddef.h>

#define KILN_PROJECT_PATH_MAX 256 /* = KILN_IMAGE_PATH_MAX = KILN_SOUND_PATH */
/* A path a plugin names, made canonical: relative, '/'-separated, "." and empty parts dropped ("./a//b" -> "a/b").
   0, or -1 with why: empty, absolute, a backslash or ':', a ".." part, too long, the folder itself. */
int kiln__project_path(const char *in, char out[KILN_PROJECT_PATH_MAX], char *why, size_t why_len);

#endif
