// SPDX-License-Identifier: MIT
/*
 * Parser of the loader's configuration file (format in config.h). The file
 * comes from a removable stick, so it is untrusted: every copy is bounded,
 * and the first thing it cannot parse is reported with its line number.
 */
#include "boot/efi/config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define MAX_WORDS 128

struct line {
	const char *words[MAX_WORDS];
	size_t lens[MAX_WORDS];
	unsigned count;
};

/* A tiny bounded formatter: "%s" and "%u" are all the messages need. */
static void set_error(struct cfg_error *err, unsigned line, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	for (const char *f = fmt; *f && n + 1 < sizeof(err->msg); f++) {
		char num[12], *s = NULL;
		int i = sizeof(num) - 1;

		if (f[0] == '%' && f[1] == 's') {
			s = va_arg(ap, char *);
		} else if (f[0] == '%' && f[1] == 'u') {
			unsigned v = va_arg(ap, unsigned);

			num[i] = '\0';
			do {
				num[--i] = (char)('0' + v % 10);
				v /= 10;
			} while (v);
			s = &num[i];
		}
		if (!s) {
			err->msg[n++] = *f;
			continue;
		}
		f++;
		while (*s && n + 1 < sizeof(err->msg))
			err->msg[n++] = *s++;
	}
	err->msg[n] = '\0';
	va_end(ap);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Characters GRUB's script parser gives a meaning to: refused, never guessed at. */
static bool is_grub_special(char c)
{
	return strchr("\"'$\\;|&<>{}#`", c) != NULL;
}

static bool is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '/' || c == '.' || c == '_' || c == '-' || c == '+';
}

/* Split one line into words; false (with the error set) on a character we refuse. */
static bool split_line(const char *s, size_t len, unsigned lineno, struct line *l,
		       struct cfg_error *err)
{
	size_t i = 0;

	l->count = 0;
	while (i < len) {
		size_t start;

		while (i < len && is_blank(s[i]))
			i++;
		if (i == len)
			break;
		if (l->count == MAX_WORDS) {
			set_error(err, lineno, "more than %u words", MAX_WORDS);
			return false;
		}
		start = i;
		while (i < len && !is_blank(s[i])) {
			unsigned char c = (unsigned char)s[i];

			if (c < 0x20 || c >= 0x7f) {
				set_error(err, lineno, "byte %u is not a printable ASCII character", c);
				return false;
			}
			if (is_grub_special((char)c)) {
				char what[2] = { (char)c, '\0' };

				set_error(err, lineno, "'%s' is not allowed (GRUB would read it differently)",
					  what);
				return false;
			}
			i++;
		}
		l->words[l->count] = s + start;
		l->lens[l->count++] = i - start;
	}
	return true;
}

static bool word_is(const struct line *l, unsigned i, const char *w)
{
	return l->lens[i] == strlen(w) && memcmp(l->words[i], w, l->lens[i]) == 0;
}

static bool copy_path(char *dst, const struct line *l, unsigned lineno, struct cfg_error *err)
{
	const char *p = l->words[1];
	size_t n = l->lens[1];

	if (p[0] != '/') {
		set_error(err, lineno, "the path must start with '/' (from the root of the volume)");
		return false;
	}
	if (n >= CFG_PATH_MAX) {
		set_error(err, lineno, "the path is longer than %u characters", CFG_PATH_MAX - 1);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_path_char(p[i]) || (p[i] == '/' && i + 1 < n && p[i + 1] == '/')) {
			set_error(err, lineno, "the path may hold only letters, digits and . _ - + /");
			return false;
		}
	}
	if (p[n - 1] == '/') {
		set_error(err, lineno, "the path names a directory, not a file");
		return false;
	}
	memcpy(dst, p, n);
	dst[n] = '\0';
	return true;
}

/* Words 2.. joined by single spaces, as grub_create_loader_cmdline() does. */
static bool copy_cmdline(char *dst, size_t cap, const struct line *l, unsigned lineno,
			 struct cfg_error *err)
{
	size_t n = 0;

	for (unsigned i = 2; i < l->count; i++) {
		size_t need = l->lens[i] + (n ? 1 : 0);

		if (n + need >= cap) {
			set_error(err, lineno, "the command line is longer than %u characters",
				  (unsigned)cap - 1);
			return false;
		}
		if (n)
			dst[n++] = ' ';
		memcpy(dst + n, l->words[i], l->lens[i]);
		n += l->lens[i];
	}
	dst[n] = '\0';
	return true;
}

static bool parse_line(const struct line *l, unsigned lineno, bool *have_monitor,
		       struct loader_config *cfg, struct cfg_error *err)
{
	if (word_is(l, 0, "multiboot2")) {
		if (*have_monitor) {
			set_error(err, lineno, "a second multiboot2 line");
			return false;
		}
		if (l->count < 2) {
			set_error(err, lineno, "multiboot2 needs the monitor's path");
			return false;
		}
		*have_monitor = true;
		return copy_path(cfg->monitor.path, l, lineno, err) &&
		       copy_cmdline(cfg->monitor.cmdline, sizeof(cfg->monitor.cmdline), l, lineno, err);
	}
	if (word_is(l, 0, "module2")) {
		struct cfg_module *m;

		if (!*have_monitor) {
			set_error(err, lineno, "module2 before the multiboot2 line");
			return false;
		}
		if (l->count < 2) {
			set_error(err, lineno, "module2 needs the module's path");
			return false;
		}
		if (cfg->module_count == CFG_MODULES_MAX) {
			set_error(err, lineno, "more than %u modules", CFG_MODULES_MAX);
			return false;
		}
		m = &cfg->modules[cfg->module_count++];
		return copy_path(m->path, l, lineno, err) &&
		       copy_cmdline(m->cmdline, sizeof(m->cmdline), l, lineno, err);
	}
	set_error(err, lineno, "unknown command (only multiboot2 and module2 are allowed)");
	return false;
}

int cfg_parse(const char *text, size_t len, struct loader_config *cfg, struct cfg_error *err)
{
	static struct line l;   /* 2 KiB: off the small firmware stack */
	bool have_monitor = false;
	unsigned lineno = 0;
	size_t pos = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(err, 0, sizeof(*err));
	if (len > CFG_MAX_SIZE) {
		set_error(err, 0, "the file is larger than %u bytes", CFG_MAX_SIZE);
		return -EINVAL;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		const char *first = text + pos;

		lineno++;
		while (first < text + pos + n && is_blank(*first))
			first++;
		if (first < text + pos + n && *first == '#') {   /* a comment: anything goes */
			pos += n + 1;
			continue;
		}
		if (!split_line(text + pos, n, lineno, &l, err))
			return -EINVAL;
		pos += n + 1;
		if (l.count == 0)
			continue;
		if (!parse_line(&l, lineno, &have_monitor, cfg, err))
			return -EINVAL;
	}
	if (!have_monitor) {
		set_error(err, 0, "no multiboot2 line (which monitor to boot?)");
		return -EINVAL;
	}
	return 0;
}
