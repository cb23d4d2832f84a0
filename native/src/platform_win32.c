/* platform_win32.c — the Windows side of platform.h (built with mingw-w64): files, file mappings, LoadLibrary,
   time. The crash guard and watchdog are in platform_win32_guard.c, the folder watcher and the image check in
   platform_win32_watch.c.

   Crash guard (platform_win32_guard.c): MinGW has no __try, so a vectored exception handler catches access violations, stack overflow,
   illegal instructions and integer division by zero raised inside a guarded call. It does not unwind (no SEH
   frames to trust in plugin code): it rewrites the faulting thread's context so that execution continues in
   guard_recover() on a safe part of the stack, which __builtin_longjmps back to the guarded call. abort() goes
   through the CRT's SIGABRT handler, which does the same from ordinary code. The watchdog interrupts a stuck
   thread the same way (SuspendThread + SetThreadContext), unless it is inside a deferred section (host code
   holding a lock), in which case the jump happens at the end of that section. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <winioctl.h>

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

#ifndef SIGBUS
#define SIGBUS 10
#endif

static void set_win_err(char *err, const char *what, DWORD code) {
    if (!err) return;
    char msg[300] = "";
    FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code, 0, msg, sizeof msg, NULL);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == '.')) msg[--n] = '\0';
    snprintf(err, KILN_PLAT_ERR, "%.300s: %s (error %lu)", what, msg[0] ? msg : "unknown error", (unsigned long)code);
}

/* --- files ------------------------------------------------------------------------------------------------- */
int kiln_plat_mkdirs(const char *path, char err[KILN_PLAT_ERR]) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) { if (err) snprintf(err, KILN_PLAT_ERR, "path too long"); return -1; }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\\' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (!(i == 2 && buf[1] == ':') && !CreateDirectoryA(buf, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
                set_win_err(err, buf, GetLastError());
                return -1;
            }
            buf[i] = c;
        }
    }
    DWORD a = GetFileAttributesA(path);
    if (a == INVALID_FILE_ATTRIBUTES || !(a & FILE_ATTRIBUTE_DIRECTORY)) {
        if (err) snprintf(err, KILN_PLAT_ERR, "%s is not a folder", path);
        return -1;
    }
    return 0;
}

int kiln_plat_copy_file(const char *src, const char *dst, char err[KILN_PLAT_ERR]) {
    if (!CopyFileA(src, dst, TRUE)) { /* TRUE: fail if dst exists (it may be a loaded image) */
        DWORD e = GetLastError();
        set_win_err(err, GetFileAttributesA(src) == INVALID_FILE_ATTRIBUTES ? src : dst, e);
        return -1;
    }
    return 0;
}

int kiln_plat_remove(const char *path) { return DeleteFileA(path) ? 0 : -1; }
int kiln_plat_exists(const char *path) { return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES; }

static int write_all(HANDLE h, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        DWORD w = 0, chunk = n > (1u << 30) ? (1u << 30) : (DWORD)n;
        if (!WriteFile(h, c, chunk, &w, NULL)) return -1;
        c += w; n -= w;
    }
    return 0;
}

int kiln_plat_write_file_atomic(const char *path, const void *a, size_t a_len, const void *b, size_t b_len,
                                char err[KILN_PLAT_ERR]) {
    char tmp[4200];
    static LONG counter;
    snprintf(tmp, sizeof tmp, "%s.%lu.%ld.tmp", path, (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&counter));
    HANDLE h = CreateFileA(tmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) { set_win_err(err, tmp, GetLastError()); return -1; }
    int rc = write_all(h, a, a_len);
    if (rc == 0 && b_len) rc = write_all(h, b, b_len);
    DWORD e = GetLastError();
    CloseHandle(h);
    if (rc != 0) { set_win_err(err, tmp, e); DeleteFileA(tmp); return -1; }
    if (MoveFileExA(tmp, path, MOVEFILE_REPLACE_EXISTING)) return 0;
    /* The old file may still be mapped (the state block being migrated), which Windows refuses to replace:
       move it aside first (allowed: it was opened with FILE_SHARE_DELETE), then put the new one in place. */
    char aside[4300];
    snprintf(aside, sizeof aside, "%s.%lu.%ld.old", path, (unsigned long)GetCurrentProcessId(), (long)InterlockedIncrement(&counter));
    if (MoveFileExA(path, aside, 0) && MoveFileExA(tmp, path, 0)) {
        DeleteFileA(aside); /* fails while still mapped; removed at the next start (kiln_plat_remove_stale_copies) */
        return 0;
    }
    set_win_err(err, path, GetLastError());
    DeleteFileA(tmp);
    return -1;
}

int32_t kiln_plat_pid(void) { return (int32_t)GetCurrentProcessId(); }

static int process_alive(DWORD pid) {
    HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (!p) return GetLastError() != ERROR_INVALID_PARAMETER;
    DWORD code = 0;
    int alive = GetExitCodeProcess(p, &code) && code == STILL_ACTIVE;
    CloseHandle(p);
    return alive;
}

