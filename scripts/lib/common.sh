# Shared helpers for scripts/*. Sourced, not executed.
# shellcheck shell=bash

HFT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export HFT_REPO

say() { printf '%s: %s\n' "$(basename "$0")" "$*"; }
die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "this step needs root: run it as root or install sudo ($*)"
  fi
}

# Waits until a TCP port on 127.0.0.1 accepts connections, or fails after $2 seconds.
wait_for_port() {
  local port=$1 timeout=${2:-20} start=$SECONDS
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    (( SECONDS - start < timeout )) || return 1
    sleep 0.1
  done
}

# Configures and builds one build tree: build/<name> (release | asan).
build_tree() {
  local name=$1; shift
  local dir="$HFT_REPO/build/$name"
  cmake -S "$HFT_REPO" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" --parallel "${HFT_BUILD_JOBS:-2}"
}
