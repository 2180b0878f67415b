/*
 * insn_count: a QEMU TCG plugin that counts the guest instructions executed
 * between two marker addresses, exactly and repeatably.
 *
 * Usage (addresses from `llvm-nm`; Thumb bit 0 is ignored):
 *   qemu-system-arm ... -plugin ./libinsn_count.so,start=0x1234,end=0x1240
 *
 * Every executed instruction bumps one 64-bit counter (one callback per
 * instruction, which also handles the markers). When the first instruction at
 * `start` executes, the counter is
 * snapshotted; when the first instruction at `end` executes, the difference is
 * the number of instructions executed from `start` (inclusive) to `end`
 * (exclusive). Every start/end pair is reported on stderr as
 *   insn_count: region N: M instructions
 * and the total number of regions at exit. An `end` without a preceding
 * `start` is reported as an error line.
 *
 * Debian ships no qemu-plugin.h, so the few types and prototypes of the
 * plugin API used here are declared below. They are the same in QEMU 7.2
 * (plugin API version 1) and in QEMU 9 and later, which refuse plugins of
 * version 1 (and dropped the inline counter of version 1, which this plugin
 * therefore does not use): build with -DINSN_COUNT_API=2 for QEMU 9 and later
 * (scripts/firmware-cost picks it from `qemu-system-arm --version`).
 *
 * Build: gcc -shared -fPIC -O2 -Wall -Wextra [-DINSN_COUNT_API=2] -o libinsn_count.so insn_count.c
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the subset of <qemu-plugin.h> this plugin uses (QEMU 7.2 to 10) ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#ifndef INSN_COUNT_API
#define INSN_COUNT_API 1
#endif
#if INSN_COUNT_API != 1 && INSN_COUNT_API != 2
#error "INSN_COUNT_API must be 1 (QEMU 7 and 8) or 2 (QEMU 9 and later)"
#endif
#define QEMU_PLUGIN_VERSION INSN_COUNT_API

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
    QEMU_PLUGIN_CB_NO_REGS,
    QEMU_PLUGIN_CB_R_REGS,
    QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

extern void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                                  qemu_plugin_vcpu_tb_trans_cb_t cb);
extern void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                                   qemu_plugin_vcpu_udata_cb_t cb,
                                                   enum qemu_plugin_cb_flags flags,
                                                   void *userdata);
extern void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
                                           void *userdata);
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
                                                        size_t idx);
extern uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
extern void qemu_plugin_outs(const char *string);
/* ---- end of the API subset ---- */

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t start_addr;
static uint64_t end_addr;
/* Executed instructions since the start of the program (single vCPU). */
static uint64_t executed;
static uint64_t snapshot;
static bool in_region;
static unsigned regions;
static unsigned errors;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    qemu_plugin_outs(line);
}

/* What an instruction's callback does besides counting it. */
enum marker { MARK_NONE = 0, MARK_START = 1, MARK_END = 2 };

static void on_start(void)
{
    if (in_region) {
        say("insn_count: error: start marker hit again inside region %u\n", regions + 1);
        errors++;
    }
    snapshot = executed;
    in_region = true;
}

static void on_end(void)
{
    if (!in_region) {
        say("insn_count: error: end marker hit without a start\n");
        errors++;
        return;
    }
    in_region = false;
    regions++;
    say("insn_count: region %u: %" PRIu64 " instructions\n", regions, executed - snapshot);
}

/* Runs before every executed instruction: counts it, then handles its markers. The
 * snapshot at start includes the start instruction and the count at end the end
 * instruction, so a region counts exactly the instructions from start up to, not
 * including, end. */
static void on_insn(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    uintptr_t marks = (uintptr_t)userdata;
    executed++;
    if (marks & MARK_START) {
        on_start();
    }
    if (marks & MARK_END) {
        on_end();
    }
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        uintptr_t marks = (pc == start_addr ? MARK_START : 0) | (pc == end_addr ? MARK_END : 0);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS,
                                               (void *)marks);
    }
}

static void on_plugin_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    if (in_region) {
        say("insn_count: error: program ended inside region %u\n", regions + 1);
        errors++;
    }
    say("insn_count: %u region(s), %u error(s), %" PRIu64 " instructions in total\n", regions,
        errors, executed);
}

static bool parse_addr(const char *text, uint64_t *out)
{
    char *rest = NULL;
    if (*text == '\0') {
        return false;
    }
    unsigned long long v = strtoull(text, &rest, 0);
    if (rest == NULL || *rest != '\0') {
        return false;
    }
    /* Thumb symbols carry bit 0 set; instruction addresses do not. */
    *out = (uint64_t)v & ~(uint64_t)1;
    return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    bool have_start = false, have_end = false;
    if (info->system_emulation && info->system.max_vcpus > 1) {
        fprintf(stderr, "insn_count: only single-vCPU machines are supported (max_vcpus=%d)\n",
                info->system.max_vcpus);
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "start=", 6) == 0) {
            have_start = parse_addr(arg + 6, &start_addr);
            if (!have_start) {
                fprintf(stderr, "insn_count: bad start address '%s'\n", arg + 6);
                return -1;
            }
        } else if (strncmp(arg, "end=", 4) == 0) {
            have_end = parse_addr(arg + 4, &end_addr);
            if (!have_end) {
                fprintf(stderr, "insn_count: bad end address '%s'\n", arg + 4);
                return -1;
            }
        } else {
            fprintf(stderr, "insn_count: unknown argument '%s' (expected start=ADDR,end=ADDR)\n",
                    arg);
            return -1;
        }
    }
    if (!have_start || !have_end) {
        fprintf(stderr, "insn_count: both start=ADDR and end=ADDR are required\n");
        return -1;
    }
    if (start_addr == end_addr) {
        fprintf(stderr, "insn_count: start and end must differ\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
