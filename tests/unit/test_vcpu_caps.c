/* SPDX-License-Identifier: MIT */
/*
 * The vcpu backend decision (arch/x86/vcpu_caps.c) against fake CPUs: the
 * VMX capability MSRs Bochs' corei7_skylake_x reports, QEMU's SVM CPUs, and
 * each of them with one capability taken away. The fake raises "#GP" (fails
 * the test) when an MSR the fake CPU does not implement is read.
 */
#include <string.h>

#include "tests/unit/harness.h"
#include "arch/x86/vcpu_caps.h"
#include "arch/x86/vmx/vmcs.h"

#define MAX_MSRS 16

struct fake_cpu {
	uint32_t max_ext, ecx_1, ecx_80000001, edx_8000000a;
	struct { uint32_t index; uint64_t value; } msr[MAX_MSRS];
	unsigned nmsr;
	uint32_t reads[64];
	unsigned nreads;
	bool gp;   /* an unimplemented MSR was read */
};

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t r[4])
{
	struct fake_cpu *c = ctx;

	if (leaf == 1)
		r[2] = c->ecx_1;
	else if (leaf == 0x80000000)
		r[0] = c->max_ext;
	else if (leaf == 0x80000001 && c->max_ext >= leaf)
		r[2] = c->ecx_80000001;
	else if (leaf == 0x8000000a && c->max_ext >= leaf)
		r[3] = c->edx_8000000a;
}

static uint64_t fake_rdmsr(void *ctx, uint32_t index)
{
	struct fake_cpu *c = ctx;

	if (c->nreads < ARRAY_SIZE(c->reads))
		c->reads[c->nreads++] = index;
	for (unsigned i = 0; i < c->nmsr; i++)
		if (c->msr[i].index == index)
			return c->msr[i].value;
	c->gp = true;
	return 0;
}

static void set_msr(struct fake_cpu *c, uint32_t index, uint64_t value)
{
	for (unsigned i = 0; i < c->nmsr; i++) {
		if (c->msr[i].index == index) {
			c->msr[i].value = value;
			return;
		}
	}
	assert_true(c->nmsr < MAX_MSRS);
	c->msr[c->nmsr].index = index;
	c->msr[c->nmsr++].value = value;
}

static void drop_msr(struct fake_cpu *c, uint32_t index)
{
	for (unsigned i = 0; i < c->nmsr; i++)
		if (c->msr[i].index == index)
			c->msr[i] = c->msr[--c->nmsr];
}

static bool was_read(const struct fake_cpu *c, uint32_t index)
{
	for (unsigned i = 0; i < c->nreads; i++)
		if (c->reads[i] == index)
			return true;
	return false;
}

/* Bochs 2.7, cpu model corei7_skylake_x (the first four values as Bochs reports them). */
static void bochs_skylake(struct fake_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->max_ext = 0x80000008;
	c->ecx_1 = CPUID_1_ECX_VMX;
	set_msr(c, MSR_IA32_FEATURE_CONTROL, 0x5);
	set_msr(c, MSR_IA32_VMX_BASIC, 0xd810000000002bULL);
	set_msr(c, MSR_IA32_VMX_PROCBASED_CTLS2, 0x2177fff00000000ULL);
	set_msr(c, MSR_IA32_VMX_EPT_VPID_CAP, 0xf0106334141ULL);
	set_msr(c, MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x0000007f00000016ULL);
	set_msr(c, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0xfff9fffe04006172ULL);
	set_msr(c, MSR_IA32_VMX_TRUE_EXIT_CTLS, 0x01ffffff00036dfbULL);
	set_msr(c, MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x0003ffff000011fbULL);
}

/* QEMU 7.2 TCG, -cpu max: SVM with NPT (8000_000A EDX 0x10010001). */
static void qemu_max(struct fake_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->max_ext = 0x80000021;
	c->ecx_80000001 = CPUID_80000001_ECX_SVM;
	c->edx_8000000a = 0x10010001;
	set_msr(c, MSR_VM_CR, 0);
}

static struct vcpu_caps decide(struct fake_cpu *c)
{
	const struct vcpu_caps_hw hw = { fake_cpuid, fake_rdmsr, c };
	struct vcpu_caps caps;

	vcpu_caps_decide(&hw, &caps);
	assert_false(c->gp);
	return caps;
}

static void expect_missing(struct fake_cpu *c, const char *needle)
{
	struct vcpu_caps caps = decide(c);

	assert_int_equal(caps.kind, VCPU_BACKEND_NONE);
	assert_non_null(caps.missing);
	if (!strstr(caps.missing, needle))
		fail_msg("missing '%s', expected it to name '%s'", caps.missing, needle);
	assert_false(caps.lock_feature_control);
}

static void test_bochs_vmx(void **state)
{
	struct fake_cpu c;
	struct vcpu_caps caps;

	(void)state;
	bochs_skylake(&c);
	caps = decide(&c);
	assert_int_equal(caps.kind, VCPU_BACKEND_VMX);
	assert_null(caps.missing);
	assert_false(caps.lock_feature_control);
	assert_true(caps.vpid);
	assert_true(caps.invept_single);
}

