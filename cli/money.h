/* SPDX-License-Identifier: Apache-2.0 */
/* What the money verbs (money.c, money_admin.c) share. */
#ifndef HPCNET_CLI_MONEY_H
#define HPCNET_CLI_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* minor units -> "12.34" (buf >= 32 bytes). */
void hpcnet_cli_money(int64_t minor, char *buf, size_t len);
/* "12", "12.3", "12.34" -> minor units; no sign, at most two decimals,
 * no floating point. 0 or HPCNET_EINVAL. */
int hpcnet_cli_parse_money(const char *s, int64_t *minor);
/* One call; prints the answer's JSON (json) or hands it to print (may be
 * NULL: nothing). Returns the exit status. */
int hpcnet_cli_call_print(const char *method, const char *path, json_t *body, const char *header,
			  int json, void (*print)(json_t *));
/* The same for a GET. */
int hpcnet_cli_get_print(const char *path, int json, void (*print)(json_t *));
/* GET path and copies the body to stdout as is (CSV). Exit status. */
int hpcnet_cli_get_raw(const char *path);

#endif
