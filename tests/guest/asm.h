/* SPDX-License-Identifier: MIT */
/* Constants shared by the test guest's assembly and C. */
#ifndef IOMON_GUEST_ASM_H
#define IOMON_GUEST_ASM_H

#define GDT_CODE64        0x08
#define GDT_DATA          0x10
#define GUEST_STACK_SIZE  (32 * 1024)

#endif
