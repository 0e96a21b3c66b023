#include <stdint.h>
#define R8(a)  (*(volatile uint8_t *)(a))
#define R16(a) (*(volatile uint16_t *)(a))
#define R32(a) (*(volatile uint32_t *)(a))
#define R64(a) (*(volatile uint64_t *)(a))
volatile uint32_t *gp;
uint8_t  rd8(uintptr_t b)  { return R8(b + 0x10); }
uint16_t rd16(uintptr_t b) { return R16(b + 0x1234); }
uint32_t rd32(uintptr_t b) { return R32(b); }
uint64_t rd64(uintptr_t b) { return R64(b + 8); }
void wr8(uintptr_t b, uint8_t v)   { R8(b + 3) = v; }
void wr16(uintptr_t b, uint16_t v) { R16(b + 0x100) = v; }
void wr32(uintptr_t b, uint32_t v) { R32(b + 0xcfc) = v; }
void wr64(uintptr_t b, uint64_t v) { R64(b) = v; }
void wi8(uintptr_t b)  { R8(b + 7) = 0x5a; }
void wi16(uintptr_t b) { R16(b) = 0xbeef; }
void wi32(uintptr_t b) { R32(b + 0x300) = 0xc4500; }
void wi64(uintptr_t b) { R64(b) = -2; }
uint32_t rdidx(uintptr_t b, unsigned long i) { return R32(b + i * 4); }
uint64_t rdidx8(uintptr_t b, unsigned long i) { return R64(b + i * 8 + 0x40); }
uint32_t rdabs(void) { return R32(0xfee00030); }
void wrabs(uint32_t v) { R32(0xfee00300) = v; }
uint32_t rdglob(void) { return *gp; }
int32_t rdsx8(uintptr_t b) { return (int8_t)R8(b); }
int64_t rdsx16(uintptr_t b) { return (int16_t)R16(b + 2); }
uint64_t rdzx8(uintptr_t b) { return R8(b + 1); }
uint32_t rdzx16(uintptr_t b) { return R16(b + 0x80); }
static volatile uint32_t reg_static;
uint32_t rdrip(void) { return reg_static; }
void wrrip(uint32_t v) { reg_static = v; }
uint64_t many(uintptr_t b) { uint64_t a=R32(b), c=R32(b+4), d=R32(b+8), e=R32(b+12), f=R32(b+16), g=R32(b+20), h=R32(b+24), i=R32(b+28), j=R32(b+32), k=R32(b+36), l=R32(b+40), m=R32(b+44), n=R32(b+48); return a^c^d^e^f^g^h^i^j^k^l^m^n; }
void wrhigh(uintptr_t b, uint32_t v) { R8(b) = (uint8_t)(v >> 8); }
