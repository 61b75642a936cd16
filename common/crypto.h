/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few cryptographic operations hpcnet needs, each backed by a kept
 * library: argon2id password hashes and random bytes from libsodium,
 * SHA-256 from OpenSSL's EVP (uses the CPU's SHA extensions, ~4x a
 * portable implementation here). Nothing cryptographic is written by hand.
 */
#ifndef HPCNET_CRYPTO_H
#define HPCNET_CRYPTO_H

#include <stddef.h>

#define HPCNET_SHA256_HEX_LEN 65 /* 64 hex digits + NUL */
#define HPCNET_PWHASH_LEN 128    /* crypto_pwhash_STRBYTES */

/* Must be called once before any other function here; 0 or HPCNET_EUNAVAIL. */
int hpcnet_crypto_init(void);
void hpcnet_crypto_random(void *buf, size_t n);
/* hex of SHA-256(data); out holds HPCNET_SHA256_HEX_LEN bytes. */
void hpcnet_crypto_sha256_hex(const void *data, size_t n, char *out);
/*
 * Makes a new secret of the form PREFIX + 43 base64url chars (256 random
 * bits) into out (>= strlen(prefix) + 44 for the full secret; a smaller len
 * truncates it, 6 bits per char kept). Secrets are shown once and only
 * their SHA-256 is stored: with 256 bits of entropy a slow hash adds nothing.
 */
void hpcnet_crypto_token(const char *prefix, char *out, size_t len);
/* argon2id (libsodium's interactive limits). 0, or -ENOMEM when the KDF fails. */
int hpcnet_crypto_password_hash(const char *password, char out[HPCNET_PWHASH_LEN]);
/* 1 when password matches hash, else 0. Constant time in the password. */
int hpcnet_crypto_password_verify(const char *hash, const char *password);
/* Constant-time equality of two NUL-terminated strings of equal length. */
int hpcnet_crypto_streq(const char *a, const char *b);

#endif
