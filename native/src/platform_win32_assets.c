/* platform_win32_assets.c — opening a game's files (images, sounds), confined to its project folder (see platform.h).
   Both the folder and the file are judged by the final path of an open handle, so links and junctions are
   followed to where they lead before the "inside the folder" check. */
#include "platform.h"

#include <windows.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The final path of an open handle in DOS form, without the "\\?\" prefix Windows puts on it ("\\?\UNC\h\s" ->
   "\\h\s"), so it compares with paths the user gave. 0 or -1. */
static int final_path(HANDLE h, char *out, size_t cap) {
    char buf[MAX_PATH * 2];
    DWORD n = GetFinalPathNameByHandleA(h, buf, sizeof buf, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (n == 0 || n >= sizeof buf) return -1;
    const char *p = buf;
    int unc = 0;
    if (!strncmp(p, "\\\\?\\UNC\\", 8)) { p += 8; unc = 1; }
    else if (!strncmp(p, "\\\\?\\", 4)) p += 4;
    return snprintf(out, cap, "%s%s", unc ? "\\\\" : "", p) < (int)cap ? 0 : -1;
}

int kiln_plat_real_dir(const char *dir, char *out, size_t cap, char err[KILN_PLAT_ERR]) {
    /* FILE_FLAG_BACKUP_SEMANTICS: the flag CreateFile needs to open a folder */
    HANDLE h = CreateFileA(dir, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, NULL);
    BY_HANDLE_FILE_INFORMATION info;
    int ok = h != INVALID_HANDLE_VALUE && GetFileInformationByHandle(h, &info) &&
             (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && final_path(h, out, cap) == 0;
    if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    if (!ok) {
        if (err) snprintf(err, KILN_PLAT_ERR, "%s is not a folder (or its path is too long)", dir);
        return -ENOTDIR;
    }
    return 0;
}

int kiln_plat_open_inside(const char *root, const char *rel, kiln_plat_file *f, char err[KILN_PLAT_ERR]) {
    f->handle = (intptr_t)INVALID_HANDLE_VALUE; f->size = 0;
    char full[MAX_PATH * 2], real[MAX_PATH * 2];
    if (snprintf(full, sizeof full, "%s\\%s", root, rel) >= (int)sizeof full) { snprintf(err, KILN_PLAT_ERR, "the path is too long"); return -ENAMETOOLONG; }
    for (char *p = full + strlen(root); *p; p++) if (*p == '/') *p = '\\';
    HANDLE h = CreateFileA(full, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) {
            snprintf(err, KILN_PLAT_ERR, "no such file in the project folder (looked for %s)", full);
            return -ENOENT;
        }
        snprintf(err, KILN_PLAT_ERR, "cannot open %s (Windows error %lu): a folder or a file another program locks?", full, (unsigned long)e);
        return -EACCES;
    }
    size_t rl = strlen(root);
    if (final_path(h, real, sizeof real) || _strnicmp(real, root, rl) != 0 || real[rl] != '\\') {
        CloseHandle(h);
        snprintf(err, KILN_PLAT_ERR, "it is a link out of the project folder: copy the file into the project");
        return -EACCES;
    }
    LARGE_INTEGER sz;
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileSizeEx(h, &sz)) {
        CloseHandle(h);
        snprintf(err, KILN_PLAT_ERR, "it is not a regular file (a device or pipe); give the path of a file");
        return -EINVAL;
    }
    f->handle = (intptr_t)h;
    f->size = (uint64_t)sz.QuadPart;
    return 0;
}

int64_t kiln_plat_file_read(kiln_plat_file *f, void *buf, size_t cap) {
    size_t got = 0;
    while (got < cap) {
        DWORD want = cap - got > 0x40000000u ? 0x40000000u : (DWORD)(cap - got), n = 0;
        if (!ReadFile((HANDLE)f->handle, (char *)buf + got, want, &n, NULL)) return got ? (int64_t)got : -1;
        if (n == 0) break;
        got += n;
    }
    return (int64_t)got;
}

void kiln_plat_file_close(kiln_plat_file *f) {
    if ((HANDLE)f->handle != INVALID_HANDLE_VALUE) CloseHandle((HANDLE)f->handle);
    f->handle = (intptr_t)INVALID_HANDLE_VALUE;
}
