#!/usr/bin/env bash
# End-to-end check of keyhound's pre-commit framework hooks (.pre-commit-hooks.yaml).
#
# Installs the real `pre-commit` from PyPI into a temporary virtual environment, creates a
# temporary git repository and checks that a staged fake token is rejected with the finding
# shown and that a clean change passes, for each way of installing the hook:
#   - `keyhound` (language: python) from this repository at HEAD, with `pre-commit try-repo`
#     (a staged secret) and through real `git commit`s with the hook installed (a clean change,
#     then a secret; each of the two installs is a cargo build, so there are no more): pre-commit pip-installs the
#     clone, so maturin builds the wheel with cargo (commit your changes before running it).
#     Its builds go to target/pre-commit/ (or $KEYHOUND_PRE_COMMIT_TARGET_DIR) so dependencies
#     are compiled once across runs. Not target/ itself: the clone and the checkout share
#     build-script output there (same package, same unit hash), so one's list of embedded rule
#     files could go stale for the other;
#   - `keyhound-system` (language: system) with a keyhound wheel installed on PATH;
#   - the README's local hook that pip-installs a prebuilt wheel (`additional_dependencies`),
#     here the wheel built from this checkout.
#
# Needs: python3 (with venv), git, cargo, network access to PyPI (and crates.io).
# Prints PASS or FAIL on the last line; exits non-zero on failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/keyhound-pre-commit.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$root/scripts/lib/e2e.sh"

if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
    echo "note: $root has uncommitted changes; pre-commit tests its committed HEAD" >&2
fi
rev=$(git -C "$root" rev-parse HEAD)

step "installing pre-commit and maturin into a temporary virtual environment"
python_venv "$work/venv" pre-commit maturin
pre_commit="$work/venv/bin/pre-commit"
"$pre_commit" --version

step "building a keyhound wheel from this checkout (dev profile, reusing target/)"
wheel=$(build_dev_wheel "$work/venv/bin/maturin" "$work/dist")
python3 -m venv "$work/installed"
"$work/installed/bin/pip" install --quiet --disable-pip-version-check "$wheel"

# Isolated git and pre-commit state; a fixed identity so commits work on any machine.
export PRE_COMMIT_HOME="$work/pre-commit-home"
export CARGO_TARGET_DIR="${KEYHOUND_PRE_COMMIT_TARGET_DIR:-$root/target/pre-commit}"
# The hook's install (pip, maturin, cargo --locked) and wiring are under test, not the optimiser:
# pre-commit's release build of the same sources, unoptimised, takes CI a fraction of the minutes.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="keyhound test" GIT_AUTHOR_EMAIL="test@example.invalid"
export GIT_COMMITTER_NAME="keyhound test" GIT_COMMITTER_EMAIL="test@example.invalid"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

fake_token=$(fake_github_token)

repo="$work/repo"
git init -q "$repo"
cd "$repo"
git commit -q --allow-empty -m "start"

step "pre-commit try-repo keyhound (python, built from this repository): a staged fake token is rejected"
printf 'export GH_TOKEN=%s\n' "$fake_token" > deploy.sh
git add deploy.sh
if "$pre_commit" try-repo "$root" keyhound --ref "$rev" > "$work/try-leak.log" 2>&1; then
    cat "$work/try-leak.log"
    fail "try-repo passed a staged secret"
fi
cat "$work/try-leak.log"
grep -q "deploy.sh:1:" "$work/try-leak.log" || fail "try-repo output does not show the finding"
grep -q "github-classic-pat" "$work/try-leak.log" || fail "try-repo output does not name the rule"
if grep -qF "$fake_token" "$work/try-leak.log"; then fail "the secret was printed"; fi

step "git commit with the hook installed by pre-commit"
printf 'export GH_TOKEN="$(vault read -field=token secret/gh)"\n' > deploy.sh
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $rev
    hooks:
      - id: keyhound
YAML
git add .pre-commit-config.yaml deploy.sh
"$pre_commit" install
git commit -q -m "clean deploy script" > "$work/commit-clean.log" 2>&1 ||
    { cat "$work/commit-clean.log"; fail "a clean commit was rejected"; }
clean_head=$(git rev-parse HEAD)

printf 'debug = false\ntoken = %s\n' "$fake_token" > app.cfg
git add app.cfg
if git commit -q -m "add config" > "$work/commit-leak.log" 2>&1; then
    cat "$work/commit-leak.log"
    fail "a commit staging a secret went through"
fi
cat "$work/commit-leak.log"
grep -q "app.cfg:2:" "$work/commit-leak.log" || fail "the rejected commit does not show the finding"
[ "$(git rev-parse HEAD)" = "$clean_head" ] || fail "HEAD moved after a rejected commit"

git rm -q --cached app.cfg && rm app.cfg

step "pre-commit try-repo keyhound-system (keyhound from PATH)"
printf 'export GH_TOKEN=%s\n' "$fake_token" > deploy.sh
git add deploy.sh
if PATH="$work/installed/bin:$PATH" "$pre_commit" try-repo "$root" keyhound-system --ref "$rev" \
    > "$work/system-leak.log" 2>&1; then
    cat "$work/system-leak.log"
    fail "keyhound-system passed a staged secret"
fi
grep -q "deploy.sh:1:" "$work/system-leak.log" || { cat "$work/system-leak.log"; fail "keyhound-system does not show the finding"; }
git checkout -q HEAD -- deploy.sh
PATH="$work/installed/bin:$PATH" "$pre_commit" try-repo "$root" keyhound-system --ref "$rev" \
    > "$work/system-clean.log" 2>&1 || { cat "$work/system-clean.log"; fail "keyhound-system rejected a clean change"; }

step "a local python hook that pip-installs the prebuilt wheel"
cat > "$work/local-hook.yaml" <<YAML
repos:
  - repo: local
    hooks:
      - id: keyhound
        name: keyhound
        entry: keyhound scan --staged .
        language: python
        additional_dependencies: ["$wheel"]
        pass_filenames: false
        always_run: true
        require_serial: true
YAML
printf 'export GH_TOKEN=%s\n' "$fake_token" > deploy.sh
git add deploy.sh
if "$pre_commit" run --config "$work/local-hook.yaml" > "$work/local-leak.log" 2>&1; then
    cat "$work/local-leak.log"
    fail "the local wheel hook passed a staged secret"
fi
grep -q "deploy.sh:1:" "$work/local-leak.log" || { cat "$work/local-leak.log"; fail "the local wheel hook does not show the finding"; }
git checkout -q HEAD -- deploy.sh
"$pre_commit" run --config "$work/local-hook.yaml" > "$work/local-clean.log" 2>&1 ||
    { cat "$work/local-clean.log"; fail "the local wheel hook rejected a clean change"; }

echo "PASS: keyhound's pre-commit hooks (python, system, local wheel) reject staged secrets and pass clean commits"
