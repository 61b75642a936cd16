/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Line-oriented logging to stderr: "TIME LEVEL component: message". The
 * daemons run under `hpcnet up`, systemd or a test harness, all of which
 * capture stderr, so there is no log file handling here.
 */
#ifndef HPCNET_LOG_H
#define HPCNET_LOG_H

enum hpcnet_log_level { HPCNET_LOG_DEBUG, HPCNET_LOG_INFO, HPCNET_LOG_WARN, HPCNET_LOG_ERROR };

/* Sets the process-wide tag ("hub", "agent:alpha") and minimum level. */
void hpcnet_log_init(const char *tag, enum hpcnet_log_level min);
void hpcnet_log(enum hpcnet_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define hpcnet_debug(...) hpcnet_log(HPCNET_LOG_DEBUG, __VA_ARGS__)
#define hpcnet_info(...) hpcnet_log(HPCNET_LOG_INFO, __VA_ARGS__)
#define hpcnet_warn(...) hpcnet_log(HPCNET_LOG_WARN, __VA_ARGS__)
#define hpcnet_error(...) hpcnet_log(HPCNET_LOG_ERROR, __VA_ARGS__)

#endif
