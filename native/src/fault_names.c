/* fault_names.c — the words a crash report uses for a fault, the same on every platform. */
#include <signal.h>

#include "platform.h"

#ifndef SIGBUS
#define SIGBUS 10 /* Windows has none; platform_win32*.c report bus errors with this number */
#endif

const char *kiln_plat_signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access or stack overflow)";
    case SIGBUS: return "SIGBUS (bad memory access)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGFPE: return "SIGFPE (arithmetic error, e.g. integer division by zero)";
    case SIGABRT: return "SIGABRT (abort() or a failed assert)";
    case KILN_PLAT_TIMEOUT: return "watchdog timeout (the callback ran longer than the limit: an endless loop?)";
    default: return "unknown signal";
    }
}
