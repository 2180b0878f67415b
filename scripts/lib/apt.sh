# Sourced by scripts/setup (bash):
#   apt_install PACKAGE...   `apt-get update` once, then installs the packages: as root
#                            directly; as a user through sudo (which may ask for a password);
#                            as a user without sudo it names the command to run as root and
#                            returns 1; it waits for another apt holding the lock, and
#                            tries failed downloads again
#   apt_candidate PACKAGE    `apt-get update` once (as apt_install would), then prints the
#                            version of PACKAGE apt would install ("" when none)
APT_UPDATED=
# (waiting up to 5 minutes for another apt, a fresh machine's daily update, to finish, and
# trying each download again up to 3 times)
APT_WAIT=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
# apt_as_root WHY: sets APT_AS_ROOT to what runs a command as root (nothing, or sudo); as a user
# without sudo it says what to run as root (WHY: the command) and returns 1
apt_as_root() {
    APT_AS_ROOT=()
    if [[ $(id -u) -ne 0 ]]; then
        if ! command -v sudo >/dev/null; then
            echo "error: missing packages; as root, run: $1" >&2
            echo "       (or run scripts/setup as root; without sudo it cannot install them)" >&2
            return 1
        fi
        echo "setup: not root: installing them with sudo (it may ask for your password)"
        APT_AS_ROOT=(sudo)
    fi
}
apt_update() {
    [[ -z $APT_UPDATED ]] || return 0
    "${APT_AS_ROOT[@]}" apt-get "${APT_WAIT[@]}" update -qq || return 1
    APT_UPDATED=1
}
apt_install() {
    apt_as_root "apt-get update && apt-get install $*" || return 1
    if ! apt_update ||
        ! "${APT_AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get "${APT_WAIT[@]}" install -y -qq --no-install-recommends "$@" >/dev/null; then
        echo "error: installing the packages failed; as root, run: apt-get update && apt-get install $*" >&2
        return 1
    fi
}
apt_candidate() {
    apt_as_root "apt-get update && apt-get install $1" >&2 || return 1
    if ! apt_update; then
        echo "error: apt-get update failed; as root, run: apt-get update" >&2
        return 1
    fi
    apt-cache policy "$1" | sed -n 's/^ *Candidate: //p' | sed 's/^(none)$//'
}
