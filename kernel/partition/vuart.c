// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "kernel/partition/vuart.h"
#include "kernel/log.h"

/* 16550 register offsets and bits (National Semiconductor PC16550D data sheet). */
#define UART_RBR_THR   0
#define UART_IER_DLM   1
#define UART_IIR_FCR   2
#define UART_LCR       3
#define UART_MCR       4
#define UART_LSR       5
#define UART_MSR       6
#define UART_SCR       7
#define LCR_DLAB       0x80
#define LSR_DR         0x01
#define LSR_THRE       0x20
#define LSR_TEMT       0x40
#define IIR_NO_INT     0x01
#define IIR_THRI       0x02        /* transmitter holding register empty */
#define IIR_RDI        0x04        /* received data available */
#define IER_RDI        0x01
#define IER_THRI       0x02
#define IIR_FIFO       0xC0
#define MSR_CTS_DSR_DCD 0xB0

static void default_print(const char *name, const char *line)
{
	log_raw("[%s] %s", name, line);
}

static vuart_print_fn printer = default_print;
static vuart_input_fn input_src;
static vuart_ier_fn hw_ier;

void vuart_set_input(vuart_input_fn fn, vuart_ier_fn ier)
{
	input_src = fn;
	hw_ier = ier;
}

/* The input partition's interrupt enables, on the real UART (see vuart.h). */
static void mirror_ier(const struct vuart *u, bool rearm)
{
	if (!u->input || !hw_ier)
		return;
	if (rearm)
		hw_ier(0);
	hw_ier(u->ier & (IER_RDI | IER_THRI));
}

/* Pull one byte from the console when this UART has the input and none is waiting. */
static bool rx_ready(struct vuart *u)
{
	if (u->input && u->rx < 0 && input_src)
		u->rx = input_src();
	return u->rx >= 0;
}

/* The highest-priority pending condition (PC16550D IIR table), nothing while none. */
static uint8_t iir(struct vuart *u)
{
	if ((u->ier & IER_RDI) && rx_ready(u))
		return IIR_RDI;
	if (u->ier & IER_THRI)
		return IIR_THRI;   /* the transmitter is always empty */
	return IIR_NO_INT;
}

void vuart_set_printer(vuart_print_fn fn)
{
	printer = fn ? fn : default_print;
}

void vuart_init(struct vuart *u, const char *name)
{
	memset(u, 0, sizeof(*u));
	u->name = name;
	u->lcr = 0x03;
	u->tokens = VUART_BURST;
	u->rx = -1;
}

static bool take_token(struct vuart *u, uint64_t now_us)
{
	uint64_t refill = (now_us - u->tokens_us) * VUART_PER_SECOND / 1000000;

	if (refill) {
		u->tokens = (unsigned)MIN((uint64_t)VUART_BURST, u->tokens + refill);
		u->tokens_us = now_us;
	}
	if (!u->tokens)
		return false;
	u->tokens--;
	return true;
}

static void emit_line(struct vuart *u, uint64_t now_us)
{
	u->line[u->len] = '\0';
	u->len = 0;
	if (!take_token(u, now_us)) {
		u->dropped++;
		return;
	}
	if (u->dropped != u->dropped_reported) {
		char note[64];

		snprintf(note, sizeof(note), "(%llu line(s) dropped: console rate limit)",
			 (unsigned long long)(u->dropped - u->dropped_reported));
		u->dropped_reported = u->dropped;
		printer(u->name, note);
	}
	if (!u->lines++)
		u->first_line_us = now_us ? now_us : 1;
	printer(u->name, u->line);
}

static void transmit(struct vuart *u, uint8_t c, uint64_t now_us)
{
	if (c == '\n') {
		emit_line(u, now_us);
		return;
	}
	if (c == '\r')
		return;
	/* Only printable text reaches the console: a guest cannot send escape sequences. */
	u->line[u->len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? (char)c : '?';
	if (u->len == VUART_LINE_MAX)
		emit_line(u, now_us);
}

void vuart_flush(struct vuart *u, uint64_t now_us)
{
	if (u->len)
		emit_line(u, now_us);
}

uint32_t vuart_io(struct vuart *u, unsigned off, bool in, uint32_t value, uint64_t now_us)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v = (uint8_t)value;

	switch (off) {
	case UART_RBR_THR:
		if (dlab) {
			if (!in)
				u->dll = v;
			return u->dll;
		}
		if (!in) {
			transmit(u, v, now_us);
			if (u->ier & IER_THRI)
				mirror_ier(u, true);
			return 0;
		}
		if (rx_ready(u)) {
			v = (uint8_t)u->rx;
			u->rx = -1;
			return v;
		}
		return 0;
	case UART_IER_DLM:
		if (dlab) {
			if (!in)
				u->dlm = v;
			return u->dlm;
		}
		if (!in) {
			u->ier = v & 0x0f;
			mirror_ier(u, false);
		}
		return u->ier;
	case UART_IIR_FCR:
		if (!in)
			u->fcr = v;
		return iir(u) | ((u->fcr & 1) ? IIR_FIFO : 0);
	case UART_LCR:
		if (!in)
			u->lcr = v;
		return u->lcr;
	case UART_MCR:
		if (!in)
			u->mcr = v & 0x1f;
		return u->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (rx_ready(u) ? LSR_DR : 0);
	case UART_MSR:
		return MSR_CTS_DSR_DCD;
	case UART_SCR:
		if (!in)
			u->scr = v;
		return u->scr;
	default:
		return 0xff;
	}
}
