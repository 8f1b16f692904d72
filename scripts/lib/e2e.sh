# Helpers shared by the end-to-end scripts. Source it after setting $root (the repository).

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() { echo "==> $*"; }

# python_venv DIR PACKAGE...: a fresh virtual environment in DIR with PACKAGEs installed.
python_venv() {
    local dir=$1
    shift
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
}

# build_dev_wheel MATURIN OUT_DIR: prints the path of a keyhound wheel built from $root.
# The dev profile reuses what `cargo test` already compiled in target/, so this takes seconds;
# the wheel's layout and metadata are the release wheels' (only the code is unoptimised).
build_dev_wheel() {
    local maturin=$1 out=$2
    (cd "$root" && "$maturin" build --locked --profile dev --strip --out "$out") > "$out.log" 2>&1 ||
        { cat "$out.log" >&2; return 1; }
    local wheels=("$out"/keyhound-*.whl)
    [ -f "${wheels[0]}" ] || { echo "no wheel in $out" >&2; return 1; }
    echo "${wheels[0]}"
}

# fake_github_token: a format-valid fake GitHub token, generated now (never a literal in the
# repository): ghp_, 30 random base62 characters, then their CRC32 in 6 base62 digits.
fake_github_token() {
    python3 - <<'PY'
import random, zlib
alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
body = "".join(random.SystemRandom().choice(alphabet) for _ in range(30))
value, digits = zlib.crc32(body.encode()), ""
for _ in range(6):
    digits = alphabet[value % 62] + digits
    value //= 62
print("ghp_" + body + digits)
PY
}
