#!/usr/bin/env python3
"""Runs the STM32F429I-DISC1 board binary (the ELF a user flashes) in an emulator.

The Cortex-M4F core is unicorn's (PyPI `unicorn`); the parts of the board the
binary talks to are small models here, just enough to behave like the board:

* RCC and PWR: every oscillator, PLL and regulator is ready as soon as it is
  switched on (with --no-hse the HSE crystal never is: the firmware must run
  on the HSI, at a core clock that stays at most 180 MHz with the HSI 4.5%
  fast); the system clock switch follows its request. PWR's registers take no
  write while its clock (RCC_APB1ENR.PWREN) is off. A core clock faster than
  the flash wait states allow (FLASH_ACR, one per 30 MHz started at 3 V), or
  above 168 MHz without the regulator's over-drive (PWR_CR's ODEN and ODSWEN),
  fails the run.
* GPIOA..K: BSRR and ODR drive the pins; IDR reads what a pin is driven to
  (inputs read high, as the DISC1's pull-ups make the I2C lines; with
  --stuck-scl, SCL reads low for a while, as when a device holds the bus).
* SPI5: the gyroscope answers WHO_AM_I with 0xD4 (an L3GD20: a revision B/C
  board) or what --gyro gives (0xD3: an I3G4250D, revisions D/E, whose touch
  panel's Y axis is mirrored; another value: a part the firmware does not
  know, which then assumes D/E) while its chip select (PC1) is low; the ILI9341's bytes, sent while
  its chip select (PC2) is low, are commands or parameters by its D/C line
  (PD13), and are kept for the display check below.
* I2C3 with an STMPE811 at 0x41: the peripheral's START/address/data/STOP
  flags as stm32f4xx-hal polls them, the controller's registers, and a touch
  script (screen points per poll, see --sim) fed through its FIFO. With
  --stall-at-lift the controller stops converting as the drawing's pen lifts:
  it reads as touched with an empty FIFO until a soft reset (SYS_CTRL1); with
  --linger-at-lift N it reads so for N polls and then as released (a touch
  detect that lingers after a lift; --linger-at-teach N: after the correction's
  last tap). With --reset-touch-at-poll N it resets itself at that poll, as a
  discharge through the panel may make it: its registers take their reset
  values, and it senses nothing until it is set up again (with
  --reset-touch-for-ms MS it is held in reset that long: set-ups meanwhile are lost).
* FLASH: the KEYR unlock sequence, LOCK, sector erase (SER/SNB/STRT, bank 2
  numbering) and programming (PG) on the flash image; programming bits that
  are not erased, a write whose width is not the parallelism PSIZE sets,
  writing flash without PG, or an erase or a write with the data cache on
  (FLASH_ACR.DCEN; ST's erratum in ES0206, "Data cache might be corrupted
  during Flash memory read-while-write operation"), fails the run. Each takes
  the datasheet's longest
  time: a 16 KiB sector erase 800, 600 or 500 ms (x8, x16, x32 parallelism),
  a write 100 us. FLASH_SR's error flags stay set until written with 1, as
  on the chip; --flash-sr starts with flags set, as a debugger's failed
  programming can leave them. With --flash-stuck-busy the first erase or write
  never ends (nothing is erased or written); with --flash-busy-ms MS it is done
  at once but BSY stays set for MS ms. Meanwhile each look at
  FLASH_SR takes 10 us of emulated time (a stand-in for the polling loop's
  instructions, which take no time here), so that a driver's timeout on the
  cycle counter expires. A write to FLASH_CR while BSY is set fails the run: on
  the chip it stalls the bus until BSY clears (RM0090 3.5.1), for a stuck
  interface for ever, and the watchdog would restart the board. Once the slow
  operation has ended the firmware must lock FLASH_CR again and switch the data
  cache back on (checked at the run's end with --flash-busy-ms); --max-busy-ms
  limits the time spent looking at a busy FLASH_SR. A read of bank 2 stalls the same
  way on the chip (the f32 build's read-only data past 1 MiB lie there: the
  model's last weights, log strings); here it does not. So on the chip an f32
  build that gives up on an operation waits at its next such read until the
  operation ends, and one that lasts past the watchdog's shortest timeout after
  the feed at the give-up (1.4 s) restarts the board.
* LTDC: registers that keep what is written; a shadow reload (SRCR) is done
  at once, and layer registers written after the last reload do not count.
* SysTick: COUNTFLAG is always set, so a wait ends at its first look; when
  the counter is then switched off, the emulated clock moves on by the period
  the wait asked for (its reload value, at the core clock that RCC's PLL
  set-up gives, or an eighth of it).
* DWT: CYCCNT counts the emulated clock's core cycles while DEMCR's TRCENA
  and DWT_CTRL's CYCCNTENA are set.
* IWDG, DMA2D, SCB, DBGMCU: registers that keep what is written (IWDG_PR and
  IWDG_RLR only after the key 0x5555, as on the chip: without it the watchdog
  keeps its reset timeout, 350 ms at the LSI's fastest); the peripherals'
  bit-band alias sets and clears single bits of them.
* The defmt log's RTT channel (the `_SEGGER_RTT` control block in SRAM): no host
  reads it, so it fills. With --rtt-block-at-teach, as the correction's pen lifts
  (--rtt-block-at-forget: as the held Clear of --hold-clear is let go), its
  up channel is switched to block-if-full, as `probe-rs run` sets it, and left full,
  as a host that no longer reads leaves it (a probe-rs that hangs or is killed): the
  next log line waits for ever, and the run ends there (a hundred thousand looks at
  the channel's read offset), with what the flash holds by then.

The display check, after every run, holds the set-up to the panel's needs as
ST's board support package (32f429idiscovery-bsp, BSP_LCD_Init and
ili9341_Init) meets them: the LTDC's clock and the 22 pins of the board's
RGB666 wiring in their alternate functions; its timings (sync 10/2, back
porch 20/2, 240x320 active, front porch 10/4); sync, data-enable and clock
polarities that agree with the ILI9341's RGB interface set-up (command 0xB0,
DE mode), which must also select the RGB interface (0xF6), address all
240x320 pixels and end with sleep out and display on; a pixel clock from
PLLSAI within its VCO's limits, at most the panel's 10 MHz and at least 50
frames a second; and layer 1 enabled, opaque, 240x320 RGB565 over the whole
active area, from a framebuffer in SRAM. The screen printed is what layer 1
scans from that address.

The timing check holds the emulated clock (delays and flash operations; the
instructions in between take no time) to what the parts need: 5 ms from the
start to the ILI9341's first command and 120 ms to its sleep out (its reset
cancel times, asleep and awake) and 5 ms from its sleep out to its next command, the touch polled no more often than
every 10 ms (the app's gesture thresholds count polls), and no stretch
without a watchdog feed as long as the watchdog's shortest timeout (its
reload and prescaler at the LSI's fastest, 47 kHz).

A wait that never ends fails the run at once: one peripheral register read a
million times in a row, with no other peripheral access in between (a flag
polled for ever; the firmware's bounded waits read a timer too, or stop
sooner), or two million peripheral reads with no write and no emulated time
passing (a flag polled against the cycle counter, which here moves only with
delays and flash operations: a bounded wait that would end on the chip, but
not here, where its flag never changes).

A poll is one read of the STMPE811's TSC_CTRL register (the main loop reads it
once per 10 ms tick). The touch script is --idle untouched polls, the drawing of
--sim (then its correction with --teach, a held Clear with --hold-clear, a held
Clear and the drawing again with --forget), and --idle untouched polls. The run stops at the script's last poll
and prints what the screen shows (the framebuffer in SRAM that the LTDC scans)
as the FNV-1a 64 hash the UI goldens use (firmware/tests/data/ui-golden.txt),
the flash sectors erased, the bytes programmed and the stack's depth (CCM is
painted before the start), after a line each on the display set-up and the
timing. Exit status: 0, or 1 with the reason (a wrong frame, a flash rule
broken, a display set-up the panel cannot use, a wait too short, a watchdog
that may fire, an emulator fault such as a stack overflow, a hang: fewer
polls than the script within the instruction budget).

With --cannot-start the run plays no script: the firmware must stop at start-up
(--flip-flash-byte damages the program's flash first, say a byte of the
embedded model) without polling the touch or starting the watchdog, and show
why on the screen (--expect-hash: the UI goldens' frame of that notice).
"""
import argparse
import math
import json
import struct
import sys
import zlib

from elftools.elf.elffile import ELFFile
from unicorn import UC_ARCH_ARM, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MEM_WRITE, UC_MODE_MCLASS, UC_MODE_THUMB, Uc, UcError
from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_SP, UC_CPU_ARM_CORTEX_M4

