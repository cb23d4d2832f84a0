/* output_win32.c — Windows has no stdout capture yet: plugins' printf goes where the runner's stdout goes. */
#include "output.h"
#include "runtime_internal.h"

int32_t kiln_capture_output(int32_t *original_stdout, int32_t *original_stderr) {
    if (original_stdout) *original_stdout = -1;
    if (original_stderr) *original_stderr = -1;
    return KILN_ERR_INVALID;
}
void kiln_release_output(void) {}
void kiln__output_before_call(struct kiln_runtime *rt) { (void)rt; }
void kiln__output_after_call(struct kiln_runtime *rt, const char *plugin, int faulted) { (void)rt; (void)plugin; (void)faulted; }
void kiln__output_collect(struct kiln_runtime *rt) { (void)rt; }
