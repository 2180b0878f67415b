# Checks scripts/lib/apt.sh with stand-ins for id, sudo, env and apt-get (nothing is installed):
#   bash scripts/lib/apt-test.sh     (scripts/test runs it)
# as root it runs apt-get itself, as a user with sudo through sudo, as a user without sudo it
# names the command and fails, a failing `apt-get update` stops before the install, and a
# failing update or install names the command to run as root.
set -euo pipefail
source "$(dirname "$0")/apt.sh"
stubs=$(mktemp -d)
trap 'rm -rf "$stubs"' EXIT
export LOG=$stubs/log
# each stand-in logs its name and arguments; only shell builtins, for PATH holds nothing else
stub() {
    printf '#!/bin/bash\n%s\n' "$2" >"$stubs/$1"
    chmod +x "$stubs/$1"
}
stub id 'echo "$UID_IS"'
stub apt-get 'echo "apt-get $*" >>"$LOG"; [[ -z ${FAIL_UPDATE:-} || " $* " != *" update "* ]]'
stub env 'echo "env $*" >>"$LOG"; [[ -z ${FAIL_INSTALL:-} ]]'
stub sudo 'echo "sudo $*" >>"$LOG"'
check() { # WHAT WANT_STATUS WANT_LOG
    local got status=0
    if [[ $3 == "-" ]]; then local want=""; else local want=$3; fi
    (PATH=$stubs apt_install pkg-a pkg-b >"$stubs/out" 2>&1) || status=$?
    got=$(cat "$LOG" 2>/dev/null || true)
    rm -f "$LOG"
    if [[ $status != "$2" || $got != "$want" ]]; then
        echo "error: apt_install $1: status $status (want $2), ran:" >&2
        echo "$got" >&2
        echo "wanted:" >&2
        echo "$want" >&2
        cat "$stubs/out" >&2
        exit 1
    fi
}
wait="-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3"
install="DEBIAN_FRONTEND=noninteractive apt-get $wait install -y -qq --no-install-recommends pkg-a pkg-b"
UID_IS=0 check "as root" 0 "apt-get $wait update -qq
env $install"
UID_IS=1000 check "as a user with sudo" 0 "sudo apt-get $wait update -qq
sudo env $install"
# names_the_command: a failing apt-get's message names the command to run as root
names_the_command() {
    grep -q "installing the packages failed; as root, run: apt-get update && apt-get install pkg-a pkg-b" \
        "$stubs/out" || {
        echo "error: a failing apt-get ($1) does not name the command to run as root:" >&2
        cat "$stubs/out" >&2
        exit 1
    }
}
UID_IS=0 FAIL_INSTALL=1 check "with apt-get install failing" 1 "apt-get $wait update -qq
env $install"
names_the_command install
UID_IS=0 FAIL_UPDATE=1 check "with apt-get update failing" 1 "apt-get $wait update -qq"
names_the_command update
rm "$stubs/sudo"
UID_IS=1000 check "as a user without sudo" 1 -
grep -q "as root, run: apt-get update && apt-get install pkg-a pkg-b" "$stubs/out" || {
    echo "error: apt_install without sudo does not name the command:" >&2
    cat "$stubs/out" >&2
    exit 1
}
echo "apt_install: as root, with sudo, without sudo, apt-get update or install failing: as expected"
