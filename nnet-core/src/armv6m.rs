//! The int8 hidden sums for ARMv6-M (Cortex-M0/M0+, `thumbv6m`: the
//! Raspberry Pi Pico), in hand-written Thumb-1.
//!
//! The portable loop walks the weights pixel by pixel and keeps the `H`
//! accumulators in RAM: on a core with 8 usable registers every
//! multiply-accumulate loads and stores an accumulator, and the compiler spills
//! the loop's pointers around them. Here the loops are turned inside out: a
//! list of the inked pixels (weight-row offset and value) is built once, and
//! [`unit4`] walks it for 4 hidden units at a time with their 4 sums held in
//! registers: per inked pixel one `ldm` of the list entry, then per unit one
//! `ldrsb` of the weight, one `muls` and one `add`. About 22 cycles per pixel
//! for 4 units instead of about 31.
//!
//! The sums are exact integers (see [`crate::quant`], step 3), so the result
//! is the same as every other target's; `scripts/firmware-cost` (variant
//! `m0-int8`) runs this code under QEMU and requires the bits of the M4F build.

use crate::INPUT;

core::arch::global_asm!(
    // nnet_v6m_unit4(list: *const [u32; 2], end: *const [u32; 2], w: *const i8, acc: *mut [i32; 4])
    //   for each entry (off, x) in list..end: acc'[u] += x * w[off + u], u = 0..4;
    //   then acc[u] = acc'[u] (the sums start at 0). AAPCS: r4-r11 saved and restored.
    //   r0 list, r1 offset, r2/r4/r5/r6 weight bases of units 0-3, r3 pixel value,
    //   r7 product, r8-r11 the four sums, r12 list end, lr the result pointer.
    ".section .text.nnet_v6m_unit4,\"ax\",%progbits",
    ".global nnet_v6m_unit4",
    ".type nnet_v6m_unit4,%function",
    ".p2align 2",
    ".thumb_func",
    "nnet_v6m_unit4:",
    "push {{r4-r7, lr}}",
    "mov r4, r8",
    "mov r5, r9",
    "mov r6, r10",
    "mov r7, r11",
    "push {{r4-r7}}",
    "mov r12, r1",
    "mov lr, r3",
    "movs r4, #0",
    "mov r8, r4",
    "mov r9, r4",
    "mov r10, r4",
    "mov r11, r4",
    "cmp r0, r12",
    "beq 3f",
    "adds r4, r2, #1",
    "adds r5, r2, #2",
    "adds r6, r2, #3",
    "2:",
    "ldm r0!, {{r1, r3}}",
    "ldrsb r7, [r2, r1]",
    "muls r7, r3, r7",
    "add r8, r7",
    "ldrsb r7, [r4, r1]",
    "muls r7, r3, r7",
    "add r9, r7",
    "ldrsb r7, [r5, r1]",
    "muls r7, r3, r7",
    "add r10, r7",
    "ldrsb r7, [r6, r1]",
    "muls r7, r3, r7",
    "add r11, r7",
    "cmp r0, r12",
    "bne 2b",
    "3:",
    "mov r3, lr",
    "mov r4, r8",
    "mov r5, r9",
    "mov r6, r10",
    "mov r7, r11",
    "stm r3!, {{r4-r7}}",
    "pop {{r4-r7}}",
    "mov r8, r4",
    "mov r9, r5",
    "mov r10, r6",
    "mov r11, r7",
    "pop {{r4-r7, pc}}",
    ".size nnet_v6m_unit4, . - nnet_v6m_unit4",
);

unsafe extern "C" {
    fn nnet_v6m_unit4(
        list: *const [u32; 2],
        end: *const [u32; 2],
        w: *const i8,
        acc: *mut [i32; 4],
    );
}

/// The exact hidden sums `acc[j] = Σ_i xq[i] · w1q[i][j]`, as
/// [`QuantMlp::hidden_acc_into`](crate::quant::QuantMlp::hidden_acc_into).
pub(crate) fn hidden_acc<const H: usize>(
    w1q: &[[i8; H]; INPUT],
    xq: &[u8; INPUT],
    acc: &mut [i32; H],
) {
    // the inked pixels: (offset of the pixel's weight row, value)
    let mut list = [[0u32; 2]; INPUT];
    let mut n = 0;
    for (i, &x) in xq.iter().enumerate() {
        if x != 0 {
            // i * H < INPUT * H, the length of a slice, so it fits in usize (32 bits here)
            list[n] = [(i * H) as u32, u32::from(x)];
            n += 1;
        }
    }
    let inked = &list[..n];
    let range = inked.as_ptr_range();
    let weights = w1q.as_flattened();
    let (groups, tail) = acc.as_chunks_mut::<4>();
    for (g, sums) in groups.iter_mut().enumerate() {
        // SAFETY: the function reads the entries in `range` (initialised
        // above) and the weight bytes `weights[off + 4g + u]` for u < 4, where
        // `off = i * H` with i < INPUT and 4g + 3 < H, so every index is below
        // INPUT * H = weights.len(); it writes the 4 sums of `sums`. It saves
        // and restores the AAPCS callee-saved registers.
        unsafe { nnet_v6m_unit4(range.start, range.end, weights.as_ptr().add(4 * g), sums) };
    }
    let first = H - tail.len();
    for (u, a) in tail.iter_mut().enumerate() {
        *a = inked
            .iter()
            .map(|&[off, x]| x as i32 * i32::from(weights[off as usize + first + u]))
            .sum();
    }
}