FLASH = 0x0800_0000
FLASH_SIZE = 2 << 20
FLASH_ACR = 0x4002_3C00
FLASH_SR = 0x4002_3C0C
RTC_BKP = (0x4000_2850, 0x4000_28A0)  # the 20 backup registers, kept by a reset
PWR_CR = 0x4000_7000  # DBP (bit 8): the backup domain writable
PANIC_MARK = 0x7061_6E63  # firmware::notice::PANIC_MARK, in backup register 0 after a panic
FLASH_CR = 0x4002_3C10
FLASH_BSY = 1 << 16
STUCK_LOOK_US = 10  # emulated time a look at a busy FLASH_SR takes (--flash-stuck-busy, --flash-busy-ms)
DEMCR, DWT_CTRL, DWT_CYCCNT = 0xE000_EDFC, 0xE000_1000, 0xE000_1004
LEARNED = (0x0810_8000, 0x0811_0000)  # sectors 14 and 15: what the board learned
SRAM, CCM = 0x2000_0000, 0x1000_0000
STACK_PAINT = b"\xcd"
WIDTH, HEIGHT = 240, 320
LTDC, RCC, GPIO = 0x4001_6800, 0x4002_3800, 0x4002_0000
LTDC_L1 = LTDC + 0x84  # layer 1's registers (L1CR first)
BITBAND = 0x4200_0000  # the peripherals' bit-band alias region
POLL_US = 10_000  # the main loop's touch poll period (firmware-f429's POLL_MS)
RTT_WAITS = 100_000  # looks at a blocked RTT channel's read offset that end the run
LSI_MAX_HZ = 47_000  # the watchdog's clock at its fastest (datasheet: 17 to 47 kHz)
HSE_HZ = 8_000_000
# Reads of one peripheral register in a row, with no other peripheral access, that make a run
# a hang (the firmware's bounded waits read it far fewer times, or read a timer in between)
SPIN_READS = 1_000_000
# a wait on a timer that never ends here: this many peripheral reads with no write and no
# emulated time passing (a flag polled against the cycle counter, which moves only with
# SysTick delays and flash operations in this model)
IDLE_READS = 2_000_000
# the board's RGB666 wiring of the ILI9341 to the LTDC (UM1670; the BSP's BSP_LCD_MspInit):
# (port, pin) -> alternate function
LCD_PINS = {
    **{p: 14 for p in [("A", 3), ("A", 4), ("A", 6), ("A", 11), ("A", 12), ("B", 8), ("B", 9),
                       ("B", 10), ("B", 11), ("C", 6), ("C", 7), ("C", 10), ("D", 3), ("D", 6),
                       ("F", 10), ("G", 6), ("G", 7), ("G", 11)]},
    **{p: 9 for p in [("B", 0), ("B", 1), ("G", 10), ("G", 12)]},
}
# the BSP's LTDC timings for the ILI9341 (sync 10/2, back porch 20/2, 240x320, front porch 10/4),
# as register values: SSCR, BPCR, AWCR, TWCR
LCD_TIMINGS = {0x08: (9 << 16) | 1, 0x0C: (29 << 16) | 3, 0x10: (269 << 16) | 323, 0x14: (279 << 16) | 327}


class Fail(Exception):
    pass


def sectors():
    """(number, start, size) of the 24 sectors of a 2 MiB dual-bank STM32F429."""
    sizes = [16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128]
    out, at = [], FLASH
    for bank in range(2):
        for i, kib in enumerate(sizes):
            out.append((bank * 12 + i, at, kib * 1024))
            at += kib * 1024
    return out


class Stmpe811:
    """The touch controller's registers and FIFO; `touch` is the current sample. It senses
    touches only as set up: the ADC's and the touchscreen controller's clocks on (SYS_CTRL2
    bits 0 and 1 clear) and the touchscreen controller enabled (TSC_CTRL bit 0); a soft
    reset brings back the registers' reset values (the datasheet's)."""

    # CHIP_ID, ID_VER, SYS_CTRL2 (every clock off)
    RESET = {0x00: 0x08, 0x01: 0x11, 0x02: 0x03, 0x04: 0x0F}

    def __init__(self):
        self.regs = dict(self.RESET)
        self.ptr = 0
        self.touch = None  # (raw x, raw y) or None
        self.fifo = []
        self.byte = 0  # of the FIFO's oldest sample being read
        self.polls = 0
        self.stalled = False  # touched, and no sample, until a soft reset
        self.lingering = 0  # polls that still read as touched, with no sample, after a lift
        self.resets = 0  # soft resets (the start-up's, and each set-up again)
        self.held_until = -1.0  # emulated time (us) until which it is held in reset (its supply low)
        self.now = lambda: 0.0  # the board's emulated time (us)

    def hold(self):
        """Held in reset (--reset-touch-for-ms): the registers at their reset values, writes lost."""
        if self.now() < self.held_until:
            self.regs = dict(self.RESET)
            self.fifo.clear()
            self.byte = 0
            return True
        return False

    def read(self):
        self.hold()
        r = self.ptr
        if r == 0x40:  # TSC_CTRL: bit 7 while touched; one read per main-loop poll
            self.polls += 1
            self.on_poll(self.polls)
            touched = self.converting() and (self.touch or self.stalled or self.lingering > 0)
            if self.lingering > 0 and not self.touch:
                self.lingering -= 1
            v = (self.regs.get(r, 0) & 0x7F) | (0x80 if touched else 0)
        elif r == 0x4C:  # FIFO_SIZE
            v = len(self.fifo)
        elif r == 0xD7:  # TSC_DATA_XYZ: 4 bytes per sample, the address does not advance
            if not self.fifo:
                v = 0
            else:
                x, y = self.fifo[0]
                packed = [x >> 4, ((x & 0xF) << 4) | (y >> 8), y & 0xFF, 0x80]
                v = packed[self.byte]
                self.byte += 1
                if self.byte == 4:
                    self.byte = 0
                    self.fifo.pop(0)
            return v
        else:
            v = self.regs.get(r, 0)
        self.ptr = (self.ptr + 1) & 0xFF
        return v

    def write(self, value):
        r = self.ptr
        if self.hold():
            self.ptr = (self.ptr + 1) & 0xFF
            return
        if r == 0x4B and value & 1:  # FIFO_STA: reset
            self.fifo.clear()
            self.byte = 0
        if r == 0x03 and value & 2:  # SYS_CTRL1: soft reset
            self.stalled = False
            self.resets += 1
            self.regs = dict(self.RESET)
            self.fifo.clear()
            self.byte = 0
        self.regs[r] = value
        self.ptr = (self.ptr + 1) & 0xFF

    def converting(self):
        """The touchscreen controller is clocked and enabled: it senses touches."""
        return self.regs.get(0x04, 0x0F) & 0x03 == 0 and self.regs.get(0x40, 0) & 1 == 1

    def on_poll(self, n):
        pass


