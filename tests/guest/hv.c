// SPDX-License-Identifier: MIT
/*
 * The Hyper-V discovery surface as a guest finds it (TLFS "Feature and
 * Interface Discovery" and "Hypercall Interface"): the hypervisor-present
 * bit, leaves 0x40000000-0x40000003, GUEST_OS_ID then HYPERCALL to enable
 * the hypercall page, HvCallGetPartitionId through it, VP_INDEX, and #GP on
 * an unknown synthetic MSR. Each function is one TAP test. Every MSR access
 * and the call into the page are fault-safe, so on a machine without the
 * interface the tests fail one by one instead of crashing the guest.
 */
#include "tests/guest/guest.h"
#include "tests/guest/fmt.h"

#define CPUID_1_ECX_HYPERVISOR     BIT(31)
#define HV_CPUID_VENDOR            0x40000000
#define HV_CPUID_INTERFACE         0x40000001
#define HV_CPUID_FEATURES          0x40000003
#define HV_CPUID_MIN_MAX_LEAF      0x40000005
#define HV_INTERFACE_HV1           0x31237648      /* "Hv#1" */

/* Leaf 0x40000003 EAX: partition privileges 31:0; EBX: 63:32 (bit n here = bit 32+n). */
#define HV_ACCESS_HYPERCALL_MSRS   BIT(5)          /* GUEST_OS_ID and HYPERCALL */
#define HV_ACCESS_VP_INDEX         BIT(6)
#define HV_CREATE_PARTITIONS       BIT(0)          /* EBX */
#define HV_ACCESS_MEMORY_POOL      BIT(2)          /* EBX */
#define HV_CPU_MANAGEMENT          BIT(12)         /* EBX */

#define HV_MSR_GUEST_OS_ID         0x40000000
#define HV_MSR_HYPERCALL           0x40000001
#define HV_MSR_VP_INDEX            0x40000002
#define HV_MSR_UNKNOWN             0x400000ff      /* no such synthetic MSR */
#define HV_HYPERCALL_ENABLE        BIT(0)
#define HV_HYPERCALL_GPFN          GENMASK(63, 12)

/* Linux's open-source guest OS id: vendor 0x8100 in 63:48, kernel 6.12.0 in 47:16. */
#define HV_GUEST_OS_ID_LINUX       ((0x8100ULL << 48) | (0x060c00ULL << 16))

#define HVCALL_GET_PARTITION_ID    0x0046
#define HVCALL_UNKNOWN             0x7fff          /* below the extended range, never assigned */
#define HV_RESULT_STATUS           GENMASK(15, 0)
#define HV_STATUS_SUCCESS          0
#define HV_STATUS_INVALID_HYPERCALL_CODE 2

#define FAIL(...) do { gsnprintf(why, n, __VA_ARGS__); return false; } while (0)

static uint8_t hypercall_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint64_t hypercall_out[PAGE_SIZE / 8] __aligned(PAGE_SIZE);
static bool page_usable;

static bool cpu_is_amd(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	/* "AuthenticAMD" / "HygonGenuine": EBX "Auth" / "Hygo" */
	return r[1] == 0x68747541 || r[1] == 0x6f677948;
}

bool hv_test_present(const struct guest_ctx *c, char *why, size_t n)
{
	uint32_t r[4];

	(void)c;
	cpuid(1, 0, r);
	if (!(r[2] & CPUID_1_ECX_HYPERVISOR))
		FAIL("CPUID.1:ECX[31] is clear");
	return true;
}

bool hv_test_vendor(const struct guest_ctx *c, char *why, size_t n)
{
	char vendor[13];
	uint32_t r[4];
	unsigned i;

	(void)c;
	cpuid(HV_CPUID_VENDOR, 0, r);
	for (i = 0; i < 12; i++)
		vendor[i] = (char)(r[1 + i / 4] >> (8 * (i % 4)));
	vendor[12] = '\0';
	for (i = 0; i < 12; i++)
		if (vendor[i] < 0x20 || vendor[i] > 0x7e)
			vendor[i] = '?';
	if (r[0] < HV_CPUID_MIN_MAX_LEAF || r[1] != 0x7263694d || r[2] != 0x666f736f ||
	    r[3] != 0x76482074)
		FAIL("max leaf 0x%x vendor '%s'", r[0], vendor);
	gsnprintf(why, n, "max leaf 0x%x", r[0]);
	return true;
}

