// SPDX-License-Identifier: MIT
/*
 * Switch the console's 8250 port to polled mode (irq 0): iomon's virtual
 * COM1 raises no interrupt, so Linux's 8250 driver must poll it (it then
 * reads IIR, LSR and RBR on a timer). Works on stdin (the console), where
 * the init is the port's only user, as TIOCSSERIAL requires to change irq.
 */
#include <linux/serial.h>
#include <stdio.h>
#include <sys/ioctl.h>

int main(void)
{
	struct serial_struct ss;

	if (ioctl(0, TIOCGSERIAL, &ss) < 0) {
		perror("ttypoll: TIOCGSERIAL");
		return 1;
	}
	if (ss.irq == 0)
		return 0;
	ss.irq = 0;
	if (ioctl(0, TIOCSSERIAL, &ss) < 0) {
		perror("ttypoll: TIOCSSERIAL");
		return 1;
	}
	return 0;
}
