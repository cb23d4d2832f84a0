/* platform_win32_sandbox.c — kiln_sandbox_enter for Windows: the process puts itself into a job object of its own.
 *   - always JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the job handle is never closed, so when this process ends (however it
 *     ends) Windows ends every process still in the job — anything it started goes with it;
 *   - no_new_processes: ActiveProcessLimit = 1 (this process): CreateProcess fails, and no breakaway is allowed;
 *   - memory_limit: JOB_OBJECT_LIMIT_PROCESS_MEMORY = committed private bytes now + memory_limit; a larger commit
 *     (VirtualAlloc, malloc) fails instead of exhausting the machine;
 *   - no_foreign_signals has no job-object equivalent: TerminateProcess/OpenProcess on the user's other processes
 *     stay possible. It returns KILN_OK with error_out saying so (see native/README.md "Sandbox").
 * Jobs nest from Windows 8 on; on Windows 7 a process already in a job (a console host, some launchers) cannot join
 * another one and this fails with a message. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <psapi.h>

#include <stdarg.h>
#include <stdio.h>

#include "kiln_runtime.h"

static void sb_err(char *out, int32_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sb_err(char *out, int32_t cap, const char *fmt, ...) {
    if (!out || cap <= 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)cap, fmt, ap);
    va_end(ap);
}

static LONG sb_entered;
static HANDLE sb_job; /* open for the life of the process on purpose: closing it would end the process */

int32_t kiln_sandbox_enter(const kiln_sandbox_desc *desc, char *error_out, int32_t cap) {
    if (error_out && cap > 0) error_out[0] = '\0';
    if (!desc) {
        sb_err(error_out, cap, "kiln_sandbox_enter: desc is NULL; pass a kiln_sandbox_desc.");
        return KILN_ERR_INVALID;
    }
    if (InterlockedExchange(&sb_entered, 1)) {
        sb_err(error_out, cap, "kiln_sandbox_enter: this process is already in the sandbox (it cannot be left or "
               "changed); call it once, at the runner's start.");
        return KILN_ERR_INVALID;
    }
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION info;
    ZeroMemory(&info, sizeof info);
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (desc->no_new_processes) {
        info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
        info.BasicLimitInformation.ActiveProcessLimit = 1;
    }
    if (desc->memory_limit) {
        PROCESS_MEMORY_COUNTERS_EX pmc;
        ZeroMemory(&pmc, sizeof pmc);
        if (!K32GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&pmc, sizeof pmc)) {
            sb_err(error_out, cap, "kiln_sandbox_enter: GetProcessMemoryInfo failed (error %lu); no sandbox step was "
                   "applied.", (unsigned long)GetLastError());
            return KILN_ERR_INVALID;
        }
        uint64_t want = (uint64_t)pmc.PrivateUsage + desc->memory_limit;
        if (want < desc->memory_limit || want > (uint64_t)(SIZE_T)-1) want = (uint64_t)(SIZE_T)-1;
        info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY;
        info.ProcessMemoryLimit = (SIZE_T)want;
    }
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (!job) {
        sb_err(error_out, cap, "kiln_sandbox_enter: CreateJobObject failed (error %lu); no sandbox step was applied.",
               (unsigned long)GetLastError());
        return KILN_ERR_INVALID;
    }
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, sizeof info)) {
        DWORD e = GetLastError();
        CloseHandle(job);
        sb_err(error_out, cap, "kiln_sandbox_enter: SetInformationJobObject failed (error %lu); no sandbox step was "
               "applied.", (unsigned long)e);
        return KILN_ERR_INVALID;
    }
    if (!AssignProcessToJobObject(job, GetCurrentProcess())) {
        DWORD e = GetLastError();
        CloseHandle(job);
        sb_err(error_out, cap, "kiln_sandbox_enter: AssignProcessToJobObject failed (error %lu)%s; no sandbox step was "
               "applied.", (unsigned long)e, e == ERROR_ACCESS_DENIED ? ": the process is already in a job that does "
               "not allow nesting (Windows 7, or a job without breakaway); start the runner outside it" : "");
        return KILN_ERR_INVALID;
    }
    sb_job = job;
    if (desc->no_foreign_signals)
        sb_err(error_out, cap, "kiln_sandbox_enter: no_foreign_signals is not enforced on Windows (no job-object "
               "equivalent): a plugin can still open and end the user's other processes. The job object is in force.");
    return KILN_OK;
}