class Board:
    def __init__(self, elf_path, touch_script):
        with open(elf_path, "rb") as f:
            self.elf = ELFFile(f)
            self.load(self.elf)
            symbols = self.elf.get_section_by_name(".symtab")
            rtt = symbols.get_symbol_by_name("_SEGGER_RTT") if symbols else None
            self.rtt = rtt[0]["st_value"] if rtt else None
        self.regs = {}
        self.flash_locked = True
        self.key_step = 0
        self.program = False
        self.i2c = {"state": "idle", "sb": False, "addr": False, "read": False, "first": True, "stop": False}
        self.touch = Stmpe811()
        self.touch.on_poll = self.on_poll
        self.touch.now = lambda: self.now_us
        self.touch_reset_ms = 0.0  # --reset-touch-for-ms
        self.script = touch_script
        self.spi_cmd = None
        self.spi_rx = 0
        self.gyro_id = 0xD4  # WHO_AM_I: an L3GD20 (--gyro)
        # the ILI9341's commands as they arrive: (emulated time in us, command, parameters);
        # a parameter (D/C high) before any command is counted in lcd_stray
        self.lcd_cmds = []
        self.lcd_stray = 0
        self.now_us = 0.0  # emulated time: SysTick delays and flash operations
        self.poll_times = []  # emulated time of each TSC_CTRL poll
        self.watchdog_started = None  # emulated time the IWDG was started, then of its last feed
        self.iwdg_unlocked = False  # IWDG_KR's 0x5555 written last: PR and RLR writable
        self.longest_unfed_us = 0.0
        self.layer_pending = False  # layer 1 written since the last shadow reload
        self.error = None
        self.erased = []
        self.programmed = 0
        self.stuck_scl = 0  # SCL held low until this many watchdog feeds
        self.nack_at_poll = 0  # --nack-at-poll: the address NACKed once at this touch poll
        self.nacked = False
        self.flash_sr = 0  # FLASH_SR's error flags
        # --flash-stuck-busy / --flash-busy-ms: how long the first erase or write keeps BSY set
        self.flash_slow_us = None
        self.busy_until_us = None  # when that operation ends (BSY clears), once started
        self.busy_looks_us = 0.0  # emulated time spent looking at a busy FLASH_SR
        self.feeds = 0
        self.stop_feeds = None
        self.stops_at_start = False  # --cannot-start: no watchdog is expected
        self.no_hse = False  # --no-hse: HSERDY never follows HSEON
        self.last_read, self.same_reads = None, 0  # the spin check in mmio
        self.idle_reads, self.idle_since_us = 0, 0.0  # the idle check in mmio
        self.stall_at = None  # --stall-at-lift: the poll from which the STMPE811 stalls
        self.touch_reset_at = 0  # --reset-touch-at-poll: the STMPE811 resets itself at this poll
        self.linger_at, self.linger_polls = None, 0  # --linger-at-lift: from which poll, how long
        self.rtt_block_at = None  # --rtt-block-at-teach: the poll the RTT channel blocks from
        self.rtt_waits = 0  # looks at the blocked channel's read offset
        self.rtt_blocked = False  # the firmware waited on the channel: the run ended there

    # -- memory -------------------------------------------------------------------------
    def load(self, elf):
        mu = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
        mu.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
        mu.mem_map(FLASH, FLASH_SIZE)
        mu.mem_write(FLASH, b"\xff" * FLASH_SIZE)
        mu.mem_map(SRAM, 192 << 10)  # SRAM1, 2 and 3: an access past them is a fault on the chip
        mu.mem_map(CCM, 64 << 10)
        mu.mem_write(CCM, STACK_PAINT * (64 << 10))  # the stack (all of CCM): painted to find its depth
        mu.mem_map(0x1FFF_0000, 64 << 10)
        mu.mem_write(0x1FFF_7A22, struct.pack("<H", 2048))  # flash size register: 2048 KiB
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]:
                mu.mem_write(seg["p_paddr"], seg.data())
        for base, size in [(0x4000_0000, 0x2000_0000), (0xE000_0000, 0x10_0000)]:
            mu.mem_map(base, size)
            mu.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, self.mmio, begin=base, end=base + size - 1)
        mu.hook_add(UC_HOOK_MEM_WRITE, self.flash_write, begin=FLASH, end=FLASH + FLASH_SIZE - 1)
        self.mu = mu

    def flash_image(self, start, end):
        return bytes(self.mu.mem_read(start, end - start))

    def set_flash(self, start, data):
        self.mu.mem_write(start, data)

    @property
    def flash_busy(self):
        """BSY: the slow operation has started and not ended."""
        return self.busy_until_us is not None and self.now_us < self.busy_until_us

    def slow_start(self):
        """An erase or a write starts: the first one is the slow one, if any (its time is BSY's,
        not the datasheet's longest). None for an ordinary one, "slow", or "stuck" for one that
        never ends (--flash-stuck-busy: nothing is erased or written)."""
        if self.flash_slow_us is None or self.busy_until_us is not None:
            return None
        self.busy_until_us = self.now_us + self.flash_slow_us
        return "stuck" if self.flash_slow_us == math.inf else "slow"

    def flash_write(self, uc, access, addr, size, value, data):
        if self.flash_busy:
            self.fail(f"write to flash at {addr:#x} while the flash interface is busy (BSY)")
            return
        if not self.program or self.flash_locked:
            self.fail(f"write to flash at {addr:#x} without PG set and the flash unlocked")
            return
        if not (LEARNED[0] <= addr and addr + size <= LEARNED[1]):  # the program's own sectors
            self.fail(f"programming {addr:#x}, outside sectors 14 and 15 (what the board learned)")
            return
        width = 1 << ((self.regs.get(FLASH_CR, 0) >> 8) & 3)  # PSIZE: x8, x16, x32, x64
        if size != width:  # the flash sets PGPERR and programs nothing
            self.fail(f"programming {size} bytes at {addr:#x} with PSIZE x{8 * width}")
            return
        if self.data_cache_on():
            return
        slow = self.slow_start()
        if slow == "stuck":
            return
        old = bytes(uc.mem_read(addr, size))
        new = value.to_bytes(8, "little")[:size]
        if any(o != 0xFF and o & n != n for o, n in zip(old, new)):
            self.fail(f"programming {addr:#x}: {old.hex()} is not erased for {new.hex()}")
        self.programmed += size
        if slow is None:
            self.now_us += 100  # the datasheet's longest programming time, per write

    def data_cache_on(self):
        """Fails the run if the flash data cache is on (FLASH_ACR's DCEN) as an erase or a
        write starts: ST's erratum in ES0206, "Data cache might be corrupted during Flash memory
        read-while-write operation"."""
        if self.regs.get(FLASH_ACR, 0) >> 10 & 1:
            self.fail("flash erased or programmed with the data cache on (FLASH_ACR.DCEN): "
                      "ST erratum ES0206 says a read meanwhile may corrupt the cache")
            return True
        return False

    def fail(self, why):
        if self.error is None:
            self.error = why
        self.mu.emu_stop()

    # -- peripherals --------------------------------------------------------------------
    def mmio(self, uc, access, addr, size, value, data):
        if access == UC_MEM_WRITE:
            self.last_read = None
            self.idle_reads = 0
            self.write(addr, size, value)
        else:
            # a wait for a flag against a timer that does not move here: reads and nothing else
            if self.now_us != self.idle_since_us:
                self.idle_reads, self.idle_since_us = 0, self.now_us
            self.idle_reads += 1
            if self.idle_reads == IDLE_READS:
                self.fail(f"the firmware read peripheral registers {IDLE_READS:,} times with no write and no "
                          f"emulated time passing (the last at {addr:#010x}): a wait whose timer (DWT CYCCNT) "
                          "moves only with delays and flash operations here, never ending (a hang)")
                uc.mem_unmap(addr & ~0xFFF, 0x1000)
            # a wait for a flag that never comes: one register read again and again, nothing else
            if addr == self.last_read:
                self.same_reads += 1
                if self.same_reads == SPIN_READS:
                    self.fail(f"the firmware read {addr:#010x} {SPIN_READS:,} times in a row and touched "
                              "nothing else: it waits for ever for a flag (a hang)")
                    # unicorn does not end a run with an instruction count from a hook while the
                    # core loops within one translation block: the register's page unmapped, the
                    # next read is a fault, which does
                    uc.mem_unmap(addr & ~0xFFF, 0x1000)
            else:
                self.last_read, self.same_reads = addr, 1
            v = self.read(addr, size) & 0xFFFF_FFFF
            uc.mem_write(addr, v.to_bytes(4, "little")[:size])
        return True

    def read(self, addr, size):
        if BITBAND <= addr < BITBAND + (32 << 20):  # one bit of a peripheral register
            word, bit = bitband(addr)
            return self.read_word(word) >> bit & 1
        word = addr & ~3
        shift = (addr & 3) * 8
        v = self.read_word(word)
        return v >> shift

    def write(self, addr, size, value):
        if BITBAND <= addr < BITBAND + (32 << 20):  # one bit of a peripheral register
            word, bit = bitband(addr)
            old = self.regs.get(word, 0)
            self.write_word(word, old | (1 << bit) if value & 1 else old & ~(1 << bit))
            return
        word = addr & ~3
        if size < 4:
            shift = (addr & 3) * 8
            mask = ((1 << (8 * size)) - 1) << shift
            value = (self.regs.get(word, 0) & ~mask) | ((value << shift) & mask)
        self.write_word(word, value & 0xFFFF_FFFF)

    def read_word(self, a):
        r = self.regs.get(a, 0)
        if a == 0x4002_3800:  # RCC_CR: HSIRDY, HSERDY, PLLRDY, PLLI2SRDY, PLLSAIRDY follow their ON bits
            return r | ((r & (0x1500_0001 if self.no_hse else 0x1501_0001)) << 1)
        if a == 0x4002_3808:  # RCC_CFGR: SWS follows SW
            return (r & ~0xC) | ((r & 3) << 2)
        if a == 0x4000_7004:  # PWR_CSR: VOSRDY, ODRDY, ODSWRDY
            return r | (1 << 14) | (1 << 16) | (1 << 17)
        if 0x4002_0000 <= a < 0x4002_2C00 and a & 0x3FF == 0x10:  # GPIOx_IDR
            port = (a - 0x4002_0000) >> 10
            moder = self.regs.get(a - 0x10, 0)
            idr = 0
            for pin in range(16):
                mode = (moder >> (2 * pin)) & 3
                level = (self.odr(port) >> pin) & 1 if mode == 1 else 1
                idr |= level << pin
            if port == 0 and self.feeds < self.stuck_scl:  # a device holds SCL (PA8) low
                idr &= ~(1 << 8)
            return idr
        if a == 0x4001_5008:  # SPI5_SR: TXE, RXNE, never busy
            return 0x3
        if a == 0x4001_500C:  # SPI5_DR
            return self.spi_rx
        if a == 0x4000_5C00:  # I2C3_CR1: START and STOP are done at once
            return r & ~((1 << 8) | (1 << 9))
        if a == 0x4000_5C10:  # I2C3_DR
            s = self.i2c
            if not s["read"]:
                return 0
            v = self.touch.read()
            if s["stop"]:
                s.update(sb=False, addr=False, state="idle", read=False, stop=False)
            return v
        if a == 0x4000_5C14:  # I2C3_SR1
            s = self.i2c
            v = 0
            if s["sb"]:
                v |= 1
            if s["addr"]:
                v |= 1 << 1
            if s["state"] == "write":
                v |= (1 << 7) | (1 << 2)  # TXE, BTF
            if s["state"] == "read":
                v |= 1 << 6  # RXNE
            if s["state"] == "nack":
                v |= 1 << 10  # AF
            return v
        if a == 0x4000_5C18:  # I2C3_SR2: reading it clears ADDR
            s = self.i2c
            busy = s["state"] != "idle"
            if s["addr"]:
                s["addr"] = False
            return (3 if busy else 0) | (4 if s["state"] == "write" else 0)
        if a == LTDC + 0x24:  # LTDC_SRCR: a requested reload is done at once
            return 0
        if a == FLASH_SR:
            if self.flash_busy:
                self.now_us += STUCK_LOOK_US
                self.busy_looks_us += STUCK_LOOK_US
                if self.watchdog_started is not None and self.now_us - self.watchdog_started >= self.watchdog_shortest_us():
                    self.fail("waiting for the busy flash interface (BSY) outlasted the watchdog: "
                              "it would have restarted the board")
                return self.flash_sr | FLASH_BSY
            return self.flash_sr
        if a == DWT_CYCCNT and self.regs.get(DEMCR, 0) >> 24 & 1 and self.regs.get(DWT_CTRL, 0) & 1:
            return int(self.now_us * self.hclk() / 1e6) & 0xFFFF_FFFF
        if a == FLASH_CR:
            return (r & ~(1 << 31)) | ((1 << 31) if self.flash_locked else 0)
        if a == 0xE000_E010:  # SYST_CSR: COUNTFLAG always set
            return r | (1 << 16)
        if a == 0x4000_300C:  # IWDG_SR: no update pending
            return 0
        return r

    def odr(self, port):
        """GPIO port `port`'s output data register (written directly or through BSRR)."""
        return self.regs.get(0x4002_0014 + (port << 10), 0) & 0xFFFF

    def write_word(self, a, v):
        old = self.regs.get(a, 0)
        if RTC_BKP[0] <= a < RTC_BKP[1] and not self.regs.get(PWR_CR, 0) >> 8 & 1:
            return  # the backup domain is write-protected until PWR_CR.DBP is set
        if PWR_CR <= a < PWR_CR + 8 and not self.regs.get(RCC + 0x40, 0) >> 28 & 1:
            return  # PWR's registers take no write while its clock (RCC_APB1ENR.PWREN) is off
        if a in (0x4000_3004, 0x4000_3008) and not self.iwdg_unlocked:
            return  # IWDG_PR and IWDG_RLR take writes only after the key 0x5555
        if a == 0x4000_3000:  # IWDG_KR: 0x5555 opens PR and RLR, the other keys close them
            self.iwdg_unlocked = v & 0xFFFF == 0x5555
        self.regs[a] = v
        if a in (RCC + 0x08, FLASH_ACR):  # the core clock or the flash wait states changed
            self.check_clock()
        if 0x4002_0000 <= a < 0x4002_2C00:
            port = (a - 0x4002_0000) >> 10
            off = a & 0x3FF
            if off == 0x18:  # BSRR: set low half, reset high half of ODR
                odr = a - 0x18 + 0x14
                self.regs[odr] = (self.odr(port) | (v & 0xFFFF)) & ~(v >> 16) & 0xFFFF
                if port == 2 and v & (1 << 1):  # gyroscope deselected (PC1 high)
                    self.spi_cmd = None
        elif a == 0x4001_500C:  # SPI5_DR
            gyro = not (self.odr(2) >> 1) & 1
            lcd = not (self.odr(2) >> 2) & 1
            if gyro and lcd:
                self.fail("both chip selects of SPI5 (PC1, PC2) are low")
                return
            if lcd and not (self.odr(3) >> 13) & 1:  # D/C low: a command
                self.lcd_cmds.append((self.now_us, v & 0xFF, []))
            elif lcd and self.lcd_cmds:  # D/C high: a parameter of the last command
                self.lcd_cmds[-1][2].append(v & 0xFF)
            elif lcd:
                self.lcd_stray += 1
            if gyro and self.spi_cmd is None:
                self.spi_cmd = v & 0xFF
                self.spi_rx = 0
            elif gyro:
                self.spi_rx = self.gyro_id if self.spi_cmd == 0x8F else 0
            else:
                self.spi_rx = 0
        elif LTDC_L1 <= a < LTDC + 0xC8:  # layer 1: takes effect at the next reload
            self.layer_pending = True
        elif a == LTDC + 0x24 and v & 3:  # LTDC_SRCR: IMR or VBR
            self.layer_pending = False
        elif a == 0x4002_3820 and v & (1 << 23):  # RCC_APB1RSTR: I2C3 reset (the HAL's set-up)
            self.i2c.update(state="idle", sb=False, addr=False, read=False, stop=False)
        elif a == 0x4000_5C00:  # I2C3_CR1
            s = self.i2c
            if v & (1 << 8):  # START
                s.update(sb=True, addr=False, state="start")
            if v & (1 << 9):  # STOP: after the byte being received, if reading
                if s["state"] == "read":
                    s["stop"] = True
                else:
                    s.update(sb=False, addr=False, state="idle", read=False)
        elif a == 0x4000_5C10:  # I2C3_DR
            s = self.i2c
            if s["state"] == "start":
                s["sb"] = False
                # --nack-at-poll: the controller misses its address once, at that poll
                nack_once = self.nack_at_poll and self.touch.polls + 1 >= self.nack_at_poll and not self.nacked
                if (v >> 1) != 0x41 or nack_once:
                    self.nacked = self.nacked or nack_once
                    s["state"] = "nack"
                    return
                s["addr"] = True
                s["read"] = bool(v & 1)
                s["state"] = "read" if s["read"] else "write"
                s["first"] = True
            elif s["state"] == "write":
                if s["first"]:
                    self.touch.ptr = v & 0xFF
                    s["first"] = False
                else:
                    self.touch.write(v & 0xFF)
        elif a == 0x4000_5C14:  # SR1 written: error flags cleared
            # AF clears, the bus stays BUSY: after a NACK the master must send the STOP
            # itself (RM0090, I2C master transmitter), else the next START never comes
            if self.i2c["state"] == "nack":
                self.i2c["state"] = "nacked"
        elif a == 0xE000_E010 and old & 1 and not v & 1:  # SYST_CSR: a delay's wait ends
            # (the HAL's delays enable the counter, wait for COUNTFLAG, disable it: one period)
            ticks = (self.regs.get(0xE000_E014, 0) & 0xFF_FFFF) + 1
            hz = self.hclk() / (1 if old & 4 else 8)
            self.now_us += ticks / hz * 1e6
        elif a == 0x4000_3000 and v & 0xFFFF == 0xCCCC:  # IWDG_KR: start
            self.watchdog_started = self.now_us
        elif a == 0x4000_3000 and v & 0xFFFF == 0xAAAA:  # IWDG_KR: a feed, once per main-loop pass
            if self.watchdog_started is not None:
                self.longest_unfed_us = max(self.longest_unfed_us, self.now_us - self.watchdog_started)
                self.watchdog_started = self.now_us
            self.feeds += 1
            if self.stop_feeds and self.feeds >= self.stop_feeds:
                self.mu.emu_stop()
        elif a == FLASH_SR:  # error flags (EOP, OPERR, WRPERR, PGAERR, PGPERR, PGSERR, RDERR): cleared by writing 1
            self.flash_sr &= ~(v & 0x1F3)
        elif a == 0x4002_3C04:  # FLASH_KEYR
            keys = [0x4567_0123, 0xCDEF_89AB]
            if self.flash_locked and v == keys[self.key_step]:
                self.key_step += 1
                if self.key_step == 2:
                    self.flash_locked, self.key_step = False, 0
            else:
                self.fail(f"wrong flash key sequence ({v:#x})")
        elif a == FLASH_CR:
            if self.flash_busy:
                self.fail(f"FLASH_CR written ({v:#x}) while an erase or a write runs (BSY): the write "
                          "stalls the bus until BSY clears (RM0090 3.5.1): with --flash-stuck-busy for ever, "
                          "and the watchdog would restart the board")
                self.mu.emu_stop()
                return
            was_locked = self.flash_locked
            if v & (1 << 31):
                self.flash_locked = True
            self.regs[a] = v & ~(1 << 16)  # STRT clears when the operation is done
            if was_locked and v & ~(1 << 31) & 0xFFFF:
                self.fail(f"FLASH_CR written while locked ({v:#x})")
                return
            self.program = bool(v & 1) and not self.flash_locked
            if self.flash_locked:
                return
            if v & (1 << 16) and v & (1 << 1):  # STRT with SER: erase sector SNB
                if self.data_cache_on():
                    return
                snb = (v >> 3) & 0x1F
                number = snb if snb < 12 else snb - 4 if snb >= 16 else None
                hit = [s for s in sectors() if s[0] == number]
                if not hit:
                    self.fail(f"erase of sector code {snb}: no such sector")
                    return
                _, start, size = hit[0]
                if not (LEARNED[0] <= start and start + size <= LEARNED[1]):
                    self.fail(f"erase of sector {number} at {start:#x}: the program lives there")
                    return
                slow = self.slow_start()
                if slow == "stuck":
                    return
                self.mu.mem_write(start, b"\xff" * size)
                self.erased.append(number)
                if slow is None:
                    # the datasheet's longest 16 KiB sector erase, by parallelism (PSIZE x8, x16, x32)
                    self.now_us += [800e3, 600e3, 500e3, 500e3][(v >> 8) & 3]

    # -- touch script -------------------------------------------------------------------
    def on_poll(self, n):
        """Sets the touch of poll `n` (1-based) from the script."""
        self.poll_times.append(self.now_us)
        raw = self.script[n - 1] if n - 1 < len(self.script) else None
        if n == self.stall_at:
            self.touch.stalled = True
        if n == self.touch_reset_at:
            # its own reset (not the firmware's soft reset): the registers' reset values, and
            # with --reset-touch-for-ms held there for a while
            self.touch.regs = dict(Stmpe811.RESET)
            self.touch.fifo.clear()
            self.touch.byte = 0
            self.touch.held_until = self.now_us + self.touch_reset_ms * 1000
        if n == self.linger_at:
            self.touch.lingering = self.linger_polls
        if n == self.rtt_block_at:
            self.block_rtt()
        if raw is None or self.touch.stalled or not self.touch.converting():
            self.touch.touch = None
        else:
            self.touch.touch = raw
            self.touch.fifo.append(raw)
        if n >= self.stop_after:
            self.mu.emu_stop()

    # -- the log's RTT channel ------------------------------------------------------------
    def block_rtt(self):
        """Fills up channel 0 (its read offset just past its write offset, as a host that
        stopped reading leaves it), switches it to block-if-full, and counts the looks at its
        read offset
        (the SEGGER control block: a 16-byte id, two counts, then each up channel's name,
        buffer, size, write offset, read offset and flags, 4 bytes each)."""
        if self.rtt is None:
            self.fail("the ELF has no _SEGGER_RTT control block")
            return
        up0 = self.rtt + 24
        size, write, _, flags = struct.unpack("<4I", self.mu.mem_read(up0 + 8, 16))
        # the host stopped reading with the channel full: no free byte until it reads again
        self.mu.mem_write(up0 + 16, struct.pack("<I", (write + 1) % size))
        self.mu.mem_write(up0 + 20, struct.pack("<I", (flags & ~3) | 2))
        self.mu.hook_add(UC_HOOK_MEM_READ, self.rtt_read, begin=up0 + 16, end=up0 + 19)

    def rtt_read(self, uc, access, addr, size, value, data):
        self.rtt_waits += 1
        if self.rtt_waits == RTT_WAITS:
            self.rtt_blocked = True
            uc.emu_stop()

    # -- running ------------------------------------------------------------------------
    def run(self, polls, budget):
        self.stop_after = polls
        sp, reset = struct.unpack("<II", self.mu.mem_read(FLASH, 8))
        self.mu.reg_write(UC_ARM_REG_SP, sp)
        try:
            self.mu.emu_start(reset | 1, 0, count=budget)
        except UcError as e:
            self.fail(f"emulator fault at pc {self.mu.reg_read(UC_ARM_REG_PC):#x}: {e}")
        if self.error is None and self.stop_feeds and self.feeds < self.stop_feeds:
            self.fail(f"only {self.feeds} of {self.stop_feeds} watchdog feeds within {budget} instructions")
        elif self.error is None and not self.stop_feeds and not self.rtt_blocked and self.touch.polls < polls:
            self.fail(f"only {self.touch.polls} of {polls} polls within {budget} instructions")

    def display(self):
        """(summary, problems) of the display set-up as the run left it (see the module docs)."""
        def r(a):
            return self.regs.get(a, 0)

        def l1(off):  # layer 1's registers
            return r(LTDC_L1 + off)

        bad = []
        # clocks and pins
        if not r(RCC + 0x44) >> 26 & 1:
            bad.append("the LTDC's clock is off (RCC_APB2ENR.LTDCEN)")
        for port in sorted({port for port, _ in LCD_PINS}):
            if not r(RCC + 0x30) >> (ord(port) - ord("A")) & 1:
                bad.append(f"GPIO{port}'s clock is off (RCC_AHB1ENR)")
        for (port, pin), af in LCD_PINS.items():
            base = GPIO + ((ord(port) - ord("A")) << 10)
            mode = r(base) >> (2 * pin) & 3
            got = r(base + 0x20 + 4 * (pin >> 3)) >> (4 * (pin & 7)) & 0xF
            if mode != 2 or got != af:
                bad.append(f"P{port}{pin}: mode {mode}, AF{got}; the LCD needs alternate function {af}")
        # timings and polarities
        for off, want in LCD_TIMINGS.items():
            if r(LTDC + off) != want:
                bad.append(f"LTDC register {off:#04x} is {r(LTDC + off):#010x}, the ILI9341 needs {want:#010x}")
        gcr = r(LTDC + 0x18)
        if not gcr & 1:
            bad.append("the LTDC is not enabled (GCR.LTDCEN)")
        # pixel clock: HSE / PLLM * PLLSAIN / PLLSAIR / PLLSAIDIVR
        source, src, m = self.pll_input()
        sai, dck = r(RCC + 0x88), r(RCC + 0x8C)
        n, rdiv, div = sai >> 6 & 0x1FF, sai >> 28 & 7, 2 << (dck >> 16 & 3)
        pclk = frames = 0.0
        if not r(RCC) >> 28 & 1:
            bad.append("PLLSAI is off (RCC_CR.PLLSAION)")
        elif source != ("HSI" if self.no_hse else "HSE") or m < 2:
            bad.append(f"PLL input: source {source}, PLLM {m}" + (" (the HSE is not ready)" if self.no_hse else ""))
        else:
            vin = src / m
            vco = vin * n
            pclk = vco / max(rdiv, 1) / div
            frames = pclk / (280 * 328)
            if not (0.95e6 <= vin <= 2.1e6 and 100e6 <= vco <= 432e6 and 2 <= rdiv <= 7):
                bad.append(f"PLLSAI out of range: input {vin / 1e6:.2f} MHz, VCO {vco / 1e6:.1f} MHz, R {rdiv}")
            if pclk > 10e6 or frames < 50:
                bad.append(f"pixel clock {pclk / 1e6:.2f} MHz ({frames:.1f} frames/s): "
                           "the ILI9341 takes at most 10 MHz, and under 50 frames/s flickers")
        # layer 1
        want_layer = {
            0x00: ("enabled (LEN)", lambda v: v & 1 == 1),
            0x04: ("horizontal window 30..269", lambda v: v == (269 << 16) | 30),
            0x08: ("vertical window 4..323", lambda v: v == (323 << 16) | 4),
            0x10: ("pixel format RGB565 (2)", lambda v: v & 7 == 2),
            0x14: ("constant alpha 255", lambda v: v & 0xFF == 255),
            0x2C: ("line pitch and length 480, 483 bytes", lambda v: v == (480 << 16) | 483),
            0x30: ("320 lines", lambda v: v & 0x7FF == 320),
        }
        for off, (what, ok) in want_layer.items():
            if not ok(l1(off)):
                bad.append(f"layer 1 register {LTDC_L1 - LTDC + off:#04x} is {l1(off):#010x}, not {what}")
        if self.layer_pending:
            bad.append("layer 1 was written after the last shadow reload (SRCR): the LTDC does not use it")
        fb = l1(0x28)
        if not (SRAM <= fb and fb + WIDTH * HEIGHT * 2 <= SRAM + (192 << 10)):
            bad.append(f"layer 1 scans {fb:#010x}, not a framebuffer in SRAM")
        # the ILI9341: commands (D/C low) and their parameters (D/C high)
        if self.lcd_stray:
            bad.append("the ILI9341 got a parameter before any command")
        last = {c: ps for _, c, ps in self.lcd_cmds}
        order = [c for _, c, _ in self.lcd_cmds]
        b0 = last.get(0xB0, [None])[0]
        if b0 is None:
            bad.append("no RGB interface signal control (0xB0) sent to the ILI9341")
        else:
            if b0 >> 5 & 3 != 2:
                bad.append(f"ILI9341 0xB0 {b0:#04x}: not DE mode (the LTDC drives DE)")
            # VSPL/HSPL/EPL 0 = active low syncs, high DE: as GCR's VSPOL/HSPOL/DEPOL 0; data
            # sampled on DOTCLK's falling edge (DPL 1) when the LTDC's clock is not inverted
            pol = [(b0 >> 3 & 1, gcr >> 30 & 1, "VSYNC"), (b0 >> 2 & 1, gcr >> 31 & 1, "HSYNC"),
                   (b0 & 1, gcr >> 29 & 1, "DE"), (b0 >> 1 & 1, 1 - (gcr >> 28 & 1), "DOTCLK edge")]
            for lcd, ltdc, name in pol:
                if lcd != ltdc:
                    bad.append(f"{name} polarity: the ILI9341's (0xB0 {b0:#04x}) and the LTDC's (GCR {gcr:#010x}) differ")
        f6 = last.get(0xF6, [])
        if len(f6) != 3 or f6[2] >> 2 & 3 != 1 or not f6[2] >> 1 & 1:
            bad.append(f"ILI9341 interface control (0xF6) {f6}: not the RGB interface")
        if last.get(0x2A) != [0, 0, 0, WIDTH - 1] or last.get(0x2B) != [0, 0, (HEIGHT - 1) >> 8, (HEIGHT - 1) & 0xFF]:
            bad.append(f"ILI9341 columns {last.get(0x2A)} and pages {last.get(0x2B)}: not 240x320")
        if 0x11 not in order or 0x29 not in order[order.index(0x11):]:
            bad.append("the ILI9341 was not sent sleep out (0x11), then display on (0x29)")
        summary = (f"display: ILI9341 {len(self.lcd_cmds)} commands, RGB interface; LTDC {WIDTH}x{HEIGHT} RGB565 "
                   f"from {fb:#010x}, pixel clock {pclk / 1e6:.2f} MHz ({frames:.1f} frames/s)")
        return summary, bad

    def pll_input(self):
        """The main PLL's input as RCC_PLLCFGR sets it (PLLSAI shares it): (source, its Hz, PLLM)."""
        pll = self.regs.get(RCC + 0x04, 0x2400_3010)
        hse = pll >> 22 & 1
        return ("HSE" if hse else "HSI"), (HSE_HZ if hse else 16e6), pll & 0x3F

    def check_clock(self):
        """Fails the run if the core clock outruns what the flash and the regulator are set for
        (RM0090 3.5.1, table 10, at the board's 3 V: one wait state per 30 MHz started; 5.4.1:
        above 168 MHz the regulator's over-drive, PWR_CR's ODEN and ODSWEN)."""
        hz = self.hclk()
        need = max(0, math.ceil(hz / 30e6) - 1)
        latency = self.regs.get(FLASH_ACR, 0) & 0xF
        if latency < need:
            self.fail(f"the core runs at {hz / 1e6:.0f} MHz with {latency} flash wait states: at 3 V "
                      f"it needs {need} (RM0090 table 10)")
        elif hz > 168e6 and (self.regs.get(PWR_CR, 0) >> 16 & 3) != 3:
            self.fail(f"the core runs at {hz / 1e6:.0f} MHz without the regulator's over-drive "
                      "(PWR_CR ODEN and ODSWEN): above 168 MHz it needs it")

    def hclk(self):
        """The core's clock (Hz) as RCC was set: HSI, HSE or the main PLL, through the AHB prescaler."""
        cfgr, pll = self.regs.get(RCC + 0x08, 0), self.regs.get(RCC + 0x04, 0x2400_3010)
        if cfgr & 3 == 0:
            hz = 16e6
        elif cfgr & 3 == 1:
            hz = HSE_HZ
        else:
            _, src, m = self.pll_input()
            hz = src / max(m, 1) * (pll >> 6 & 0x1FF) / (2 * ((pll >> 16 & 3) + 1))
        hpre = cfgr >> 4 & 0xF
        return hz / ([2, 4, 8, 16, 64, 128, 256, 512][hpre - 8] if hpre >= 8 else 1)

    def timing(self):
        """(summary, problems) of the run's emulated time (see the module docs)."""
        bad = []
        if self.lcd_cmds and self.lcd_cmds[0][0] < 5000:
            bad.append(f"the ILI9341 got its first command {self.lcd_cmds[0][0] / 1e3:.1f} ms after the "
                       "start, not 5 ms (its reset cancel time)")
        sleep_out = next((at for at, cmd, _ in self.lcd_cmds if cmd == 0x11), None)
        if sleep_out is not None and sleep_out < 120_000:
            bad.append(f"the ILI9341 got sleep out {sleep_out / 1e3:.1f} ms after the start, not 120 ms "
                       "(its reset cancel time when reset awake, as a watchdog restart resets it)")
        for (at, cmd, _), (then, _, _) in zip(self.lcd_cmds, self.lcd_cmds[1:]):
            gap = then - at
            if cmd == 0x11 and gap < 5000:
                bad.append(f"the ILI9341 got a command {gap / 1e3:.1f} ms after sleep out, not 5 ms")
        gaps = [b - a for a, b in zip(self.poll_times, self.poll_times[1:])]
        poll = min(gaps) if gaps else 0.0
        if gaps and poll < POLL_US:
            bad.append(f"the touch was polled {poll / 1e3:.1f} ms apart, not every {POLL_US / 1e3:.0f} ms")
        shortest = self.watchdog_shortest_us()
        if self.watchdog_started is not None:  # and the stretch since the last feed, to the end
            self.longest_unfed_us = max(self.longest_unfed_us, self.now_us - self.watchdog_started)
        if self.watchdog_started is None and not self.stops_at_start:
            bad.append("the independent watchdog was never started")
        elif self.longest_unfed_us >= shortest:
            bad.append(f"{self.longest_unfed_us / 1e3:.0f} ms without a watchdog feed: the watchdog may "
                       f"reset the board after {shortest / 1e3:.0f} ms (LSI at 47 kHz)")
        summary = (f"time: {self.now_us / 1e6:.2f} s emulated (delays, flash at its slowest), core "
                   f"{self.hclk() / 1e6:.0f} MHz; touch polled at least {poll / 1e3:.1f} ms apart; "
                   f"longest without a watchdog feed {self.longest_unfed_us / 1e3:.0f} ms of the "
                   f"{shortest / 1e3:.0f} ms it may allow")
        return summary, bad

    def watchdog_shortest_us(self):
        """The watchdog's shortest timeout: its reload and prescaler at the LSI's fastest."""
        pr, rlr = self.regs.get(0x4000_3004, 0) & 7, self.regs.get(0x4000_3008, 0xFFF) & 0xFFF
        return (rlr + 1) * (4 << min(pr, 6)) / LSI_MAX_HZ * 1e6

    def stack_used(self):
        """Bytes of CCM (the stack, memory.x) ever written: from the lowest one up to the top."""
        ccm = bytes(self.mu.mem_read(CCM, 64 << 10))
        untouched = len(ccm) - len(ccm.lstrip(STACK_PAINT))
        return len(ccm) - untouched

    def framebuffer(self):
        """The 240x320 RGB565 pixels layer 1 scans (black if it points nowhere)."""
        addr = self.regs.get(LTDC_L1 + 0x28, 0)
        try:
            return bytes(self.mu.mem_read(addr, WIDTH * HEIGHT * 2))
        except UcError:
            return bytes(WIDTH * HEIGHT * 2)