bool hv_test_interface(const struct guest_ctx *c, char *why, size_t n)
{
	uint32_t r[4];

	(void)c;
	cpuid(HV_CPUID_INTERFACE, 0, r);
	if (r[0] != HV_INTERFACE_HV1)
		FAIL("EAX 0x%x", r[0]);
	return true;
}

bool hv_test_msr_access(const struct guest_ctx *c, char *why, size_t n)
{
	uint32_t r[4];

	(void)c;
	cpuid(HV_CPUID_FEATURES, 0, r);
	if ((r[0] & (HV_ACCESS_HYPERCALL_MSRS | HV_ACCESS_VP_INDEX)) !=
	    (HV_ACCESS_HYPERCALL_MSRS | HV_ACCESS_VP_INDEX))
		FAIL("EAX 0x%x", r[0]);
	return true;
}

bool hv_test_privileges(const struct guest_ctx *c, char *why, size_t n)
{
	uint32_t want = HV_CREATE_PARTITIONS | HV_ACCESS_MEMORY_POOL;
	uint32_t r[4];

	cpuid(HV_CPUID_FEATURES, 0, r);
	if (r[1] & HV_CPU_MANAGEMENT)
		FAIL("EBX 0x%x has CpuManagement (bit 12)", r[1]);
	if (c->opts.role == ROLE_ROOT && (r[1] & want) != want)
		FAIL("EBX 0x%x: the root lacks CreatePartitions (bit 0) or AccessMemoryPool (bit 2)", r[1]);
	if (c->opts.role == ROLE_CHILD && (r[1] & want))
		FAIL("EBX 0x%x: a child has CreatePartitions (bit 0) or AccessMemoryPool (bit 2)", r[1]);
	gsnprintf(why, n, "EBX 0x%x", r[1]);
	return true;
}

bool hv_test_hypercall_refused(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t os_id = 0, hc = 0;
	int err;

	(void)c;
	err = rdmsr_safe(HV_MSR_GUEST_OS_ID, &os_id);
	if (err)
		FAIL("rdmsr GUEST_OS_ID faulted (vector %d)", err & 0xff);
	if (os_id)
		FAIL("GUEST_OS_ID is already 0x%llx", (unsigned long long)os_id);
	err = wrmsr_safe(HV_MSR_HYPERCALL, (uintptr_t)hypercall_page | HV_HYPERCALL_ENABLE);
	if (err)
		FAIL("wrmsr HYPERCALL faulted (vector %d)", err & 0xff);
	err = rdmsr_safe(HV_MSR_HYPERCALL, &hc);
	if (err)
		FAIL("rdmsr HYPERCALL faulted (vector %d)", err & 0xff);
	if (hc & HV_HYPERCALL_ENABLE)
		FAIL("HYPERCALL reads 0x%llx: enabled with GUEST_OS_ID 0", (unsigned long long)hc);
	return true;
}

bool hv_test_hypercall_enable(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t gpa = (uintptr_t)hypercall_page;
	uint64_t v = 0;
	int err;

	(void)c;
	err = wrmsr_safe(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_LINUX);
	if (err)
		FAIL("wrmsr GUEST_OS_ID faulted (vector %d)", err & 0xff);
	err = rdmsr_safe(HV_MSR_GUEST_OS_ID, &v);
	if (err || v != HV_GUEST_OS_ID_LINUX)
		FAIL("GUEST_OS_ID reads 0x%llx (fault %d)", (unsigned long long)v, err & 0xff);
	err = wrmsr_safe(HV_MSR_HYPERCALL, gpa | HV_HYPERCALL_ENABLE);
	if (err)
		FAIL("wrmsr HYPERCALL faulted (vector %d)", err & 0xff);
	err = rdmsr_safe(HV_MSR_HYPERCALL, &v);
	if (err)
		FAIL("rdmsr HYPERCALL faulted (vector %d)", err & 0xff);
	if (!(v & HV_HYPERCALL_ENABLE) || (v & HV_HYPERCALL_GPFN) != gpa)
		FAIL("HYPERCALL reads 0x%llx, wrote 0x%llx", (unsigned long long)v,
		     (unsigned long long)(gpa | HV_HYPERCALL_ENABLE));
	gsnprintf(why, n, "page at GPA 0x%llx", (unsigned long long)gpa);
	return true;
}

