/* output.h — plugins' stdout/stderr into the game log (output_posix.c; output_win32.c has no capture yet).
   The runtime calls the hooks around every guarded plugin call; they cost one flag load while capture is off. */
#ifndef KILN_OUTPUT_H
#define KILN_OUTPUT_H

#include <stddef.h>

struct kiln_runtime;

#define KILN_OUTPUT_BUF (64 * 1024) /* bytes per stream kept between two drains; the rest is counted as dropped */
#define KILN_OUTPUT_LINES 32        /* lines per callback (stdout + stderr) that reach the log */
#define KILN_OUTPUT_LINE_MAX 1000   /* a longer line is cut (kiln_log_message.text holds 1024) */

void kiln__output_before_call(struct kiln_runtime *rt);
/* plugin: whose call just returned (NULL: untagged); faulted: the call was abandoned (no fflush: stdio may be locked) */
void kiln__output_after_call(struct kiln_runtime *rt, const char *plugin, int faulted);
/* Untagged bytes read while no call ran (kiln_poll_log calls it, so output between frames is not held back). */
void kiln__output_collect(struct kiln_runtime *rt);
/* host.c: one line of a stream (1 stdout, 2 stderr) as a log record */
void kiln__queue_output(struct kiln_runtime *rt, const char *plugin, int stream, const char *text, size_t len);

#endif