void kiln_plat_remove_stale_copies(const char *dir) {
    char pattern[4200];
    /* state files moved aside while mapped (kiln_plat_write_file_atomic): deleting fails while one is still mapped */
    snprintf(pattern, sizeof pattern, "%s/*.old", dir);
    WIN32_FIND_DATAA od;
    HANDLE o = FindFirstFileA(pattern, &od);
    if (o != INVALID_HANDLE_VALUE) {
        do {
            char full[4400];
            snprintf(full, sizeof full, "%s/%s", dir, od.cFileName);
            DeleteFileA(full);
        } while (FindNextFileA(o, &od));
        FindClose(o);
    }
    snprintf(pattern, sizeof pattern, "%s/*.dll", dir);
    WIN32_FIND_DATAA fd;
    HANDLE f = FindFirstFileA(pattern, &fd);
    if (f == INVALID_HANDLE_VALUE) return;
    do {
        const char *name = fd.cFileName;
        const char *last = strrchr(name, '-');
        if (!last || last == name) continue;
        const char *p = last - 1;
        while (p > name && *p != '-') p--;
        if (*p != '-') continue;
        long pid = strtol(p + 1, NULL, 10);
        if (pid <= 0 || (DWORD)pid == GetCurrentProcessId() || process_alive((DWORD)pid)) continue;
        char full[4400];
        snprintf(full, sizeof full, "%s/%s", dir, name);
        DeleteFileA(full);
    } while (FindNextFileA(f, &fd));
    FindClose(f);
}

int kiln_plat_open_fds(void) {
    DWORD n = 0;
    return GetProcessHandleCount(GetCurrentProcess(), &n) ? (int)n : -1;
}

/* --- file mappings ---------------------------------------------------------------------------------------------- */
static HANDLE open_shared(const char *path, DWORD disposition) {
    return CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       disposition, FILE_ATTRIBUTE_NORMAL, NULL);
}

static void *map_handle(HANDLE f, size_t size, void *addr, char *err, const char *path) {
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READWRITE, (DWORD)((uint64_t)size >> 32), (DWORD)size, NULL);
    if (!m) { set_win_err(err, path, GetLastError()); return NULL; }
    void *p = MapViewOfFileEx(m, FILE_MAP_ALL_ACCESS, 0, 0, size, addr);
    if (!p) set_win_err(err, path, GetLastError());
    CloseHandle(m); /* the view keeps the section alive */
    return p;
}

int kiln_plat_map_file(const char *path, kiln_plat_map *map, char err[KILN_PLAT_ERR]) {
    map->base = NULL; map->size = 0;
    HANDLE f = open_shared(path, OPEN_EXISTING);
    if (f == INVALID_HANDLE_VALUE) { set_win_err(err, path, GetLastError()); return -1; }
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(f, &sz) || sz.QuadPart <= 0) {
        if (err) snprintf(err, KILN_PLAT_ERR, "%s is empty", path);
        CloseHandle(f);
        return -1;
    }
    void *p = map_handle(f, (size_t)sz.QuadPart, NULL, err, path);
    CloseHandle(f);
    if (!p) return -1;
    map->base = p; map->size = (size_t)sz.QuadPart;
    return 0;
}

void kiln_plat_unmap(kiln_plat_map *map) {
    if (!map->base) return;
    FlushViewOfFile(map->base, 0);
    UnmapViewOfFile(map->base);
    map->base = NULL; map->size = 0;
}

int kiln_plat_map_new_file(const char *path, size_t size, kiln_plat_map *map, char err[KILN_PLAT_ERR]) {
    map->base = NULL; map->size = 0;
    HANDLE f = open_shared(path, CREATE_ALWAYS);
    if (f == INVALID_HANDLE_VALUE) { set_win_err(err, path, GetLastError()); return -1; }
    LARGE_INTEGER end;
    end.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx(f, end, NULL, FILE_BEGIN) || !SetEndOfFile(f)) {
        set_win_err(err, path, GetLastError());
        CloseHandle(f);
        return -1;
    }
    void *p = map_handle(f, size, NULL, err, path);
    CloseHandle(f);
    if (!p) return -1;
    map->base = p; map->size = size;
    return 0;
}

/* --- read-only pages ------------------------------------------------------------------------------------------- */
void *kiln_plat_pages_alloc(size_t size) { return VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE); }
int kiln_plat_pages_protect_ro(void *p, size_t size) {
    DWORD old;
    return VirtualProtect(p, size, PAGE_READONLY, &old) ? 0 : -1;
}
int kiln_plat_pages_protect_rw(void *p, size_t size) {
    DWORD old;
    return VirtualProtect(p, size, PAGE_READWRITE, &old) ? 0 : -1;
}
void kiln_plat_pages_free(void *p, size_t size) { (void)size; if (p) VirtualFree(p, 0, MEM_RELEASE); }

