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
# without node, Debian's nodejs is asked for its version (an `apt-get update` as root, and
# `apt-cache policy`), and nothing is installed
rm "$stubs/node"
stub id 'echo 0'
stub apt-get "echo \"apt-get \$*\" >>'$stubs/updates'; [[ \" \$* \" == *' update '* ]]"
stub apt-cache 'printf "nodejs:\n  Installed: (none)\n  Candidate: 18.19.0+dfsg-6~deb12u2\n"'
for tool in sed dpkg; do ln -s "$(command -v "$tool")" "$stubs/$tool"; done
check "without Node.js, Debian offering 18" "error: Node.js is missing, and this machine's Debian offers nodejs 18.19.0+dfsg-6~deb12u2"
if [[ $(cat "$stubs/updates") != *"update -qq" ]] || (($(wc -l <"$stubs/updates") != 1)); then
    echo "error: scripts/setup without Node.js ran apt-get other than one update:" >&2
    cat "$stubs/updates" >&2
    exit 1
fi
echo "scripts/setup stops first without rustup, with a Node.js too old, and without one where Debian's is too old"
