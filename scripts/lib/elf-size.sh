# Sourced by the scripts that read the boards' ELF files (scripts/firmware-size,
# scripts/ci.d/35-f429-emulated.sh, scripts/ci.d/60-pico.sh), after `set -euo pipefail`:
#   llvm_tool NAME            the path of rustup's llvm-tools binary NAME (llvm-size,
#                             llvm-nm), or an error that says how to install them
#   elf_totals FLASH_SECTIONS reads `llvm-size -A` output on stdin and prints "FLASH RAM" in
#                             bytes: FLASH the sections loaded from flash (FLASH_SECTIONS,
#                             their names without the dot as an awk alternation, e.g.
#                             'vector_table|text|rodata') plus .data's initialisers, RAM
#                             .data + .bss + .uninit; fails when there is no .text (an empty
#                             or foreign output), so that a figure is never a silent 0
# Call both in assignments (x=$(...)), where `set -e` stops the script on their failure.
llvm_tool() {
    local bin
    bin=$(ls "$(rustc --print sysroot)"/lib/rustlib/*/bin/"$1" 2>/dev/null | head -n1) || true
    [[ -x $bin ]] || { echo "error: $1 not found (rustup component add llvm-tools)" >&2; return 1; }
    echo "$bin"
}

elf_totals() {
    awk -v flash="^\\.($1)\$" '
        $1 ~ flash { f += $2 }
        $1 == ".text" { t = 1 }
        $1 == ".data" { f += $2; r += $2 }
        $1 ~ /^\.(bss|uninit)$/ { r += $2 }
        END { if (!t) { print "llvm-size: no .text section" > "/dev/stderr"; exit 1 } print f, r }'
}
