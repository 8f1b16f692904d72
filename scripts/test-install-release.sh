#!/usr/bin/env bash
# Tests scripts/install-release.sh (the GitHub Action's download of a released binary)
# against a release laid out as .github/workflows/release.yml publishes it, served on
# 127.0.0.1 by Python's http.server: a good archive installs and runs; a checksum mismatch
# fails; an unreleased version and an unsupported platform fall back to a source build.
#
# Needs: python3, curl, cargo. Prints PASS or FAIL last.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/keyhound-install.XXXXXX")
server=""
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
. "$root/scripts/lib/e2e.sh"

(cd "$root" && cargo build --quiet --locked --bin keyhound)
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)

case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) os=Linux arch=X64 target=x86_64-unknown-linux-musl ;;
    Linux/aarch64) os=Linux arch=ARM64 target=aarch64-unknown-linux-musl ;;
    Darwin/arm64) os=macOS arch=ARM64 target=aarch64-apple-darwin ;;
    Darwin/x86_64) os=macOS arch=X64 target=x86_64-apple-darwin ;;
    *) fail "unsupported test platform $(uname -s)/$(uname -m)" ;;
esac

# The release, as the workflow's "Archive with checksum" step builds it.
name="keyhound-$version-$target"
release="$work/releases/v$version"
mkdir -p "$release/$name"
cp "$target_dir/debug/keyhound" "$release/$name/keyhound"
(cd "$release" && tar -czf "$name.tar.gz" "$name" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
rm -rf "${release:?}/$name"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/releases" "$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
done
export KEYHOUND_RELEASES_URL="http://127.0.0.1:$port"

# install CASE OS ARCH: runs the installer; its status, output and outputs file stay in $work/CASE.*
install() {
    local case=$1
    : > "$work/$case.out"
    set +e
    RUNNER_OS=$2 RUNNER_ARCH=$3 RUNNER_TEMP="$work" GITHUB_OUTPUT="$work/$case.out" \
        "$root/scripts/install-release.sh" "$work/$case-dest" > "$work/$case.log" 2>&1
    echo $? > "$work/$case.status"
    set -e
}

step "a released version installs, verified, and runs"
install good "$os" "$arch"
[ "$(cat "$work/good.status")" = 0 ] || { cat "$work/good.log"; fail "the install failed"; }
grep -qx "downloaded=true" "$work/good.out" || fail "downloaded=true was not set"
"$work/good-dest/bin/keyhound" --version | grep -qx "keyhound $version" || fail "the installed binary does not run"

step "a checksum mismatch fails the step"
good_sum=$(cat "$release/$name.tar.gz.sha256")
printf '%064d  %s\n' 0 "$name.tar.gz" > "$release/$name.tar.gz.sha256"
install tampered "$os" "$arch"
[ "$(cat "$work/tampered.status")" = 1 ] || { cat "$work/tampered.log"; fail "a checksum mismatch did not fail"; }
grep -q "checksum mismatch" "$work/tampered.log" || fail "the mismatch is not explained"
[ ! -e "$work/tampered-dest/bin/keyhound" ] || fail "a binary failing its checksum was installed"
echo "$good_sum" > "$release/$name.tar.gz.sha256"

step "an unreleased version falls back to building"
mv "$release" "$work/releases/unpublished"
install unreleased "$os" "$arch"
[ "$(cat "$work/unreleased.status")" = 0 ] || { cat "$work/unreleased.log"; fail "an unreleased version failed the step"; }
grep -qx "downloaded=false" "$work/unreleased.out" || fail "downloaded=false was not set"
grep -q "is not available" "$work/unreleased.log" || fail "the fallback is not explained"

step "an unsupported platform falls back to building"
install windows Windows X64
[ "$(cat "$work/windows.status")" = 0 ] || fail "an unsupported platform failed the step"
grep -qx "downloaded=false" "$work/windows.out" || fail "downloaded=false was not set"

echo "PASS: the action installs a verified release binary and falls back to a build only when there is none"
