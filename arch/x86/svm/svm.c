// SPDX-License-Identifier: MIT
/* AMD SVM with nested paging: the vcpu backend (work in progress). */
#include "arch/x86/vcpu.h"

const struct vcpu_ops svm_vcpu_ops = {
	.name = "SVM",
};
