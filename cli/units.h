/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sizes and durations as people type them on a command line, and back.
 * Kept apart from the rest of the CLI (no HTTP, no JSON) so the unit test
 * can compile units.c on its own and every parser has a fuzzable surface.
 *
 * The rules follow Slurm, because that is what HPC users already type:
 * sizes take K/M/G/T/P suffixes in powers of 1024 and a bare number is
 * megabytes (sbatch --mem=4000); durations take "minutes", "mm:ss",
 * "h:mm:ss", "d-h", "d-h:mm", "d-h:mm:ss", and, beyond Slurm, unit
 * suffixes such as "90s", "2h", "1h30m" or "1.5h". GPU requests take
 * Slurm's --gpus form, "[MODEL:]COUNT".
 */
#ifndef HPCNET_CLI_UNITS_H
#define HPCNET_CLI_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a size into bytes. Accepts digits with an optional fraction and
 * an optional suffix B, K, M, G, T, P (case-insensitive, "KB"/"KiB" also
 * accepted; all binary). A bare number is MiB, as in Slurm. Returns 0, or
 * HPCNET_EINVAL for anything else (empty, negative, trailing garbage,
 * overflow of int64, a fraction of a byte count without a unit).
 */
int hpcnet_units_parse_size(const char *s, int64_t *bytes);

/*
 * Parses a duration into seconds (see the header comment for the forms).
 * Fields after the first must be in range (mm:ss needs ss < 60, d-hh needs
 * hh < 24). Returns 0, or HPCNET_EINVAL. "0" parses to 0; callers that need
 * a positive duration check that themselves.
 */
int hpcnet_units_parse_duration(const char *s, int64_t *seconds);

/* A plain decimal integer in [min, max] (no sign, no spaces, no hex).
 * 0 or HPCNET_EINVAL. */
int hpcnet_units_parse_int(const char *s, int64_t min, int64_t max, int64_t *v);

/*
 * A scheduler word: a GPU model, partition, account or QOS name. 1 when s
 * is 1..max characters of letters, digits, '-', '_' and '.' (what the hub
 * accepts, and what is safe on any scheduler's command line), else 0.
 */
int hpcnet_units_valid_word(const char *s, size_t max);

/* The longest GPU model the hub accepts; a model buffer holds one more. */
#define HPCNET_UNITS_GPU_MODEL_MAX 31

/*
 * Parses Slurm's --gpus value, "[MODEL:]COUNT" ("2", "a100:2"), COUNT in
 * 0..1024. model gets the model or "" (it holds len bytes, at least
 * HPCNET_UNITS_GPU_MODEL_MAX + 1). Returns 0, or HPCNET_EINVAL (a bad
 * count, an empty or invalid model, more than one ':'), leaving the
 * outputs untouched.
 */
int hpcnet_units_parse_gpus(const char *s, char *model, size_t len, int64_t *count);

/* "16G", "1.5G", "512M", "100B": at most one decimal, the largest unit
 * that keeps the value >= 1. buf should hold 16 bytes. */
void hpcnet_units_format_size(int64_t bytes, char *buf, size_t len);

/* Slurm's elapsed format: "0:05", "59:59", "1:00:00", "2-00:00:00".
 * Negative inputs print as "0:00". buf should hold 32 bytes. */
void hpcnet_units_format_duration(int64_t seconds, char *buf, size_t len);

#endif
