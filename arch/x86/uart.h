/* SPDX-License-Identifier: MIT */
/* 16550 UART, polled: the monitor's console. */
#ifndef IOMON_UART_H
#define IOMON_UART_H

#include "kernel/types.h"

#define UART_COM1 0x3f8

void uart_init(uint16_t port, uint32_t baud);
void uart_write(const char *s, size_t n);
/* A received byte, or -1 when none is waiting (never blocks). */
int uart_getc(void);
/* Which conditions raise the UART's interrupt (the root's COM1 interrupt, see vuart.h). */
void uart_set_ier(uint8_t ier);
/* Wait until every byte written has left the transmitter (before the machine goes away). */
void uart_flush(void);
/* The next byte received, or -1 when none is waiting (never blocks). */
int uart_read_byte(void);

#endif
