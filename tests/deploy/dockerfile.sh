#!/usr/bin/env bash
# Checks what the Dockerfile claims, without Docker: the build stage installs with scripts/bootstrap and
# configures like scripts/run; the runtime stage names the package of every library the built hft names
# itself, reaches every other library ldd reports through those packages' dependencies, and lists no
# package that none of them needs; it runs as a non-root user with ENTRYPOINT ["hft"]. Packages are matched with dpkg on this machine (Debian 12, as the
# image), so the test proves the list against the binary the tests built.
#
#   tests/deploy/dockerfile.sh PATH/TO/hft
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"

hft=${1:?usage: dockerfile.sh PATH/TO/hft}
dockerfile=$HFT_REPO/Dockerfile
build_stage=$(sed -n '/^FROM debian:bookworm AS build/,/^FROM /p' "$dockerfile")
runtime_stage=$(sed -n '/^FROM debian:bookworm-slim$/,$p' "$dockerfile")
[[ -n $build_stage ]] || die "the Dockerfile has no 'FROM debian:bookworm AS build' stage"
[[ -n $runtime_stage ]] || die "the Dockerfile has no 'FROM debian:bookworm-slim' runtime stage"

grep -q '^RUN scripts/bootstrap' <<<"$build_stage" || die "the build stage must install packages with scripts/bootstrap"
run_flags=$(sed -nE 's/^[[:space:]]*build_tree release (.*)/\1/p' "$HFT_REPO/scripts/run")
docker_flags=$(tr -d '\\\n' <<<"$build_stage" | grep -oE "build_tree release +[^']*" | tr -s ' ' | cut -d' ' -f3- | sed 's/ *$//')
[[ -n $run_flags && $run_flags == "$docker_flags" ]] ||
  die "the build stage configures with '$docker_flags', scripts/run with '$run_flags'; keep them equal"

grep -qx 'USER hft' <<<"$runtime_stage" || die "the runtime stage must end as USER hft (not root)"
grep -qx 'ENTRYPOINT \["hft"\]' <<<"$runtime_stage" || die "the runtime stage needs ENTRYPOINT [\"hft\"]"

# The package list: the words after --no-install-recommends up to the next &&.
listed=$(tr -d '\\\n' <<<"$runtime_stage" | grep -oE -- '--no-install-recommends[^&]*' | tr -s ' ' '\n' | tail -n +2 | sort -u)
[[ -n $listed ]] || die "found no 'apt-get install --no-install-recommends PACKAGES' in the runtime stage"

# The Debian package owning each library ldd reports, in one dpkg call (it reads its whole file database
# each time). Merged /usr: dpkg may know a library under /lib or under /usr/lib, so ask for both spellings.
libraries=$(ldd "$hft" | awk '$2 == "=>" && $3 ~ /^\// {print $3}')
[[ -n $libraries ]] || die "ldd reported no shared libraries for $hft"
spellings() { local real; real=$(readlink -f "$1"); printf '%s\n' "$1" "$real" "/usr${1#/usr}" "${1#/usr}" "/usr${real#/usr}" "${real#/usr}"; }
owners=$(for library in $libraries; do spellings "$library"; done | sort -u | xargs dpkg -S 2>/dev/null || true)
package_of() {
  local candidate owner
  for candidate in $(spellings "$1"); do
    owner=$(awk -F': ' -v path="$candidate" '$2 == path {sub(/:.*/, "", $1); print $1; exit}' <<<"$owners")
    [[ -n $owner ]] && { echo "$owner"; return; }
  done
  die "no installed package owns $1 (ldd of $hft); is it a library built by hand?"
}
for package in $listed; do
  dpkg-query -W "$package" >/dev/null 2>&1 ||
    die "the runtime stage lists $package, which is not a Debian 12 package installed here (scripts/bootstrap)"
done
# Everything apt installs for the listed packages: their Depends/Pre-Depends, recursively (as installed here;
# a virtual or uninstalled dependency has nothing to contribute).
closure=$(
  declare -A seen=()
  mapfile -t queue <<<"$listed"
  while [[ ${#queue[@]} -gt 0 ]]; do
    package=${queue[0]}; queue=("${queue[@]:1}")
    [[ -n ${seen[$package]:-} ]] && continue
    seen[$package]=1
    echo "$package"
    depends=$(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$package" 2>/dev/null) || continue
    for dependency in $(tr ',|' '\n' <<<"$depends" | sed 's/(.*)//; s/:any//; s/ //g' | grep -v '^$'); do
      queue+=("$dependency")
    done
  done | sort -u
)

# Sanitizer builds link these from the compiler; the release image never has them.
build_only='^(libasan[0-9]+|libubsan[0-9]+|liblsan[0-9]+|libtsan[0-9]+)$'
# What hft itself names (DT_NEEDED) is listed by name, so the image does not rest on another package's
# dependencies; libc6 is in every Debian image.
direct=$(readelf -d "$hft" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
needed=()
while read -r soname _ library _; do
  package=$(package_of "$library")
  [[ $package =~ $build_only ]] && continue
  needed+=("$package")
  if grep -qx "$soname" <<<"$direct" && [[ $package != libc6 ]]; then
    grep -qx "$package" <<<"$listed" || die "hft links $soname of package $package: list it in the runtime stage"
  fi
  grep -qx "$package" <<<"$closure" ||
    die "hft links $library from package $package, which the runtime stage neither lists nor gets through a listed package"
done < <(ldd "$hft" | awk '$2 == "=>" && $3 ~ /^\//')

# Here-strings, not `printf | grep -q`: grep -q quits at the first match, and under pipefail the writer's SIGPIPE
# then fails the check now and then.
for package in $listed; do
  [[ $package == ca-certificates ]] && continue  # data, not a library: the exchanges' TLS needs it
  grep -qx "$package" <<<"$(printf '%s\n' "${needed[@]}")" ||
    die "the runtime stage lists $package, but hft links no library of it; drop it"
done
say "ok: $(wc -w <<<"$listed") runtime packages cover the $(printf '%s\n' "${needed[@]}" | sort -u | wc -l) packages of hft's libraries"