def bitband(addr):
    """(word address, bit) of a peripheral bit-band alias address (the HAL sets RCC's enable bits there)."""
    off = addr - BITBAND
    byte, bit = off >> 5, (off >> 2) & 7
    periph = 0x4000_0000 + byte
    return periph & ~3, (periph & 3) * 8 + bit


def screen_to_raw(x, y, mirrored=False):
    """A raw STMPE811 reading that firmware::disc1 maps to screen point (x, y) on a
    revision B/C board, or with `mirrored` on a D/E one (ST's BSP formulas: y = (raw_y -
    360) / 11 on B/C, (3700 - raw_y) / 11 on D/E; x = (3870 - raw_x) / 15 up to raw 3000
    and (3800 - raw_x) / 15 above; screen x 54..57 cannot be reached)."""
    ry = 3700 - 11 * y - 5 if mirrored else 360 + 11 * y + 5
    for r in (3870 - 15 * x - 7, 3800 - 15 * x - 7):
        if ((3870 - r) if r <= 3000 else (3800 - r)) // 15 == x and 0 <= r <= 4095:
            return (r, ry)
    raise Fail(f"screen x {x} cannot be touched on this board")


def fnv1a64(data):
    h = 0xCBF2_9CE4_8422_2325
    for b in data:
        h ^= b
        h = (h * 0x100_0000_01B3) & 0xFFFF_FFFF_FFFF_FFFF
    return h


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)

    def frame_hash(v):
        # an empty value (a lookup that found nothing) must not turn the check off
        if len(v) != 16 or any(c not in "0123456789abcdef" for c in v):
            raise argparse.ArgumentTypeError(f"{v!r} is not a frame hash (16 hex digits)")
        return v

    p.add_argument("elf", help="the firmware-f429 ELF")
    p.add_argument("--sim", help="the simulator's --polls JSON of a scripted digit: draw it")
    p.add_argument("--teach", action="store_true", help="then tap the correction in its 'teach' polls")
    p.add_argument("--forget", action="store_true", help="then hold Clear until it forgets, release, and draw again")
    p.add_argument("--hold-clear", action="store_true", help="then hold Clear until it forgets and release (the run ends there)")
    p.add_argument("--idle", type=int, default=5, help="untouched polls before and after the drawing (default 5)")
    p.add_argument("--budget", type=int, default=2_000_000_000, help="instruction budget (default 2e9)")
    p.add_argument("--expect-frame", help="fail unless the last frame is this RGB565 file (the simulator's --raw)")
    p.add_argument("--expect-erased", help="fail unless exactly these sectors were erased, in order (e.g. 14 or 14,15; '' for none)")
    p.add_argument("--expect-hash", type=frame_hash, help="fail unless the last frame hashes to this (16 hex digits)")
    p.add_argument("--stuck-scl", type=int, default=0, metavar="FEEDS",
                   help="a device holds the touch bus's SCL (PA8) low until the main loop has fed the watchdog FEEDS times")
    p.add_argument("--no-hse", action="store_true",
                   help="the HSE crystal never starts (HSERDY stays clear): the firmware must give up on it, "
                        "switch it off and clock the PLLs from the HSI")
    p.add_argument("--nack-at-poll", type=int, default=0, metavar="POLL",
                   help="the STMPE811 does not acknowledge its address once, at this touch poll (1 = the first)")
    p.add_argument("--reset-touch-at-poll", type=int, default=0, metavar="POLL",
                   help="the STMPE811 resets itself at this touch poll (a discharge, a supply dip): its registers "
                        "take their reset values, its touch sensing off until it is set up again")
    p.add_argument("--reset-touch-for-ms", type=float, default=0, metavar="MS",
                   help="with --reset-touch-at-poll: it is held in reset that long (emulated time: a supply "
                        "that stays low), every register at its reset value and every write lost; it answers "
                        "on the bus meanwhile")
    p.add_argument("--max-touch-resets", type=int, metavar="N",
                   help="fail if the STMPE811 was soft-reset more than N times (1: only at start-up)")
    p.add_argument("--feeds", type=int, help="run until the main loop has fed the watchdog this often (instead of the script's polls)")
    p.add_argument("--expect-not-hash", type=frame_hash, help="fail if the last frame hashes to this (16 hex digits)")
    p.add_argument("--max-stack", type=int, help="fail if the stack ever grew beyond this many bytes")
    p.add_argument("--png", help="write the last frame as a PNG")
    p.add_argument("--flash-in", help="the learned sectors (32 KiB) to start with (default: erased)")
    p.add_argument("--flash-out", help="write the learned sectors as the run left them")
    p.add_argument("--flash-sr", type=lambda v: int(v, 0), default=0, metavar="BITS",
                   help="FLASH_SR's flags at the start (e.g. 0xC0: PGSERR and PGPERR, as a failed programming leaves them)")
    p.add_argument("--flash-stuck-busy", action="store_true",
                   help="the first erase or write never ends (FLASH_SR's BSY stays set): the driver must give up, "
                        "and not write FLASH_CR after")
    p.add_argument("--flash-busy-ms", type=float, metavar="MS",
                   help="the first erase or write keeps BSY set for MS ms of emulated time (it is done at its "
                        "start): a driver that gives up on it must, once it has ended, lock FLASH_CR again and "
                        "switch the data cache on (checked at the run's end)")
    p.add_argument("--max-busy-ms", type=float, metavar="MS",
                   help="fail if the firmware spent more than MS ms of emulated time looking at a busy "
                        "FLASH_SR (with --flash-stuck-busy: a second operation must fail at once)")
    p.add_argument("--flip-flash-byte", type=lambda v: int(v, 0), metavar="OFFSET",
                   help="damage the program's flash before the start: one bit of the byte at OFFSET from its start")
    p.add_argument("--rtt-block-at-teach", action="store_true",
                   help="with --teach: as the correction's pen lifts, the log's RTT channel blocks "
                        "(block-if-full, no host reading it); the run ends when the firmware waits on "
                        "it, which it must (check what the flash holds then: --expect-erased)")
    p.add_argument("--rtt-block-at-forget", action="store_true",
                   help="with --hold-clear: as Clear is let go, the log's RTT channel blocks, as with "
                        "--rtt-block-at-teach")
    p.add_argument("--linger-at-lift", type=int, default=0, metavar="POLLS",
                   help="as the drawing's pen lifts, the STMPE811 reads as touched with an empty FIFO "
                        "for POLLS more polls, then as released (its touch detect lingers)")
    p.add_argument("--linger-at-teach", type=int, default=0, metavar="POLLS",
                   help="the same as the correction's last tap lifts (with --teach)")
    p.add_argument("--stall-at-lift", action="store_true",
                   help="the STMPE811 stops converting as the drawing's pen lifts: touched, no sample, until "
                        "the firmware soft-resets it (fails the run if it never does)")
    def byte(v):
        n = int(v, 16)
        if not 0 <= n <= 0xFF:
            raise argparse.ArgumentTypeError(f"{v!r} is not a byte (00 to ff)")
        return n

    p.add_argument("--gyro", type=byte, default=0xD4, metavar="HEX",
                   help="the gyroscope's WHO_AM_I: D4 (L3GD20, revision B/C, the default), D3 "
                        "(I3G4250D, revision D/E: the touch panel's Y axis mirrored) or another "
                        "value (a part the firmware does not know: it assumes D/E)")
    p.add_argument("--restarted-after-panic", action="store_true",
                   help="start as the board restarts after a panic (the panic mark in backup "
                        "register 0, which the firmware must clear)")
    p.add_argument("--restarted-by-watchdog", action="store_true",
                   help="start as the watchdog restarts the board (RCC_CSR's WDGRSTF set)")
    p.add_argument("--cannot-start", action="store_true",
                   help="the firmware must stop at start-up (say, on a model damaged with --flip-flash-byte): "
                        "it shows the last frame (check it with --expect-hash), never polls the touch and never "
                        "starts the watchdog; no script is played")
    a = p.parse_args()
    if a.forget and a.hold_clear:
        sys.exit("error: --forget already holds Clear: give --forget or --hold-clear")
    if a.stall_at_lift and not a.sim:
        sys.exit("error: --stall-at-lift needs a drawing: give --sim")
    if a.stall_at_lift and (a.idle < 30 or a.teach or a.forget or a.hold_clear):
        # the firmware waits 20 polls before it calls the controller stalled: the run must go on
        # past that, and a stalled controller plays none of the script's later touches
        sys.exit("error: --stall-at-lift needs --idle 30 or more, and no --teach, --forget or --hold-clear")
    if a.cannot_start and (a.sim or a.feeds or a.flash_out):
        sys.exit("error: --cannot-start plays no script: leave out --sim, --feeds and --flash-out")
    idle = [None] * a.idle
    script = list(idle)
    if a.sim:
        sim = json.load(open(a.sim))
        drawing = [tuple(p) if p else None for p in sim["polls"]]
        script += drawing + idle
        # the first untouched poll after the drawing's last touched one (polls are 1-based)
        lift = len(idle) + max(i for i, t in enumerate(drawing) if t) + 2
        if a.teach:
            teach = [tuple(p) if p else None for p in sim["teach"]["polls"]]
            # the first untouched poll after the correction's last touched one (1-based)
            teach_lift = len(script) + max(i for i, t in enumerate(teach) if t) + 2
            script += teach + idle
        if a.forget or a.hold_clear:
            clear = tuple(sim["clear_button"])
            # the first untouched poll after the held Clear (1-based)
            clear_lift = len(script) + sim["forget_hold_polls"] + 1
            script += [clear] * sim["forget_hold_polls"] + idle
        if a.forget:
            script += drawing + idle
    try:
        # the touch mapping the firmware should pick: B/C for an L3GD20, else D/E
        mirrored = a.gyro not in (0xD4, 0xD5)
        raw = [screen_to_raw(*t, mirrored) if t else None for t in script]
    except Fail as e:
        sys.exit(f"error: {e}")
    if a.cannot_start:
        # untouched polls that never come: the run spends the budget stopped
        raw = [None]
    board = Board(a.elf, raw)
    board.gyro_id = a.gyro & 0xFF
    board.stops_at_start = a.cannot_start
    if a.restarted_by_watchdog:
        board.regs[RCC + 0x74] = board.regs.get(RCC + 0x74, 0) | 1 << 29  # RCC_CSR.WDGRSTF
    if a.restarted_after_panic:
        board.regs[RTC_BKP[0]] = PANIC_MARK
        board.regs[RCC + 0x74] = board.regs.get(RCC + 0x74, 0) | 1 << 28  # RCC_CSR.SFTRSTF
    if a.flip_flash_byte is not None:
        if not 0 <= a.flip_flash_byte < FLASH_SIZE:
            sys.exit(f"error: --flip-flash-byte {a.flip_flash_byte:#x}: not an offset in the {FLASH_SIZE >> 20} MiB flash")
        at = FLASH + a.flip_flash_byte
        board.set_flash(at, bytes([board.flash_image(at, at + 1)[0] ^ 1]))
    board.stuck_scl = a.stuck_scl
    board.no_hse = a.no_hse
    board.nack_at_poll = a.nack_at_poll
    board.touch_reset_at = a.reset_touch_at_poll
    if a.reset_touch_for_ms and not a.reset_touch_at_poll:
        sys.exit("error: --reset-touch-for-ms needs --reset-touch-at-poll")
    board.touch_reset_ms = a.reset_touch_for_ms
    board.flash_sr = a.flash_sr & 0x1F3
    if a.flash_stuck_busy and a.flash_busy_ms is not None:
        sys.exit("error: give --flash-stuck-busy or --flash-busy-ms")
    if a.flash_stuck_busy:
        board.flash_slow_us = math.inf
    elif a.flash_busy_ms is not None:
        if not a.flash_busy_ms > 0:
            sys.exit(f"error: --flash-busy-ms {a.flash_busy_ms}: a time above 0")
        board.flash_slow_us = a.flash_busy_ms * 1e3
    board.stop_feeds = a.feeds
    if a.stall_at_lift:
        board.stall_at = lift
    if a.linger_at_lift:
        if not a.sim:
            sys.exit("error: --linger-at-lift needs --sim")
        board.linger_at, board.linger_polls = lift, a.linger_at_lift
    if a.linger_at_teach:
        if not (a.sim and a.teach):
            sys.exit("error: --linger-at-teach needs --sim and --teach")
        board.linger_at, board.linger_polls = teach_lift, a.linger_at_teach
    if a.rtt_block_at_teach:
        if not (a.sim and a.teach):
            sys.exit("error: --rtt-block-at-teach needs --sim and --teach")
        board.rtt_block_at = teach_lift
    if a.rtt_block_at_forget:
        if not (a.sim and a.hold_clear and not a.rtt_block_at_teach):
            sys.exit("error: --rtt-block-at-forget needs --sim and --hold-clear, and no --rtt-block-at-teach")
        board.rtt_block_at = clear_lift
    if a.flash_in:
        data = open(a.flash_in, "rb").read()
        if len(data) != LEARNED[1] - LEARNED[0]:
            sys.exit(f"error: {a.flash_in}: {len(data)} bytes, not {LEARNED[1] - LEARNED[0]}")
        board.set_flash(LEARNED[0], data)
    board.run(len(raw), a.budget)
    if a.max_busy_ms is not None and board.error is None and board.busy_looks_us > a.max_busy_ms * 1e3:
        board.fail(f"the firmware looked at a busy FLASH_SR for {board.busy_looks_us / 1e3:.0f} ms of emulated "
                   f"time, more than --max-busy-ms {a.max_busy_ms:g}")
    if a.flash_busy_ms is not None and board.error is None:
        if board.busy_until_us is None:
            board.fail("--flash-busy-ms: the firmware started no erase or write")
        elif board.now_us < board.busy_until_us:
            board.fail(f"--flash-busy-ms: the run ended {(board.busy_until_us - board.now_us) / 1e3:.0f} ms "
                       "before the slow operation did: give more --idle polls")
        elif not board.flash_locked:
            board.fail("the slow erase or write ended, but the firmware left FLASH_CR unlocked")
        elif not board.regs.get(FLASH_ACR, 0) >> 10 & 1:
            board.fail("the slow erase or write ended, but the firmware left the data cache off (FLASH_ACR.DCEN)")
    if a.restarted_after_panic and board.error is None and board.regs.get(RTC_BKP[0]) == PANIC_MARK:
        board.fail("the panic mark in backup register 0 was not cleared: every start would say it restarted after a panic")
    if a.no_hse and board.error is None and board.regs.get(RCC, 0) >> 16 & 1:
        board.fail("the HSE crystal never started, but the firmware left it switched on (RCC_CR.HSEON)")
    if a.no_hse and board.error is None and board.hclk() * 1.045 > 180e6:
        board.fail(f"the core runs at {board.hclk() / 1e6:.0f} MHz on the HSI, which may run 4.5% fast "
                   "(datasheet): above the F429's 180 MHz")
    if a.rtt_block_at_teach or a.rtt_block_at_forget:
        if not board.rtt_blocked and board.error is None:
            board.fail("the RTT channel blocked, but the firmware never waited on it")
        elif board.rtt_blocked and board.error is None:
            print(f"the firmware waits on the blocked RTT channel after poll {board.touch.polls}: "
                  "the run ends here, as the watchdog would end it")
    if a.stall_at_lift and board.error is None and board.touch.stalled:
        board.fail(f"the touch controller stalled at poll {board.stall_at} and was never reset")
    if a.cannot_start:
        if board.touch.polls:
            board.fail(f"it should have stopped at start-up, but it polled the touch {board.touch.polls} times")
        elif board.watchdog_started is not None:
            board.fail("it stopped at start-up with the watchdog running: it would restart into the same failure")
        elif board.error and board.error.startswith("only 0 of 1 polls"):
            board.error = None  # stopped, as it should
    display, problems = board.display()
    print(display)
    if problems and board.error is None:
        board.error = "the display set-up: " + "; ".join(problems)
    timing, problems = board.timing()
    print(timing)
    if problems and board.error is None:
        board.error = "timing: " + "; ".join(problems)
    fb = board.framebuffer()
    h = f"{fnv1a64(fb):016x}"
    print(
        f"polls {board.touch.polls}, frame {h}, sectors erased {board.erased}, "
        f"bytes programmed {board.programmed}, stack {board.stack_used()} of {64 << 10} bytes, "
        f"watchdog fed {board.feeds} times"
    )
    if a.png:
        write_png(a.png, fb)
    if a.flash_out:
        open(a.flash_out, "wb").write(board.flash_image(*LEARNED))
    if board.error:
        print(f"error: {board.error}", file=sys.stderr)
        return 1
    if a.expect_hash and h != a.expect_hash:
        print(f"error: frame {h}, expected {a.expect_hash}", file=sys.stderr)
        return 1
    if a.expect_frame and fb != open(a.expect_frame, "rb").read():
        print(f"error: the screen is not {a.expect_frame} (frame {h})", file=sys.stderr)
        return 1
    if a.max_touch_resets is not None and board.touch.resets > a.max_touch_resets:
        print(f"error: the touch controller was reset {board.touch.resets} times, at most {a.max_touch_resets} expected "
              "(set up again after a fault)", file=sys.stderr)
        return 1
    if a.expect_not_hash and h == a.expect_not_hash:
        print(f"error: the frame is {h}", file=sys.stderr)
        return 1
    if a.max_stack is not None and board.stack_used() > a.max_stack:
        print(f"error: the stack grew to {board.stack_used()} bytes, more than {a.max_stack}", file=sys.stderr)
        return 1
    if a.expect_erased is not None:
        want = [int(v) for v in a.expect_erased.split(",") if v]
        if board.erased != want:
            print(f"error: sectors erased {board.erased}, expected {want}", file=sys.stderr)
            return 1
    return 0


def write_png(path, fb):
    """The RGB565 frame as an 8-bit RGB PNG (no Pillow needed)."""
    rows = bytearray()
    for y in range(HEIGHT):
        rows.append(0)  # filter: none
        for (v,) in struct.iter_unpack("<H", fb[y * WIDTH * 2:(y + 1) * WIDTH * 2]):
            rows += bytes(((v >> 11) << 3, ((v >> 5) & 63) << 2, (v & 31) << 3))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    sys.exit(main())