/* Counting threads needs a toolhelp snapshot of every process (~100 µs+): too slow for every call, so Windows does
   not detect plugin threads (-1: unknown); a job object still ends them with the runner. */
int kiln_plat_thread_count(void) { return -1; }

#define ARENA_REGION ((uintptr_t)0x4b494c4e0000ull)

int kiln_plat_file_reserve(const char *path, uint64_t size, char err[KILN_PLAT_ERR]) {
    HANDLE f = open_shared(path, OPEN_ALWAYS);
    if (f == INVALID_HANDLE_VALUE) { set_win_err(err, path, GetLastError()); return -1; }
    LARGE_INTEGER cur, want;
    want.QuadPart = (LONGLONG)size;
    int rc = 0;
    if (!GetFileSizeEx(f, &cur)) rc = -1;
    else if ((uint64_t)cur.QuadPart < size && (!SetFilePointerEx(f, want, NULL, FILE_BEGIN) || !SetEndOfFile(f))) rc = -1;
    if (rc) set_win_err(err, path, GetLastError());
    CloseHandle(f);
    return rc;
}

int kiln_plat_map_file_at(const char *path, size_t size, void *addr, kiln_plat_map *map, char err[KILN_PLAT_ERR]) {
    map->base = NULL; map->size = 0;
    HANDLE f = open_shared(path, OPEN_ALWAYS);
    if (f == INVALID_HANDLE_VALUE) { set_win_err(err, path, GetLastError()); return -1; }
    DWORD ret = 0; /* sparse, so a 64 MiB arena costs only the pages it uses (NTFS; ignored elsewhere) */
    DeviceIoControl(f, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &ret, NULL);
    void *p = NULL;
    if (addr) {
        p = map_handle(f, size, addr, err, path);
        if (p && p != addr) { UnmapViewOfFile(p); p = NULL; }
        if (!p) {
            CloseHandle(f);
            if (err) snprintf(err, KILN_PLAT_ERR, "address %p is taken in this process", addr);
            return -2;
        }
    } else {
        size_t stride = (size + ((size_t)1 << 30) - 1) & ~(((size_t)1 << 30) - 1);
        for (int i = 0; i < 64 && !p; i++) p = map_handle(f, size, (void *)(ARENA_REGION + (uintptr_t)i * stride), NULL, path);
        if (!p) p = map_handle(f, size, NULL, err, path);
    }
    CloseHandle(f);
    if (!p) return -1;
    map->base = p; map->size = size;
    return 0;
}

/* --- dynamic libraries ------------------------------------------------------------------------------------------ */
void *kiln_plat_lib_open(const char *path, char err[KILN_PLAT_ERR]) {
    UINT old = SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOOPENFILEERRORBOX);
    HMODULE h = LoadLibraryExA(path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    DWORD e = GetLastError();
    SetErrorMode(old);
    if (!h) set_win_err(err, "LoadLibrary", e);
    return (void *)h;
}
void *kiln_plat_lib_symbol(void *lib, const char *name) {
    FARPROC p = GetProcAddress((HMODULE)lib, name);
    void *v;
    memcpy(&v, &p, sizeof v);
    return v;
}
void kiln_plat_lib_close(void *lib) { if (lib) FreeLibrary((HMODULE)lib); }
/* A DLL cannot leave symbols for another to define, so there are no split builds on Windows. */
int kiln_plat_lib_companion(void *lib, const char *dir, char *out, size_t cap) {
    (void)lib; (void)dir; (void)out; (void)cap;
    return -1;
}


/* --- time ---------------------------------------------------------------------------------------------------------- */
double kiln_plat_now(void) {
    static LARGE_INTEGER freq;
    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    LARGE_INTEGER t;
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart / (double)freq.QuadPart;
}
double kiln_plat_thread_cpu(void) { return -1; }
void kiln_plat_yield(void) { SwitchToThread(); }
void kiln_plat_sleep_ms(int32_t ms) { Sleep((DWORD)ms); }
int kiln_plat_file_stamp(const char *path, uint64_t stamp[3]) {
    WIN32_FILE_ATTRIBUTE_DATA a;
    if (!GetFileAttributesExA(path, GetFileExInfoStandard, &a)) return -1;
    stamp[0] = (uint64_t)a.nFileSizeHigh << 32 | a.nFileSizeLow;
    stamp[1] = (uint64_t)a.ftLastWriteTime.dwHighDateTime << 32 | a.ftLastWriteTime.dwLowDateTime;
    stamp[2] = (uint64_t)a.ftCreationTime.dwHighDateTime << 32 | a.ftCreationTime.dwLowDateTime;
    return 0;
}

const char *kiln_plat_lib_ext(void) { return ".dll"; }
const char *kiln_plat_temp_dir(void) {
    static char dir[MAX_PATH + 1];
    DWORD n = GetTempPathA(sizeof dir, dir);
    if (n == 0 || n > MAX_PATH) return ".";
    while (n > 1 && (dir[n - 1] == '\\' || dir[n - 1] == '/')) dir[--n] = '\0';
    return dir;
}