static void test_feature_control(void **state)
{
	struct fake_cpu c;
	struct vcpu_caps caps;

	(void)state;
	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_FEATURE_CONTROL, 0);      /* unlocked: the monitor locks it */
	caps = decide(&c);
	assert_int_equal(caps.kind, VCPU_BACKEND_VMX);
	assert_true(caps.lock_feature_control);

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCK);   /* locked, VMX off */
	expect_missing(&c, "IA32_FEATURE_CONTROL locked with VMX off");
	assert_false(was_read(&c, MSR_IA32_VMX_BASIC));
}

static void test_vmx_basic(void **state)
{
	struct fake_cpu c;

	(void)state;
	bochs_skylake(&c);
	drop_msr(&c, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
	drop_msr(&c, MSR_IA32_VMX_TRUE_EXIT_CTLS);
	drop_msr(&c, MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	set_msr(&c, MSR_IA32_VMX_BASIC, 0xd810000000002bULL & ~VMX_BASIC_TRUE_CTLS);
	expect_missing(&c, "true controls");     /* and no TRUE_* MSR read (the fake would #GP) */

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_BASIC, (0xd810000000002bULL & ~VMX_BASIC_MEMTYPE));   /* UC */
	expect_missing(&c, "VMCS write-back");

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_BASIC, 0xd810000000002bULL | VMX_BASIC_PA_32BIT);
	expect_missing(&c, "above 4 GiB");
}

static void test_vmx_controls(void **state)
{
	struct fake_cpu c;

	(void)state;
	bochs_skylake(&c);
	drop_msr(&c, MSR_IA32_VMX_PROCBASED_CTLS2);
	drop_msr(&c, MSR_IA32_VMX_EPT_VPID_CAP);
	set_msr(&c, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0x7ff9fffe04006172ULL);   /* no secondary */
	expect_missing(&c, "secondary");

	bochs_skylake(&c);
	drop_msr(&c, MSR_IA32_VMX_EPT_VPID_CAP);
	set_msr(&c, MSR_IA32_VMX_PROCBASED_CTLS2, 0x2177fff00000000ULL & ~(PROC2_ENABLE_EPT << 32));
	expect_missing(&c, "EPT");

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_PROCBASED_CTLS2,
		0x2177fff00000000ULL & ~(PROC2_UNRESTRICTED_GUEST << 32));
	expect_missing(&c, "unrestricted guest");

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_TRUE_EXIT_CTLS, 0x01ffffff00036dfbULL & ~(EXIT_LOAD_IA32_EFER << 32));
	expect_missing(&c, "exit controls");

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0x0003ffff000011fbULL & ~(ENTRY_IA32E_MODE_GUEST << 32));
	expect_missing(&c, "entry controls");
}

static void test_vmx_ept(void **state)
{
	struct fake_cpu c;
	struct vcpu_caps caps;

	(void)state;
	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_EPT_VPID_CAP, 0xf0106334141ULL & ~EPT_CAP_WALK_4);
	expect_missing(&c, "4-level");

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_EPT_VPID_CAP, 0xf0106334141ULL & ~EPT_CAP_MEMTYPE_WB);
	expect_missing(&c, "EPT write-back");

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_EPT_VPID_CAP, 0xf0106334141ULL & ~EPT_CAP_INVEPT);
	expect_missing(&c, "INVEPT");

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_EPT_VPID_CAP,
		0xf0106334141ULL & ~(EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL));
	expect_missing(&c, "INVEPT");

	/* Optional: all-contexts INVEPT only, and no VPID. */
	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_EPT_VPID_CAP, 0xf0106334141ULL & ~(EPT_CAP_INVEPT_SINGLE | VPID_CAP_INVVPID));
	caps = decide(&c);
	assert_int_equal(caps.kind, VCPU_BACKEND_VMX);
	assert_false(caps.invept_single);
	assert_false(caps.vpid);

	bochs_skylake(&c);
	set_msr(&c, MSR_IA32_VMX_PROCBASED_CTLS2, 0x2177fff00000000ULL & ~(PROC2_ENABLE_VPID << 32));
	caps = decide(&c);
	assert_int_equal(caps.kind, VCPU_BACKEND_VMX);
	assert_false(caps.vpid);
}

static void test_svm(void **state)
{
	struct fake_cpu c;
	struct vcpu_caps caps;

	(void)state;
	qemu_max(&c);
	caps = decide(&c);
	assert_int_equal(caps.kind, VCPU_BACKEND_SVM);
	assert_null(caps.missing);
	assert_false(caps.lock_feature_control);

	qemu_max(&c);
	c.edx_8000000a = 0;          /* QEMU's default qemu64: SVM without NPT */
	expect_missing(&c, "nested paging");

	qemu_max(&c);
	set_msr(&c, MSR_VM_CR, VM_CR_SVMDIS);
	expect_missing(&c, "SVMDIS");

	qemu_max(&c);
	c.max_ext = 0x80000008;
	expect_missing(&c, "8000_000A");
	assert_int_equal(c.nreads, 0);
}

static void test_neither(void **state)
{
	struct fake_cpu c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.max_ext = 0x80000008;
	expect_missing(&c, "neither SVM nor VMX");
	assert_int_equal(c.nreads, 0);   /* no MSR touched on a CPU without either */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_vmx),
		cmocka_unit_test(test_feature_control),
		cmocka_unit_test(test_vmx_basic),
		cmocka_unit_test(test_vmx_controls),
		cmocka_unit_test(test_vmx_ept),
		cmocka_unit_test(test_svm),
		cmocka_unit_test(test_neither),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
