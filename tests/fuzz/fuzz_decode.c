/* SPDX-License-Identifier: MIT */
/* Instruction bytes come from guest memory: the decoder must never read past them or crash. */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/decode.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x86_insn in;
	struct vcpu_regs regs;
	uint8_t *copy;

	if (size < 1)
		return 0;
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (x86_decode(copy, size - 1, (enum x86_code_mode)(data[0] % 3), &in) == 0) {
		if (in.len > size - 1 || in.len > X86_INSN_MAX_LEN)
			abort();
		memset(&regs, 0xa5, sizeof(regs));
		if (in.write)
			(void)x86_mmio_write_value(&in, &regs);
		else
			x86_mmio_complete_read(&in, &regs, 0x0123456789abcdefULL);
	}
	free(copy);
	return 0;
}
