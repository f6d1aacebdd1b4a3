#!/usr/bin/env bash
# Installs every Debian 12 package genops-sim needs. Idempotent: it does nothing
# when all packages are present, never prompts, and works as root on a minimal
# Debian 12 (or through sudo for a normal user).
set -euo pipefail

# Grouped by who needs them; each find_package in cmake/, each program a test runs and each
# Python/R import of the tests and the README's recipes. scripts/fresh-check.sh proves the list
# on a minimal Debian 12 root.
packages=(
  # build
  build-essential cmake ninja-build git ca-certificates
  libboost-graph-dev libboost-random-dev libboost-program-options-dev libboost-math-dev
  libeigen3-dev libhdf5-dev libtbb-dev libtomlplusplus-dev libssl-dev nlohmann-json3-dev
  zlib1g-dev
  # tests and benchmarks (gmock is packaged apart from gtest; libbenchmark-tools ships the
  # compare.py of scripts/bench-compare.sh, which needs python3-scipy)
  libgtest-dev libgmock-dev libbenchmark-dev libbenchmark-tools clang-format
  # the Python loader, its tests (xarray via h5netcdf) and the statistics reference script
  python3 python3-h5py python3-pandas python3-numpy python3-xarray python3-h5netcdf python3-scipy
  # the README's R recipe and its test
  r-cran-hdf5r
  # the sanitizer stages of CI: the fuzz preset (clang-14 libFuzzer with ASan + UBSan)
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  # sweep run --mpi and its mpirun test (optional at configure time, installed for CI)
  openmpi-bin libopenmpi-dev
  # the Slurm array test runs munged, slurmctld and slurmd on this machine
  slurm-wlm munge
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} Debian packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
