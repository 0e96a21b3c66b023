// SPDX-License-Identifier: MIT
/*
 * COM1 driven the way an ordinary 16550 driver drives it (PC16550D data
 * sheet): divisor latch for 115200 baud, 8N1, FIFOs on, a scratch-register
 * presence check, and a poll of LSR.THRE before every byte. The monitor's
 * virtual UART must be enough of a 16550 for exactly this.
 */
#include "tests/guest/guest.h"

#define COM1            0x3f8
#define UART_THR        0       /* DLAB=0 */
#define UART_DLL        0       /* DLAB=1 */
#define UART_IER        1       /* DLAB=0 */
#define UART_DLM        1       /* DLAB=1 */
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_SCR        7

#define LCR_8N1         0x03
#define LCR_DLAB        BIT(7)
#define FCR_ENABLE      BIT(0)
#define FCR_CLEAR_RX    BIT(1)
#define FCR_CLEAR_TX    BIT(2)
#define MCR_DTR         BIT(0)
#define MCR_RTS         BIT(1)
#define MCR_OUT2        BIT(3)
#define LSR_THRE        BIT(5)

#define BAUD_BASE       115200
#define BAUD            115200
#define THRE_SPINS      1000000 /* a stuck LSR must not hang the guest */

static bool uart_ok;

bool uart_init(void)
{
	uint16_t div = BAUD_BASE / BAUD;
	bool ok = true;

	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, div & 0xff);
	outb(COM1 + UART_DLM, div >> 8);
	ok &= inb(COM1 + UART_DLL) == (div & 0xff) && inb(COM1 + UART_DLM) == div >> 8;
	outb(COM1 + UART_LCR, LCR_8N1);
	ok &= inb(COM1 + UART_LCR) == LCR_8N1;
	outb(COM1 + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	outb(COM1 + UART_SCR, 0x5a);
	ok &= inb(COM1 + UART_SCR) == 0x5a;
	outb(COM1 + UART_SCR, 0xa5);
	ok &= inb(COM1 + UART_SCR) == 0xa5;
	uart_ok = ok;
	return ok;
}

static void uart_putc(char c)
{
	unsigned spins = THRE_SPINS;

	while (!(inb(COM1 + UART_LSR) & LSR_THRE) && --spins)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}