bool hv_test_page_content(const struct guest_ctx *c, char *why, size_t n)
{
	const volatile uint8_t *p = hypercall_page;
	bool amd = cpu_is_amd();
	uint8_t want = amd ? 0xd9 : 0xc1;     /* VMMCALL 0f 01 d9, VMCALL 0f 01 c1 */

	(void)c;
	if (p[0] != 0x0f || p[1] != 0x01 || p[2] != want || p[3] != 0xc3)
		FAIL("page starts %02x %02x %02x %02x, expected 0f 01 %02x c3 (%s)", p[0], p[1], p[2],
		     p[3], want, amd ? "VMMCALL on AMD" : "VMCALL on Intel");
	page_usable = true;
	gsnprintf(why, n, "%s; ret", amd ? "vmmcall" : "vmcall");
	return true;
}

static bool call(uint64_t control, uint64_t in, uint64_t out, uint64_t *result, char *why, size_t n)
{
	if (!page_usable)
		FAIL("no usable hypercall page, not calling");
	trap_expect_hypercall(hypercall_page, true);
	*result = hv_call_page(hypercall_page, control, in, out);
	trap_expect_hypercall(NULL, false);
	if (*result & BIT(63))
		FAIL("the hypercall page faulted (vector %llu)", (unsigned long long)(*result & 0xff));
	return true;
}

uint64_t hv_issue(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	uint64_t result;

	if (!page_usable)
		return HV_CALL_NO_PAGE;
	trap_expect_hypercall(hypercall_page, true);
	result = hv_call_page(hypercall_page, control, in_gpa, out_gpa);
	trap_expect_hypercall(NULL, false);
	return result;
}

bool hv_test_partition_id(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t result;

	hypercall_out[0] = 0xdeadbeefdeadbeefULL;
	if (!call(HVCALL_GET_PARTITION_ID, 0, (uintptr_t)hypercall_out, &result, why, n))
		return false;
	if (FIELD_GET(HV_RESULT_STATUS, result) != HV_STATUS_SUCCESS)
		FAIL("result 0x%llx", (unsigned long long)result);
	if (c->opts.has_partid && hypercall_out[0] != c->opts.partid)
		FAIL("partition id %llu, expected %llu", (unsigned long long)hypercall_out[0],
		     (unsigned long long)c->opts.partid);
	gsnprintf(why, n, "partition id %llu", (unsigned long long)hypercall_out[0]);
	return true;
}

bool hv_test_unknown_call(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t result;

	(void)c;
	if (!call(HVCALL_UNKNOWN, 0, 0, &result, why, n))
		return false;
	if (FIELD_GET(HV_RESULT_STATUS, result) != HV_STATUS_INVALID_HYPERCALL_CODE)
		FAIL("result 0x%llx", (unsigned long long)result);
	return true;
}

bool hv_test_vp_index(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t v;
	int err = rdmsr_safe(HV_MSR_VP_INDEX, &v);

	if (err)
		FAIL("rdmsr VP_INDEX faulted (vector %d)", err & 0xff);
	if (v != c->opts.vp)
		FAIL("VP_INDEX %llu, expected %u", (unsigned long long)v, c->opts.vp);
	return true;
}

bool hv_test_unknown_msr(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t v = 0;
	int err = rdmsr_safe(HV_MSR_UNKNOWN, &v);

	(void)c;
	if (err == 0)
		FAIL("rdmsr 0x%x returned 0x%llx", HV_MSR_UNKNOWN, (unsigned long long)v);
	if (err != SAFE_FAULT(VEC_GP))
		FAIL("rdmsr 0x%x raised vector %d, not #GP", HV_MSR_UNKNOWN, err & 0xff);
	return true;
}

