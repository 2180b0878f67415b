//! Stack high-water mark of one piece of code: [`paint`] fills the free stack
//! below the current stack pointer with a pattern, the code runs, and
//! [`used`] finds the lowest word it overwrote. Both are inlined into the
//! measuring function, so they see its (constant) stack pointer. Thumb-1
//! instructions only, so the same code runs on ARMv6-M (the `thumbv6m` build).
use core::arch::asm;

/// Bytes painted below the stack pointer: far more than one inference needs.
pub const PROBE: usize = 64 * 1024;
/// The paint pattern (cortex-m-rt's `paint-stack` value).
const PAINT: u32 = 0xcccc_cccc;

/// Paints the [`PROBE`] bytes below the stack pointer and returns the stack
/// pointer.
#[inline(always)]
pub fn paint() -> usize {
    let sp: usize;
    // SAFETY: writes only the free stack below sp (nothing lives there: no
    // interrupts are enabled, and RAM is 4 MiB with the stack at its top).
    unsafe {
        asm!(
            "mov {sp}, sp",
            "subs {p}, {sp}, {len}",
            "2:",
            "str {v}, [{p}]",
            "adds {p}, {p}, #4",
            "cmp {p}, {sp}",
            "blo 2b",
            sp = out(reg) sp,
            p = out(reg) _,
            len = in(reg) PROBE,
            v = in(reg) PAINT,
            options(nostack),
        );
    }
    sp
}

/// Bytes below `sp` (from [`paint`], same function) written since the paint.
#[inline(always)]
pub fn used(sp: usize) -> usize {
    let lowest: usize;
    // SAFETY: reads only the painted region [sp - PROBE, sp).
    unsafe {
        asm!(
            "2:",
            "ldr {t}, [{p}]",
            "cmp {t}, {v}",
            "bne 3f",
            "adds {p}, {p}, #4",
            "cmp {p}, {sp}",
            "blo 2b",
            "3:",
            p = inout(reg) sp - PROBE => lowest,
            t = out(reg) _,
            v = in(reg) PAINT,
            sp = in(reg) sp,
            options(nostack, readonly),
        );
    }
    sp - lowest
}
