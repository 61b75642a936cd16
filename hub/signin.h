/* SPDX-License-Identifier: Apache-2.0 */
/* The password check shared by both ways to sign in: API tokens and portal sessions. */
#ifndef HPCNET_HUB_SIGNIN_H
#define HPCNET_HUB_SIGNIN_H

#include <jansson.h>

struct hpcnet_req;

/* Checks body's "username" and "password" (strings, already validated).
 * 0 with *user = the users row (caller owns); otherwise a reply is queued
 * (401 "wrong user name or password", or a store error) and <0 returned.
 * Leaves the request without a borrowed connection. */
int hpcnet_signin_password(struct hpcnet_req *r, json_t *body, json_t **user);

/* The CSRF token of the session whose cookie secret is `secret`: a hash
 * of the secret, so it needs no storage, changes with every session, and
 * cannot be made without the cookie (which pages of other sites cannot
 * read). out holds HPCNET_CSRF_LEN bytes. */
void hpcnet_session_csrf(const char *secret, char *out);

/* Starts a portal session for user (a users row, borrowed): stores it,
 * with the call's audit row announcing status (the answer the caller will
 * give: 201 for the password form, 302 for the OpenID Connect callback),
 * and queues its Set-Cookie. 0 and *view (the session as GET
 * /sessions/current shows it; caller owns), or <0 with nothing queued. */
int hpcnet_session_open(struct hpcnet_req *r, json_t *user, int status, json_t **view);

#endif
