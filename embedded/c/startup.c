/* Startup for the C firmware example on QEMU mps2-an386 (Cortex-M4F):
 * the vector table, and a reset handler that enables the FPU before any
 * floating-point instruction runs (otherwise the first one faults and QEMU
 * locks up), then enters newlib's rdimon start-up code (_start: zeroes .bss,
 * sets up semihosting I/O, calls main, exits through semihosting). */
#include <stdint.h>

extern void _start(void);
extern uint32_t __stack;

void Reset_Handler(void);
void Fault_Handler(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

void Reset_Handler(void)
{
    /* CP10 and CP11: full access. */
    SCB_CPACR |= (0xFu << 20);
    __asm volatile("dsb\n\tisb" ::: "memory");
    _start();
    for (;;) {
    }
}

/* A fault is a failure: report it through semihosting's exit (angel
 * SYS_EXIT, reason "run-time error"), which makes QEMU exit non-zero. */
void Fault_Handler(void)
{
    static const uint32_t reason = 0x20023u; /* ADP_Stopped_RunTimeErrorUnknown */
    register uint32_t op __asm("r0") = 0x18u;  /* SYS_EXIT */
    register const uint32_t *arg __asm("r1") = &reason;
    __asm volatile("bkpt 0xab" : : "r"(op), "r"(arg) : "memory");
    for (;;) {
    }
}

typedef void (*vector)(void);

__attribute__((section(".isr_vector"), used)) static const vector vectors[16] = {
    (vector)(uintptr_t)&__stack, /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMon */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};
