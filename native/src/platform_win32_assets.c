/* platform_win32_assets.c — reading a game's asset files, confined to its project folder (see platform.h). */
#include "platform.h"

#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kiln_plat_real_dir(const char *dir, char *out, size_t cap, char err[KILN_PLAT_ERR]) {
    char buf[MAX_PATH];
    DWORD n = GetFullPathNameA(dir, sizeof buf, buf, NULL);
    DWORD attr = n ? GetFileAttributesA(buf) : INVALID_FILE_ATTRIBUTES;
    if (!n || n >= sizeof buf || n >= cap || attr == INVALID_FILE_ATTRIBUTES || !(attr & FILE_ATTRIBUTE_DIRECTORY)) {
        if (err) snprintf(err, KILN_PLAT_ERR, "%s is not a folder", dir);
        return -1;
    }
    snprintf(out, cap, "%s", buf);
    return 0;
}

int kiln_plat_read_inside(const char *root, const char *rel, uint8_t **data, size_t *len, size_t max, char err[KILN_PLAT_ERR]) {
    *data = NULL; *len = 0;
    char full[MAX_PATH];
    if (snprintf(full, sizeof full, "%s\\%s", root, rel) >= (int)sizeof full) { snprintf(err, KILN_PLAT_ERR, "the path is too long"); return -1; }
    DWORD attr = GetFileAttributesA(full);
    if (attr == INVALID_FILE_ATTRIBUTES) { snprintf(err, KILN_PLAT_ERR, "no such file in the project folder"); return -2; }
    /* a reparse point (symlink, junction) may lead out of the project: refused, as a link out is on POSIX */
    if (attr & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE)) {
        snprintf(err, KILN_PLAT_ERR, "it is not a regular file (a link, folder or device)"); return -1;
    }
    HANDLE h = CreateFileA(full, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) { snprintf(err, KILN_PLAT_ERR, "cannot open it (error %lu)", GetLastError()); return -1; }
    LARGE_INTEGER size;
    if (!GetFileSizeEx(h, &size) || (uint64_t)size.QuadPart > max) {
        snprintf(err, KILN_PLAT_ERR, "it is over the %u MiB limit for one asset", (unsigned)(max >> 20));
        CloseHandle(h); return -1;
    }
    uint8_t *buf = malloc(size.QuadPart ? (size_t)size.QuadPart : 1);
    DWORD got = 0;
    if (!buf || !ReadFile(h, buf, (DWORD)size.QuadPart, &got, NULL)) {
        free(buf); CloseHandle(h); snprintf(err, KILN_PLAT_ERR, "cannot read it"); return -1;
    }
    CloseHandle(h);
    *data = buf; *len = got;
    return 0;
}