/*
 * DEPOSIT_MEMORY then WITHDRAW_MEMORY of 64 pages of this guest's own RAM:
 * while deposited a page is not the caller's RAM for the monitor (an output
 * there is refused); WITHDRAW gives them all back (NO_RESOURCES once the
 * pool is empty, reps completed = pages returned) and they are RAM again.
 * A child may not deposit to the root.
 */
#define HVCALL_DEPOSIT_MEMORY      0x0048
#define HVCALL_WITHDRAW_MEMORY     0x0049
#define HV_PARTITION_ID_SELF       (~0ULL)
#define HV_STATUS_INVALID_ALIGNMENT 4
#define HV_STATUS_ACCESS_DENIED    6
#define HV_STATUS_NO_RESOURCES     0x1d
#define HV_RESULT_REPS(r)          (((r) >> 32) & 0xfff)
#define DEPOSIT_PAGES              64

static uint8_t deposit_pages[DEPOSIT_PAGES][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint64_t deposit_in[PAGE_SIZE / 8] __aligned(PAGE_SIZE);

bool hv_test_deposit(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t result, seen = 0;

	deposit_in[0] = HV_PARTITION_ID_SELF;
	for (unsigned i = 0; i < DEPOSIT_PAGES; i++)
		deposit_in[1 + i] = (uintptr_t)deposit_pages[i] >> 12;
	if (!call(HVCALL_DEPOSIT_MEMORY | (uint64_t)DEPOSIT_PAGES << 32, (uintptr_t)deposit_in, 0, &result, why, n))
		return false;
	if (FIELD_GET(HV_RESULT_STATUS, result) != HV_STATUS_SUCCESS || HV_RESULT_REPS(result) != DEPOSIT_PAGES)
		FAIL("deposit: result 0x%llx", (unsigned long long)result);
	if (!call(HVCALL_GET_PARTITION_ID, 0, (uintptr_t)deposit_pages[3], &result, why, n))
		return false;
	if (FIELD_GET(HV_RESULT_STATUS, result) != HV_STATUS_INVALID_ALIGNMENT)
		FAIL("output into a deposited page: result 0x%llx", (unsigned long long)result);
	deposit_in[1] = 0;
	if (!call(HVCALL_WITHDRAW_MEMORY | 100ULL << 32, (uintptr_t)deposit_in, (uintptr_t)hypercall_out, &result,
		  why, n))
		return false;
	if (FIELD_GET(HV_RESULT_STATUS, result) != HV_STATUS_NO_RESOURCES || HV_RESULT_REPS(result) != DEPOSIT_PAGES)
		FAIL("withdraw: result 0x%llx", (unsigned long long)result);
	for (unsigned i = 0; i < DEPOSIT_PAGES; i++) {
		uint64_t k = hypercall_out[i] - ((uintptr_t)deposit_pages[0] >> 12);

		if (k >= DEPOSIT_PAGES || (seen & BIT(k)))
			FAIL("withdraw: PFN 0x%llx unexpected", (unsigned long long)hypercall_out[i]);
		seen |= BIT(k);
	}
	for (unsigned i = 0; i < DEPOSIT_PAGES; i++) {
		deposit_pages[i][i] = (uint8_t)(i + 1);
		if (((volatile uint8_t *)deposit_pages[i])[i] != i + 1)
			FAIL("page %u not RAM after the withdraw", i);
	}
	if ((c->opts.role == ROLE_CHILD)) {
		deposit_in[0] = 1;
		deposit_in[1] = (uintptr_t)deposit_pages[0] >> 12;
		if (!call(HVCALL_DEPOSIT_MEMORY | 1ULL << 32, (uintptr_t)deposit_in, 0, &result, why, n))
			return false;
		if (FIELD_GET(HV_RESULT_STATUS, result) != HV_STATUS_ACCESS_DENIED || HV_RESULT_REPS(result))
			FAIL("child deposit to the root: result 0x%llx", (unsigned long long)result);
	}
	gsnprintf(why, n, "%u pages deposited and withdrawn%s", DEPOSIT_PAGES,
		  (c->opts.role == ROLE_CHILD) ? "; to the root: ACCESS_DENIED" : "");
	return true;
}
