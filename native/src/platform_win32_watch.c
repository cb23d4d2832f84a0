/* platform_win32_watch.c — the folder watcher (ReadDirectoryChangesW) and the PE image check of platform.h. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* --- image check ------------------------------------------------------------------------------------------------- */
static int range_ok(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

int kiln_plat_image_check(const char *path, char err[KILN_PLAT_ERR]) {
    FILE *f = fopen(path, "rb");
    if (!f) { if (err) snprintf(err, KILN_PLAT_ERR, "%.300s cannot be read", path); return KILN_PLAT_IMG_TRUNCATED; }
    fseek(f, 0, SEEK_END);
    uint64_t size = (uint64_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char h[1024];
    size_t got = fread(h, 1, sizeof h, f);
    int rc = 0;
    uint64_t need = 0;
    if (got < 2 || h[0] != 'M' || h[1] != 'Z') {
        fclose(f);
        if (got < 2 && got > 0 && h[0] == 'M') goto truncated;
        if (got == 0) goto truncated;
        if (err) snprintf(err, KILN_PLAT_ERR, "%.300s is not a PE file", path);
        return KILN_PLAT_IMG_FOREIGN;
    }
    uint32_t pe = 0;
    if (got >= 0x40) memcpy(&pe, h + 0x3C, 4);
    if (got < 0x40 || (uint64_t)pe + 24 > got || memcmp(h + pe, "PE\0\0", 4) != 0) { fclose(f); need = 0x40; goto truncated; }
    uint16_t nsec, optsz;
    uint32_t symptr, nsym;
    memcpy(&nsec, h + pe + 6, 2);
    memcpy(&symptr, h + pe + 12, 4);
    memcpy(&nsym, h + pe + 16, 4);
    memcpy(&optsz, h + pe + 20, 2);
    uint64_t sect = (uint64_t)pe + 24 + optsz;
    for (int i = 0; i < nsec && rc == 0; i++) {
        unsigned char s[40];
        if (fseek(f, (long)(sect + 40u * i), SEEK_SET) != 0 || fread(s, 1, 40, f) != 40) { rc = 1; need = sect + 40u * (i + 1); break; }
        uint32_t rawsz, rawptr;
        memcpy(&rawsz, s + 16, 4);
        memcpy(&rawptr, s + 20, 4);
        if (rawptr && !range_ok(rawptr, rawsz, size)) { rc = 1; need = (uint64_t)rawptr + rawsz; }
    }
    if (rc == 0 && symptr) { /* COFF symbols + string table sit at the very end of an unstripped image */
        uint64_t strtab = (uint64_t)symptr + (uint64_t)nsym * 18;
        uint32_t strsz = 0;
        if (!range_ok(strtab, 4, size)) { rc = 1; need = strtab + 4; }
        else if (fseek(f, (long)strtab, SEEK_SET) != 0 || fread(&strsz, 1, 4, f) != 4 || !range_ok(strtab, strsz, size)) {
            rc = 1; need = strtab + strsz;
        }
    }
    fclose(f);
    if (!rc) return 0;
truncated:
    if (err)
        snprintf(err, KILN_PLAT_ERR, "%.300s is truncated: %llu bytes, but its PE headers describe at least %llu", path,
                 (unsigned long long)size, (unsigned long long)need);
    return KILN_PLAT_IMG_TRUNCATED;
}

/* --- folder watcher --------------------------------------------------------------------------------------------- */
struct kiln_plat_watch {
    HANDLE dir, io_event, stop_event, thread;
    WCHAR file[260];
    kiln_plat_watch_fn on_change;
    void *user;
    OVERLAPPED ov;
    DWORD buf[4096];
};

static BOOL arm(kiln_plat_watch *w) {
    memset(&w->ov, 0, sizeof w->ov);
    w->ov.hEvent = w->io_event;
    return ReadDirectoryChangesW(w->dir, w->buf, sizeof w->buf, FALSE,
                                 FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SIZE,
                                 NULL, &w->ov, NULL);
}

static DWORD WINAPI watch_main(LPVOID arg) {
    kiln_plat_watch *w = arg;
    DWORD timeout = INFINITE;
    for (;;) {
        HANDLE hs[2] = {w->stop_event, w->io_event};
        DWORD r = WaitForMultipleObjects(2, hs, FALSE, timeout);
        if (r == WAIT_OBJECT_0) break;
        int changed = r == WAIT_TIMEOUT;
        if (r == WAIT_OBJECT_0 + 1) {
            DWORD n = 0;
            if (GetOverlappedResult(w->dir, &w->ov, &n, FALSE) && n > 0) {
                for (const BYTE *p = (const BYTE *)w->buf;;) {
                    const FILE_NOTIFY_INFORMATION *e = (const FILE_NOTIFY_INFORMATION *)(const void *)p;
                    size_t len = e->FileNameLength / sizeof(WCHAR);
                    if (e->Action != FILE_ACTION_REMOVED && e->Action != FILE_ACTION_RENAMED_OLD_NAME &&
                        len == wcslen(w->file) && _wcsnicmp(e->FileName, w->file, len) == 0)
                        changed = 1;
                    if (!e->NextEntryOffset) break;
                    p += e->NextEntryOffset;
                }
            } else if (n == 0) {
                changed = 1; /* buffer overflow: something changed, look */
            }
            arm(w);
        }
        if (changed) {
            /* Windows reports writes, not closes: an image still being written is refused by the image check
               and retried by the caller's timer. */
            int again = w->on_change(w->user);
            timeout = again > 0 ? (DWORD)again : INFINITE;
        }
    }
    CancelIo(w->dir);
    return 0;
}

kiln_plat_watch *kiln_plat_watch_start(const char *dir, const char *file, kiln_plat_watch_fn on_change, void *user,
                                       char err[KILN_PLAT_ERR]) {
    kiln_plat_watch *w = calloc(1, sizeof *w);
    if (!w) { snprintf(err, KILN_PLAT_ERR, "out of memory"); return NULL; }
    MultiByteToWideChar(CP_UTF8, 0, file, -1, w->file, 260);
    w->on_change = on_change;
    w->user = user;
    w->dir = CreateFileA(dir, FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, NULL);
    if (w->dir == INVALID_HANDLE_VALUE) {
        snprintf(err, KILN_PLAT_ERR, "cannot open the folder %.300s (error %lu)", dir, (unsigned long)GetLastError());
        free(w);
        return NULL;
    }
    w->io_event = CreateEventA(NULL, FALSE, FALSE, NULL);
    w->stop_event = CreateEventA(NULL, TRUE, FALSE, NULL);
    if (!arm(w)) {
        snprintf(err, KILN_PLAT_ERR, "ReadDirectoryChangesW failed on %.300s (error %lu)", dir, (unsigned long)GetLastError());
        CloseHandle(w->dir); CloseHandle(w->io_event); CloseHandle(w->stop_event); free(w);
        return NULL;
    }
    w->thread = CreateThread(NULL, 0, watch_main, w, 0, NULL);
    if (!w->thread) {
        snprintf(err, KILN_PLAT_ERR, "cannot start the watcher thread");
        CancelIo(w->dir);
        CloseHandle(w->dir); CloseHandle(w->io_event); CloseHandle(w->stop_event); free(w);
        return NULL;
    }
    return w;
}

void kiln_plat_watch_stop(kiln_plat_watch *w) {
    if (!w) return;
    SetEvent(w->stop_event);
    WaitForSingleObject(w->thread, INFINITE);
    CloseHandle(w->thread);
    CloseHandle(w->dir);
    CloseHandle(w->io_event);
    CloseHandle(w->stop_event);
    free(w);
}
