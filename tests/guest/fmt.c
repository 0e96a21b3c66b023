// SPDX-License-Identifier: MIT
/*
 * The guest's formatter: enough of C99 printf for TAP lines and diagnostics.
 */
#include "tests/guest/fmt.h"

struct out {
	char *buf;
	size_t size;
	size_t len;     /* characters produced, even past the end of buf */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* One converted field: optional sign, then the digits or string, padded to width. */
static void emit(struct out *o, const char *s, size_t n, bool neg, int width, bool left, bool zero)
{
	int fill = width - (int)n - (neg ? 1 : 0);

	if (!left && !zero)
		pad(o, ' ', fill);
	if (neg)
		put(o, '-');
	if (!left && zero)
		pad(o, '0', fill);
	while (n--)
		put(o, *s++);
	if (left)
		pad(o, ' ', fill);
}

static size_t utoa(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;

	do {
		*--end = digits[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

int gvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char num[24];

	for (; *fmt; fmt++) {
		bool left = false, zero = false, neg = false;
		int width = 0, lng = 0, prec = -1;
		uint64_t v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				zero = true;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		/* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
		if (*fmt == 'h') {
			lng = -1;
			if (*++fmt == 'h') {
				lng = -2;
				fmt++;
			}
		} else if (*fmt == 'l') {
			lng = 1;
			if (*++fmt == 'l') {
				lng = 2;
				fmt++;
			}
		} else if (*fmt == 'z') {
			lng = 3;
			fmt++;
		}
		if (left)
			zero = false;

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t s;
			size_t n;

			if (lng == 2)
				s = va_arg(ap, long long);
			else if (lng == 1 || lng == 3)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng == -2)
				s = (signed char)s;
			neg = s < 0;
			v = neg ? -(uint64_t)s : (uint64_t)s;
			n = utoa(num + sizeof(num), v, 10, false);
			emit(&o, num + sizeof(num) - n, n, neg, width, left, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'p': {
			unsigned base = *fmt == 'u' ? 10 : 16;
			size_t n;

			if (*fmt == 'p') {
				v = (uintptr_t)va_arg(ap, void *);
				put(&o, '0');
				put(&o, 'x');
			} else if (lng == 2) {
				v = va_arg(ap, unsigned long long);
			} else if (lng == 1 || lng == 3) {
				v = va_arg(ap, unsigned long);
			} else {
				v = va_arg(ap, unsigned int);
				if (lng == -1)
					v = (unsigned short)v;
				else if (lng == -2)
					v = (unsigned char)v;
			}
			n = utoa(num + sizeof(num), v, base, *fmt == 'X');
			emit(&o, num + sizeof(num) - n, n, false, width, left, zero);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;

			if (!s)
				s = "(null)";
			while ((prec < 0 || n < (size_t)prec) && s[n])
				n++;
			emit(&o, s, n, false, width, left, false);
			break;
		}
		case 'c':
			num[0] = (char)va_arg(ap, int);
			emit(&o, num, 1, false, width, left, false);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;          /* a lone '%' at the end: stop */
			break;
		default:                /* unknown conversion: print it as is */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int gsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = gvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
