/* SPDX-License-Identifier: MIT */
#include "arch/x86/uart.h"
#include "arch/x86/io.h"

/* 16550 registers, offsets from the base port. */
#define UART_THR        0       /* transmit holding (DLAB=0) */
#define UART_DLL        0       /* divisor latch low (DLAB=1) */
#define UART_IER        1
#define UART_DLM        1       /* divisor latch high (DLAB=1) */
#define UART_FCR        2
#define  UART_FCR_ENABLE_CLEAR  0x07
#define UART_LCR        3
#define  UART_LCR_8N1   0x03
#define  UART_LCR_DLAB  0x80
#define UART_MCR        4
#define  UART_MCR_DTR_RTS 0x03
#define UART_LSR_DR     0x01
#define UART_RBR        0       /* receive buffer (DLAB=0) */
#define UART_LSR        5
#define  UART_LSR_DR    0x01    /* a received byte is waiting */
#define  UART_LSR_THRE  0x20    /* transmit holding register empty */
#define  UART_LSR_TEMT  0x40    /* transmitter empty: the last byte has left */

#define UART_CLOCK_HZ   115200  /* 1.8432 MHz / 16 */
#define UART_TX_SPINS   100000  /* give up on a dead or absent UART instead of hanging */

static uint16_t port = UART_COM1;

void uart_init(uint16_t base, uint32_t baud)
{
	uint16_t div = (uint16_t)(UART_CLOCK_HZ / (baud ? baud : UART_CLOCK_HZ));

	port = base;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, div & 0xff);
	outb(port + UART_DLM, div >> 8);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, UART_MCR_DTR_RTS);
}

static void uart_putc(char c)
{
	for (unsigned i = 0; i < UART_TX_SPINS; i++)
		if (inb(port + UART_LSR) & UART_LSR_THRE)
			break;
	outb(port + UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void uart_set_ier(uint8_t ier)
{
	outb(port + UART_IER, ier);
}

int uart_getc(void)
{
	if (!(inb(port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}

void uart_flush(void)
{
	for (unsigned i = 0; i < UART_TX_SPINS; i++)
		if (inb(port + UART_LSR) & UART_LSR_TEMT)
			break;
}

int uart_read_byte(void)
{
	if (!(inb(port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}
