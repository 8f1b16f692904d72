#!/usr/bin/env bash
# Installs the released keyhound binary of this checkout's version (Cargo.toml) for the
# runner's platform into DEST/bin, verifying its SHA-256 against the release's .sha256 file.
# action.yml runs it; scripts/test-install-release.sh tests it against a local server.
#
#   scripts/install-release.sh DEST
#
# Reads RUNNER_OS and RUNNER_ARCH (as GitHub sets them: Linux|macOS, X64|ARM64), writes
# `downloaded=true|false` to $GITHUB_OUTPUT (standard output when unset). Exits 0 with
# downloaded=false when there is nothing to download (an unreleased version, another
# platform), so the caller builds from source; exits 1 on a checksum mismatch or a broken
# archive, which must never silently become a source build.
# KEYHOUND_RELEASES_URL replaces "<repository>/releases/download" (for tests and mirrors).
set -euo pipefail

dest=${1:?usage: install-release.sh DEST}
root=$(cd "$(dirname "$0")/.." && pwd)
output=${GITHUB_OUTPUT:-/dev/stdout}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
repository=$(sed -n 's/^repository = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
releases=${KEYHOUND_RELEASES_URL:-$repository/releases/download}

not_downloaded() {
    echo "keyhound: $*; building from source"
    echo "downloaded=false" >> "$output"
    exit 0
}

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    *) not_downloaded "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}" ;;
esac

name="keyhound-$version-$target"
url="$releases/v$version/$name.tar.gz"
work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/keyhound-download.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! curl -fsSL --retry 3 -o "$work/$name.tar.gz" "$url" ||
    ! curl -fsSL --retry 3 -o "$work/$name.tar.gz.sha256" "$url.sha256"; then
    not_downloaded "$url is not available (is version $version released?)"
fi

if command -v sha256sum > /dev/null; then
    actual=$(sha256sum "$work/$name.tar.gz" | cut -d' ' -f1)
else
    actual=$(shasum -a 256 "$work/$name.tar.gz" | cut -d' ' -f1)
fi
expected=$(cut -d' ' -f1 "$work/$name.tar.gz.sha256")
if [ "${#expected}" -ne 64 ] || [ "$expected" != "$actual" ]; then
    echo "::error title=keyhound::checksum mismatch for $name.tar.gz (expected ${expected:-nothing}, got $actual)" >&2
    exit 1
fi

tar -xzf "$work/$name.tar.gz" -C "$work"
mkdir -p "$dest/bin"
install -m 755 "$work/$name/keyhound" "$dest/bin/keyhound"
"$dest/bin/keyhound" --version
echo "downloaded=true" >> "$output"
