/* SPDX-License-Identifier: Apache-2.0 */
/* Wrappers over libsodium and OpenSSL; see crypto.h for the choices. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "crypto.h"
#include "hpcnet/error.h"

int hpcnet_crypto_init(void)
{
	return sodium_init() < 0 ? HPCNET_EUNAVAIL : 0;
}

void hpcnet_crypto_random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

void hpcnet_crypto_sha256_hex(const void *data, size_t n, char *out)
{
	unsigned char md[32];
	unsigned int mdlen = sizeof(md);

	EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL);
	sodium_bin2hex(out, HPCNET_SHA256_HEX_LEN, md, sizeof(md));
}

void hpcnet_crypto_token(const char *prefix, char *out, size_t len)
{
	unsigned char raw[32];
	char b64[44]; /* sodium_base64_ENCODED_LEN(32, URLSAFE_NO_PADDING) */

	/* Encoded into a full-size buffer first: sodium_bin2base64 aborts the
	 * process when the output is too small, and callers that want a
	 * shorter secret (a generated password) pass a smaller len. */
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, len, "%s%s", prefix, b64);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(b64, sizeof(b64));
}

int hpcnet_crypto_password_hash(const char *password, char out[HPCNET_PWHASH_LEN])
{
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -ENOMEM;
	return 0;
}

int hpcnet_crypto_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int hpcnet_crypto_streq(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n != strlen(b))
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}
