/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Size and duration parsing for the command line (see units.h for the
 * accepted forms). Every number is scanned by hand rather than with
 * strtod/strtoll: those accept whitespace, signs, "inf", "nan" and hex
 * floats, none of which belong in "--mem 2G", and they make overflow
 * checks awkward. Depends on nothing but libc and the error codes so the
 * unit test can #include this file directly.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/units.h"
#include "hpcnet/error.h"

/* A non-negative decimal: whole part plus fraction in [0, 1). */
struct decimal {
	int64_t whole;
	long double frac;
	int has_frac;
};

/* Scans one or more digits into *v; the caller's cursor moves past them. */
static int scan_uint(const char **sp, int64_t *v)
{
	const char *s = *sp;

	*v = 0;
	if (!isdigit((unsigned char)*s))
		return HPCNET_EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		int digit = *s - '0';

		if (*v > (INT64_MAX - digit) / 10)
			return HPCNET_EINVAL;
		*v = *v * 10 + digit;
	}
	*sp = s;
	return 0;
}

/* Digits, then optionally '.' and at least one digit. */
static int scan_decimal(const char **sp, struct decimal *d)
{
	const char *s = *sp;
	long double scale = 0.1L;
	int rc;

	d->frac = 0;
	d->has_frac = 0;
	rc = scan_uint(&s, &d->whole);
	if (rc < 0)
		return rc;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return HPCNET_EINVAL;
		for (; isdigit((unsigned char)*s); s++) {
			d->frac += (*s - '0') * scale;
			scale /= 10;
		}
		d->has_frac = 1;
	}
	*sp = s;
	return 0;
}

/* d * mult rounded to the nearest integer, or HPCNET_EINVAL on overflow. */
static int scale_decimal(const struct decimal *d, int64_t mult, int64_t *out)
{
	int64_t whole, part;

	if (__builtin_mul_overflow(d->whole, mult, &whole))
		return HPCNET_EINVAL;
	/* frac < 1, so this cannot overflow; + 0.5 rounds (no libm needed) */
	part = (int64_t)(d->frac * mult + 0.5L);
	/* the builtins store the wrapped value: only assign *out on success */
	if (__builtin_add_overflow(whole, part, &whole))
		return HPCNET_EINVAL;
	*out = whole;
	return 0;
}

int hpcnet_units_parse_int(const char *s, int64_t min, int64_t max, int64_t *v)
{
	int64_t n;

	if (!s || scan_uint(&s, &n) < 0 || *s != '\0' || n < min || n > max)
		return HPCNET_EINVAL;
	*v = n;
	return 0;
}

int hpcnet_units_parse_size(const char *s, int64_t *bytes)
{
	static const char units[] = "KMGTP";
	struct decimal d;
	int64_t mult = 1;
	const char *u;
	int rc;

	if (!s)
		return HPCNET_EINVAL;
	rc = scan_decimal(&s, &d);
	if (rc < 0)
		return rc;
	if (*s == '\0') {
		mult = 1024 * 1024; /* Slurm: a bare --mem is megabytes */
	} else if ((*s == 'B' || *s == 'b') && s[1] == '\0') {
		if (d.has_frac)
			return HPCNET_EINVAL; /* half a byte is a typo, not a size */
	} else if ((u = strchr(units, toupper((unsigned char)*s)))) {
		for (int i = 0; i <= u - units; i++)
			mult *= 1024;
		s++;
		if (*s == 'i' || *s == 'I')
			s++;
		if (*s == 'B' || *s == 'b')
			s++;
		else if (s[-1] == 'i' || s[-1] == 'I')
			return HPCNET_EINVAL; /* "Gi" without the B */
		if (*s != '\0')
			return HPCNET_EINVAL;
	} else {
		return HPCNET_EINVAL;
	}
	return scale_decimal(&d, mult, bytes);
}

/* "d-h", "d-h:mm", "d-h:mm:ss" */
static int parse_days_form(const char *s, int64_t *seconds)
{
	int64_t days, hours, minutes = 0, secs = 0, total;
	int rc;

	if ((rc = scan_uint(&s, &days)) < 0)
		return rc;
	if (*s++ != '-')
		return HPCNET_EINVAL;
	if ((rc = scan_uint(&s, &hours)) < 0 || hours >= 24)
		return HPCNET_EINVAL;
	if (*s == ':') {
		s++;
		if ((rc = scan_uint(&s, &minutes)) < 0 || minutes >= 60)
			return HPCNET_EINVAL;
		if (*s == ':') {
			s++;
			if ((rc = scan_uint(&s, &secs)) < 0 || secs >= 60)
				return HPCNET_EINVAL;
		}
	}
	if (*s != '\0')
		return HPCNET_EINVAL;
	if (__builtin_mul_overflow(days, 86400, &total) ||
	    __builtin_add_overflow(total, hours * 3600 + minutes * 60 + secs, &total))
		return HPCNET_EINVAL;
	*seconds = total;
	return 0;
}

