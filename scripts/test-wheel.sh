#!/usr/bin/env bash
# The Python packaging end to end: builds keyhound's wheel with maturin (pyproject.toml,
# `bindings = "bin"`), installs it with pip, with `uv tool install` and with `pipx install`
# into temporary environments, and runs each installed binary: --version, a clean scan
# (exit 0) and a scan that finds a staged fake token (exit 1, secret redacted). Also checks
# that the source distribution carries what a build from it needs.
#
# Needs: python3 (with venv), cargo, network access to PyPI. Prints PASS or FAIL last.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/keyhound-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$root/scripts/lib/e2e.sh"

step "installing maturin, uv and pipx into a temporary virtual environment"
python_venv "$work/tools" maturin uv pipx
tools="$work/tools/bin"

step "building the wheel (dev profile, reusing target/)"
start=$(date +%s)
wheel=$(build_dev_wheel "$tools/maturin" "$work/dist")
echo "built $(basename "$wheel") in $(($(date +%s) - start)) s"
case "$(basename "$wheel")" in
    keyhound-*-py3-none-*.whl) ;;
    *) fail "the wheel is not a py3-none platform wheel: $(basename "$wheel")" ;;
esac
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
case "$(basename "$wheel")" in
    "keyhound-$version-"*) ;;
    *) fail "the wheel's version is not Cargo.toml's $version" ;;
esac

token=$(fake_github_token)
mkdir -p "$work/clean" "$work/leak"
printf 'print("hello")\n' > "$work/clean/app.py"
printf 'export GH_TOKEN=%s\n' "$token" > "$work/leak/deploy.sh"

# check_binary LABEL BINARY: the installed binary runs and scans like the built one.
check_binary() {
    local label=$1 bin=$2 status
    [ -x "$bin" ] || fail "$label: no executable at $bin"
    "$bin" --version | grep -qx "keyhound $version" || fail "$label: --version is not $version"
    "$bin" scan "$work/clean" > "$work/clean.log" 2>&1 ||
        { cat "$work/clean.log"; fail "$label: a clean scan did not exit 0"; }
    status=0
    "$bin" scan "$work/leak" > "$work/leak.log" 2>&1 || status=$?
    [ "$status" -eq 1 ] || { cat "$work/leak.log"; fail "$label: a scan with a finding exited $status, not 1"; }
    grep -q "github-classic-pat" "$work/leak.log" || fail "$label: the finding is not reported"
    if grep -qF "$token" "$work/leak.log"; then fail "$label: the secret was printed"; fi
    echo "ok: $label ($bin)"
}

step "pip install"
python3 -m venv "$work/pip-env"
start=$(date +%s)
"$work/pip-env/bin/pip" install --quiet --disable-pip-version-check "$wheel"
echo "pip installed the wheel in $(($(date +%s) - start)) s"
check_binary "pip install" "$work/pip-env/bin/keyhound"

step "uv tool install"
UV_TOOL_DIR="$work/uv-tools" UV_TOOL_BIN_DIR="$work/uv-bin" UV_CACHE_DIR="$work/uv-cache" \
    "$tools/uv" tool install --quiet "$wheel"
check_binary "uv tool install" "$work/uv-bin/keyhound"

step "pipx install"
PIPX_HOME="$work/pipx-home" PIPX_BIN_DIR="$work/pipx-bin" "$tools/pipx" install --quiet "$wheel" >/dev/null
check_binary "pipx install" "$work/pipx-bin/keyhound"

step "the source distribution carries what building it needs"
(cd "$root" && "$tools/maturin" sdist --out "$work/sdist" >/dev/null 2>&1)
sdist=("$work/sdist"/keyhound-*.tar.gz)
tar -tzf "${sdist[0]}" > "$work/sdist.list"
for needed in pyproject.toml Cargo.toml Cargo.lock build.rs src/main.rs rules/github.toml; do
    grep -q "^keyhound-$version/$needed\$" "$work/sdist.list" || fail "the sdist lacks $needed"
done

echo "PASS: the wheel installs with pip, uv and pipx, and the installed keyhound scans"
