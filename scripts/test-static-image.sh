#!/usr/bin/env bash
# The Dockerfile's image, checked without a Docker engine (none runs on this project's machines):
# the same static musl build, laid out as the Dockerfile's `FROM scratch` stage (the binary and the
# CA bundle, nothing else: no shell, no libc, no git), and run inside that root with chroot. It
# checks that the binary has no program interpreter and no shared library, that a clean scan exits
# 0, and that a committed fake token is found in the working tree and in history with its secret
# redacted, as `docker run -v "$PWD:/scan" keyhound scan --history .` would.
#
#   scripts/test-static-image.sh [--release]   # --release also prints the shipped binary's size
#
# Needs: rustup (adds the x86_64-unknown-linux-musl target), musl-gcc (Debian's musl-tools, which
# ring's C code is built with), root for chroot (or unshare -r). Prints PASS or FAIL last.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/e2e.sh"
target=x86_64-unknown-linux-musl
profile=dev
[ "${1:-}" = "--release" ] && profile=release

step "the $target target and musl-gcc"
# Only the standard library for musl comes from rustup's server, which not every CI network
# reaches: without it there is nothing to build, and the check says so rather than failing CI.
if ! rustup target add "$target" >/dev/null 2>&1; then
    echo "SKIP: rustup could not add $target here (no access to its server); nothing was checked"
    exit 0
fi
if ! command -v musl-gcc >/dev/null; then
    command -v apt-get >/dev/null || fail "musl-gcc is missing and apt-get is not available"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null; }
fi

step "building the static binary ($profile profile)"
(cd "$root" && cargo build --locked --profile "$profile" --target "$target" --bin keyhound)
dir=$profile
[ "$profile" = dev ] && dir=debug
bin="${CARGO_TARGET_DIR:-$root/target}/$target/$dir/keyhound"
[ -x "$bin" ] || fail "no binary at $bin"
if readelf -lW "$bin" | grep -q 'program interpreter'; then fail "the binary asks for a dynamic loader"; fi
if readelf -dW "$bin" | grep -q '(NEEDED)'; then fail "the binary needs shared libraries"; fi
echo "static: no interpreter, no shared library; $(stat -c %s "$bin") bytes ($profile)"

work=$(mktemp -d "${TMPDIR:-/tmp}/keyhound-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
image=$work/image
mkdir -p "$image/usr/local/bin" "$image/etc/ssl/certs" "$image/scan" "$image/tmp"
cp "$bin" "$image/usr/local/bin/keyhound"
cp /etc/ssl/certs/ca-certificates.crt "$image/etc/ssl/certs/"

token=$(fake_github_token)
repo=$image/scan/repo
git init -q "$repo"
printf 'print("hello")\n' > "$repo/app.py"
git -C "$repo" add app.py
git -C "$repo" -c user.name=t -c user.email=t@example.com commit -qm init
printf 'export GH_TOKEN=%s\n' "$token" > "$repo/deploy.sh"
git -C "$repo" add deploy.sh
git -C "$repo" -c user.name=t -c user.email=t@example.com commit -qm deploy
mkdir -p "$image/scan/clean"
printf 'print("hello")\n' > "$image/scan/clean/app.py"

# in_image ARGS...: keyhound run as the image's entrypoint, with the image as its whole filesystem.
in_image() {
    if [ "$(id -u)" -eq 0 ]; then
        chroot "$image" /usr/local/bin/keyhound "$@"
    else
        unshare -r chroot "$image" /usr/local/bin/keyhound "$@"
    fi
}

step "running in the image's root (chroot: nothing but the binary and the CA bundle)"
in_image --version | grep -q '^keyhound ' || fail "--version did not run"
in_image scan /scan/clean > "$work/clean.log" 2>&1 || { cat "$work/clean.log"; fail "a clean scan did not exit 0"; }
status=0
in_image scan --history /scan/repo --format json > "$work/leak.json" 2> "$work/leak.err" || status=$?
[ "$status" -eq 1 ] || { cat "$work/leak.err"; fail "a scan with a finding exited $status, not 1"; }
grep -q '"github-classic-pat"' "$work/leak.json" || fail "the token was not found"
grep -q '"commit"' "$work/leak.json" || fail "the history finding names no commit"
if grep -qF "$token" "$work/leak.json" "$work/leak.err"; then fail "the secret was printed"; fi
echo "PASS"
