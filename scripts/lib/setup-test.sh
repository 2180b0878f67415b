# Checks that scripts/setup says what it cannot install before it installs anything, with
# stand-ins on a PATH that holds nothing else (nothing is installed):
#   bash scripts/lib/setup-test.sh     (scripts/test runs it)
# without rustup it names it and stops; with a Node.js older than 20.11 it names the version
# and stops; neither touches apt-get.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
stubs=$(mktemp -d)
trap 'rm -rf "$stubs"' EXIT
# the tools setup uses before its first check, and stand-ins that log their use
for tool in dirname; do ln -s "$(command -v "$tool")" "$stubs/$tool"; done
stub() {
    printf '#!/bin/bash\n%s\n' "$2" >"$stubs/$1"
    chmod +x "$stubs/$1"
}
for tool in apt-get sudo dpkg-query cargo; do stub "$tool" "echo $tool >>'$stubs/log'; exit 1"; done
stub node 'case $1 in -p) echo "18 19" ;; --version) echo v18.19.0 ;; esac'
bash=$(command -v bash)
# check WHAT WANT: scripts/setup must fail saying WANT, having run none of the stand-ins
check() {
    local out status=0
    out=$(PATH=$stubs "$bash" "$repo/scripts/setup" 2>&1) || status=$?
    if ((status != 1)) || [[ $out != *"$2"* ]] || [[ -e $stubs/log ]]; then
        echo "error: scripts/setup $1: status $status, said:" >&2
        echo "$out" >&2
        [[ ! -e $stubs/log ]] || { echo "and ran:" >&2; cat "$stubs/log" >&2; }
        exit 1
    fi
}
check "without rustup" "error: rustup is missing"
stub rustup 'exit 0'
check "with Node.js 18" "error: Node.js v18.19.0 is too old"
echo "scripts/setup stops first without rustup, and with a Node.js too old"
