// SPDX-License-Identifier: MIT
#define LOG_TAG "part"
#include <errno.h>
#include <string.h>

#include "kernel/partition/words.h"
#include "kernel/log.h"

static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t mult = 1, v;

	if (n && (s[n - 1] == 'K' || s[n - 1] == 'k'))
		mult = KiB;
	else if (n && (s[n - 1] == 'M' || s[n - 1] == 'm'))
		mult = MiB;
	else if (n && (s[n - 1] == 'G' || s[n - 1] == 'g'))
		mult = GiB;
	if (mult != 1)
		n--;
	if (!parse_u64(s, n, &v) || v > UINT64_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

static bool valid_name(const char *s, size_t n)
{
	if (!n || n > 15)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static bool word_is(const char *w, size_t n, const char *key)
{
	size_t k = strlen(key);

	return n > k && memcmp(w, key, k) == 0;
}

/* One monitor word: 1 taken, 0 not the monitor's, -EINVAL bad value. */
static int take_word(const char *w, size_t n, struct part_words *pw)
{
	uint64_t v;

	if (word_is(w, n, "partition=")) {
		if (!valid_name(w + 10, n - 10)) {
			pr_err("partition name '%.*s' is not 1-15 letters, digits, '-' or '_'", (int)n - 10, w + 10);
			return -EINVAL;
		}
		memcpy(pw->name, w + 10, n - 10);
		pw->name[n - 10] = '\0';
		return 1;
	}
	if (word_is(w, n, "mem=")) {
		if (!parse_size(w + 4, n - 4, &v) || v < 4 * MiB || !IS_ALIGNED(v, 2 * MiB) ||
		    v > (1ULL << 46)) {
			pr_err("mem=%.*s: give a multiple of 2 MiB, at least 4M (e.g. mem=64M)", (int)n - 4, w + 4);
			return -EINVAL;
		}
		pw->mem = v;
		return 1;
	}
	if (word_is(w, n, "cpus=")) {
		if (!parse_u64(w + 5, n - 5, &v) || v < 1 || v > 16) {
			pr_err("cpus=%.*s: give 1 to 16", (int)n - 5, w + 5);
			return -EINVAL;
		}
		pw->cpus = (unsigned)v;
		return 1;
	}
	return 0;
}

int part_words_parse(const char *cmdline, struct part_words *w, char *guest, size_t guest_cap)
{
	const char *p = cmdline;
	int rc = 0;

	memset(w, 0, sizeof(*w));
	for (;;) {
		const char *start;
		size_t n;
		int r;

		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		n = (size_t)(p - start);
		if (!n)
			break;
		if (n == 2 && start[0] == '-' && start[1] == '-') {
			while (*p == ' ' || *p == '\t')
				p++;
			break;
		}
		r = take_word(start, n, w);
		if (r < 0)
			rc = r;
		if (r == 0) {
			p = start;
			break;
		}
	}
	if (guest_cap) {
		size_t len = strlen(p);

		if (len >= guest_cap)
			len = guest_cap - 1;
		memcpy(guest, p, len);
		guest[len] = '\0';
	}
	return rc;
}
