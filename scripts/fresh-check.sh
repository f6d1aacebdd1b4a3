#!/usr/bin/env bash
# Proves the README's promise on a truly minimal system before a release: builds a Debian 12
# root with `debootstrap --variant=minbase bookworm` from the mirror this machine's apt uses,
# clones the current commit into it and runs `.ci/run` there as CI does (root, CI=true, no
# standard input, a clean environment). Prints the ctest summary line and exits non-zero on any
# failure. Needs root, network access to the Debian mirror and ~15 minutes on 2 cores.
#
#   scripts/fresh-check.sh [--keep] [--root DIR] [--mirror URL]
#
#   --keep         leave the root in place afterwards (default: removed)
#   --root DIR     where to build the root (default: a new directory under /var/tmp)
#   --mirror URL   Debian mirror (default: the first URI of this machine's apt sources)
#
# Downloaded packages are cached in /var/cache/genops-fresh-check, so a second run only
# re-downloads what changed. Not part of .ci/run (it needs root and minutes).
set -euo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

keep=0
root=""
mirror=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) keep=1 ;;
    --root) root="${2:?--root needs a directory}"; shift ;;
    --mirror) mirror="${2:?--mirror needs a URL}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fresh-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ "$(id -u)" -ne 0 ]]; then
  echo "fresh-check: must run as root (debootstrap and chroot need it)" >&2
  exit 2
fi

repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse HEAD)"
if [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]]; then
  echo "fresh-check: note: uncommitted changes are NOT checked; testing commit $commit" >&2
fi

# The mirror this machine's apt uses: deb822 sources first, then the one-line format.
if [[ -z "$mirror" ]]; then
  mirror="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
    grep -v -- '-security' | head -n 1 || true)"
fi
if [[ -z "$mirror" ]]; then
  mirror="$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v -- '-security' |
    head -n 1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
security="${mirror%/debian}/debian-security"

if ! command -v debootstrap >/dev/null; then
  echo "fresh-check: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap \
    </dev/null >/dev/null
fi

if [[ -z "$root" ]]; then
  root="$(mktemp -d /var/tmp/genops-fresh-root.XXXXXX)"
  chmod 0755 "$root"  # mktemp makes it 0700: daemons users (munge) could not reach /bin/sh
elif [[ -e "$root" && -n "$(ls -A "$root" 2>/dev/null)" ]]; then
  echo "fresh-check: --root '$root' exists and is not empty; give a new or empty directory" >&2
  exit 2
fi
mkdir -p "$root"
chmod 0755 "$root"
log="$root.log"
cache=/var/cache/genops-fresh-check
mkdir -p "$cache"

mounted=()
cleanup() {
  local i pid
  # Anything still running inside the root (a daemon a test started, a run cut short) goes first.
  for pid in $(ps -eo pid=); do
    [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$root" ]] && kill -9 "$pid" 2>/dev/null
  done
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[i]}" 2>/dev/null || true
  done
  if [[ "$keep" -eq 0 ]]; then
    rm -rf --one-file-system "$root"
  else
    echo "fresh-check: root kept at $root"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "fresh-check: debootstrap --variant=minbase bookworm $root $mirror"
debootstrap --variant=minbase --cache-dir="$cache" bookworm "$root" "$mirror" >"$log" 2>&1 || {
  echo "fresh-check: debootstrap failed; last lines of $log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}

# The same suites as the machines CI runs on (release, updates, security).
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"

# sys/fs/cgroup too: slurmd (the Slurm test) needs the cgroup filesystem a real machine has.
for fs in proc sys sys/fs/cgroup dev dev/pts; do
  mkdir -p "$root/$fs"
  case "$fs" in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sys "$root/sys" ;;
    *) mount --bind "/$fs" "$root/$fs" ;;
  esac
  mounted+=("$root/$fs")
done

# A fresh clone of the current commit, as CI makes one (this machine's git; the minimal root
# has none until install-deps brings it).
echo "fresh-check: cloning $commit"
git clone -q --no-local "$repo" "$root/work/genops-sim"
git -C "$root/work/genops-sim" checkout -q --detach "$commit"

echo "fresh-check: running .ci/run in the minimal root (log: $log)"
set +e
chroot "$root" /usr/bin/env -i CI=true HOME=/root TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd /work/genops-sim && bash .ci/run' </dev/null >>"$log" 2>&1
status=$?
set -e

summary="$(grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || true)"
echo "fresh-check: last lines of .ci/run:"
tail -n 8 "$log"
echo "fresh-check: ${summary:-no ctest summary line found}"
if [[ "$status" -ne 0 ]]; then
  echo "fresh-check: FAILED (.ci/run exit $status) on commit $commit; full log: $log" >&2
  exit 1
fi
echo "fresh-check: PASSED on commit $commit (minimal Debian 12 root, $mirror)"
