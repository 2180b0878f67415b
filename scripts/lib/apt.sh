# Sourced by scripts/setup (bash):
#   apt_install PACKAGE...   `apt-get update` once, then installs the packages: as root
#                            directly; as a user through sudo (which may ask for a password);
#                            as a user without sudo it names the command to run as root and
#                            returns 1; it waits for another apt holding the lock, and
#                            tries failed downloads again
apt_install() {
    local as_root=()
    if [[ $(id -u) -ne 0 ]]; then
        if ! command -v sudo >/dev/null; then
            echo "error: missing packages; as root, run: apt-get update && apt-get install $*" >&2
            echo "       (or run scripts/setup as root; without sudo it cannot install them)" >&2
            return 1
        fi
        echo "setup: not root: installing them with sudo (it may ask for your password)"
        as_root=(sudo)
    fi
    # waiting up to 5 minutes for another apt (a fresh machine's daily update) to finish,
    # and trying each download again up to 3 times
    local wait=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
    if ! "${as_root[@]}" apt-get "${wait[@]}" update -qq ||
        ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get "${wait[@]}" install -y -qq --no-install-recommends "$@" >/dev/null; then
        echo "error: installing the packages failed; as root, run: apt-get update && apt-get install $*" >&2
        return 1
    fi
}