/* "m", "m:ss", "h:mm:ss": the first field is unbounded, the rest < 60. */
static int parse_colon_form(const char *s, int64_t *seconds)
{
	int64_t f[3], total = 0;
	int n = 0, rc;

	for (;;) {
		if (n == 3)
			return HPCNET_EINVAL;
		if ((rc = scan_uint(&s, &f[n])) < 0)
			return rc;
		if (n > 0 && f[n] >= 60)
			return HPCNET_EINVAL;
		n++;
		if (*s == '\0')
			break;
		if (*s++ != ':')
			return HPCNET_EINVAL;
	}
	if (n == 1) { /* Slurm: a bare number is minutes */
		if (__builtin_mul_overflow(f[0], 60, &total))
			return HPCNET_EINVAL;
		*seconds = total;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (__builtin_mul_overflow(total, 60, &total) ||
		    __builtin_add_overflow(total, f[i], &total))
			return HPCNET_EINVAL;
	}
	*seconds = total;
	return 0;
}

/* "90s", "2h", "1h30m", "1.5d": one or more number+unit pairs. */
static int parse_suffix_form(const char *s, int64_t *seconds)
{
	int64_t total = 0, part, mult;
	struct decimal d;
	int rc;

	do {
		if ((rc = scan_decimal(&s, &d)) < 0)
			return rc;
		switch (tolower((unsigned char)*s)) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return HPCNET_EINVAL; /* "1h30" is ambiguous: refuse */
		}
		s++;
		if ((rc = scale_decimal(&d, mult, &part)) < 0)
			return rc;
		if (__builtin_add_overflow(total, part, &total))
			return HPCNET_EINVAL;
	} while (*s);
	*seconds = total;
	return 0;
}

int hpcnet_units_parse_duration(const char *s, int64_t *seconds)
{
	if (!s || !*s)
		return HPCNET_EINVAL;
	if (strchr(s, '-'))
		return parse_days_form(s, seconds);
	if (strspn(s, "0123456789:") == strlen(s))
		return parse_colon_form(s, seconds);
	return parse_suffix_form(s, seconds);
}

int hpcnet_units_valid_word(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

int hpcnet_units_parse_gpus(const char *s, char *model, size_t len, int64_t *count)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	char word[HPCNET_UNITS_GPU_MODEL_MAX + 1];
	size_t n = colon ? (size_t)(colon - s) : 0;
	int64_t v;

	if (!s || len <= HPCNET_UNITS_GPU_MODEL_MAX)
		return HPCNET_EINVAL;
	if (colon) {
		if (n == 0 || n > HPCNET_UNITS_GPU_MODEL_MAX)
			return HPCNET_EINVAL;
		memcpy(word, s, n);
		word[n] = '\0';
		if (!hpcnet_units_valid_word(word, HPCNET_UNITS_GPU_MODEL_MAX))
			return HPCNET_EINVAL;
	}
	if (hpcnet_units_parse_int(colon ? colon + 1 : s, 0, 1024, &v) < 0)
		return HPCNET_EINVAL;
	memcpy(model, colon ? word : "", n + 1);
	*count = v;
	return 0;
}

void hpcnet_units_format_size(int64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	double v = (double)bytes;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%lldB", (long long)bytes);
		return;
	}
	while (v >= 1024 && units[u + 1]) {
		v /= 1024;
		u++;
	}
	v = (double)(int64_t)(v * 10 + 0.5) / 10;
	/* 1023.96K rounds up to 1024.0K: say 1M instead */
	if (v >= 1024 && units[u + 1]) {
		v /= 1024;
		u++;
	}
	if (v == (double)(int64_t)v)
		snprintf(buf, len, "%.0f%c", v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

void hpcnet_units_format_duration(int64_t seconds, char *buf, size_t len)
{
	int64_t days, h, m, s;

	if (seconds < 0)
		seconds = 0;
	days = seconds / 86400;
	h = seconds / 3600 % 24;
	m = seconds / 60 % 60;
	s = seconds % 60;
	if (days > 0)
		snprintf(buf, len, "%lld-%02lld:%02lld:%02lld", (long long)days, (long long)h,
			 (long long)m, (long long)s);
	else if (h > 0)
		snprintf(buf, len, "%lld:%02lld:%02lld", (long long)h, (long long)m, (long long)s);
	else
		snprintf(buf, len, "%lld:%02lld", (long long)m, (long long)s);
}
