#!/usr/bin/env python3
"""Third-party recall and precision: Samsung CredData's line labels against each scanner.

    creddata.py extract CREDDATA MIRRORS REPOS OUT
        Reads CredData's labels (meta/*.csv) and snapshot.json from the bare CredData mirror,
        and for every repository named in REPOS (owner/name per line) whose bare mirror is in
        MIRRORS/<owner>+<name>/repo, writes the labelled files, at the commit CredData labelled,
        under OUT/files/<owner>+<name>/<original path>, and the labels of those files to
        OUT/labels.tsv. Repositories without a mirror or without the commit are skipped and named.

    creddata.py score OUT TOOL REPORT_DIR [--min-confidence LEVEL]
        Scores one tool's reports (REPORT_DIR/<owner>+<name>.json) against OUT/labels.tsv.

CredData labels candidate values found by several scanners, not every line: a finding on an
unlabelled line is neither right nor wrong, and is counted apart. GroundTruth T is a secret,
F is not, X ("other": the labellers could not decide) counts for neither side. A label covers
LineStart..LineEnd (PEM keys span lines); a finding anywhere in that span hits it. A label is
the unit: several findings on one label count once, for recall and for precision (precision =
true labels hit / true and false labels hit; a finding line that hits a true label does not
also count against a false one on the same line).
"""
import binascii
import collections
import csv
import hashlib
import json
import os
import subprocess
import sys

CONFIDENCE = {"low": 0, "medium": 1, "high": 2}

# What keyhound calls a configuration file (src/finding.rs, `is_configuration`): a password by
# context there may be `medium`; in code it is `low`.
CONFIGURATION_EXTENSIONS = {"yaml", "yml", "properties", "ini", "toml", "env", "json", "xml", "conf", "cfg",
                            "config", "cnf", "plist", "tfvars", "hcl", "neon", "rsp"}
# A committed template configures what its copy will: `config.yml.dist`, `config.example`.
TEMPLATE_SUFFIXES = {"dist", "example", "sample", "template", "tmpl", "tpl"}


# "Passwords and other short secrets" (issue 13, item 1): the CredData categories of values a
# person or a system sets with no provider format, which repos.txt was chosen for.
SHORT_SECRETS = {"Password", "Secret", "Token", "Auth", "API", "Credential", "URL Credentials", "SQL Password",
                 "CMD Password", "CMD Secret", "CMD Token", "CMD ConvertTo-SecureString", "CURL User Password",
                 "Salt", "Nonce", "Basic Authorization", "Bearer Authorization", "OTP / 2FA Secret", "NKEY Seed"}
SHORT = "Short secrets"


def file_kind(path):
    name = path.rsplit("/", 1)[-1].lower()
    base, _, suffix = name.rpartition(".")
    if base and suffix in TEMPLATE_SUFFIXES:
        name = base
    extension = name.rsplit(".", 1)[1] if "." in name else ""
    configuration = extension in CONFIGURATION_EXTENSIONS or name.startswith(".env") or name == "config"
    return "configuration" if configuration else "code"


def git(repo, *args, data=None):
    return subprocess.run(["git", "--git-dir", repo, *args], input=data, capture_output=True, check=True).stdout


def new_repo_id(snapshot_key):
    """CredData's short repository id: crc32 of the snapshot key's bytes."""
    return f"{binascii.crc32(binascii.unhexlify(snapshot_key)):08x}"


def extract(creddata, mirrors, repos_file, out):
    snapshot = json.loads(git(creddata, "show", "HEAD:snapshot.json"))
    by_url = {url.rstrip("/").lower(): key for key, url in snapshot.items()}
    wanted = [line.strip() for line in open(repos_file) if line.strip() and not line.startswith("#")]
    os.makedirs(os.path.join(out, "files"), exist_ok=True)
    labels = open(os.path.join(out, "labels.tsv"), "w", newline="")
    writer = csv.writer(labels, delimiter="\t", lineterminator="\n")
    writer.writerow(["repository", "path", "line_start", "line_end", "truth", "category"])
    kept = 0
    for name in wanted:
        key = by_url.get(f"https://github.com/{name}".lower())
        if key is None:
            print(f"creddata: {name} is not in CredData's snapshot.json", file=sys.stderr)
            continue
        commit, short = key[:40], new_repo_id(key)
        mirror = next((p for p in (f"{mirrors}/{name.replace('/', '+')}/repo", f"{mirrors}/{name.replace('/', '+')}/repo/.git")
                       if os.path.isfile(os.path.join(p, "HEAD"))), None)
        if mirror is None:
            print(f"creddata: skipped {name}: no mirror in {mirrors}", file=sys.stderr)
            continue
        try:
            tree = git(mirror, "ls-tree", "-r", "-z", "--full-tree", commit)
        except subprocess.CalledProcessError:
            print(f"creddata: skipped {name}: its mirror lacks commit {commit}", file=sys.stderr)
            continue
        rows = list(csv.DictReader(git(creddata, "show", f"HEAD:meta/{short}.csv").decode().splitlines()))
        wanted_ids = {row["FileID"] for row in rows}
        found = {}
        for entry in tree.split(b"\0"):
            if not entry:
                continue
            meta, path = entry.split(b"\t", 1)
            mode, kind, blob = meta.split()
            path = path.decode("utf-8", "surrogateescape")
            file_id = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:8]
            if kind == b"blob" and mode != b"120000" and file_id in wanted_ids:
                found[file_id] = (path, blob.decode())
        missing = wanted_ids - found.keys()
        if missing:
            print(f"creddata: {name}: {len(missing)} of {len(wanted_ids)} labelled files not found at {commit[:12]}; their labels are dropped", file=sys.stderr)
        local = name.replace("/", "+")
        for file_id, (path, blob) in found.items():
            try:
                content = git(mirror, "cat-file", "blob", blob)
            except subprocess.CalledProcessError:
                print(f"creddata: {name}: blob of {path} is missing; its labels are dropped", file=sys.stderr)
                missing.add(file_id)
                continue
            target = os.path.join(out, "files", local, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(content)
        for row in rows:
            if row["FileID"] in missing:
                continue
            path = found[row["FileID"]][0]
            writer.writerow([local, path, row["LineStart"], row["LineEnd"], row["GroundTruth"], row["Category"]])
            kept += 1
        print(f"creddata: {name}: {len(found) - len(missing & found.keys())} files", file=sys.stderr)
    labels.close()
    print(f"creddata: {kept} labels written to {out}/labels.tsv", file=sys.stderr)


def read_units(out):
    """One unit per labelled span; T wins over F wins over X on the same span."""
    rank = {"T": 2, "F": 1, "X": 0}
    units = {}
    for row in csv.DictReader(open(os.path.join(out, "labels.tsv")), delimiter="\t"):
        span = (row["repository"], row["path"], int(row["line_start"]), int(row["line_end"]))
        truth, categories = row["truth"], set(row["category"].split(":"))
        old = units.get(span)
        if old is None or rank[truth] > rank[old[0]]:
            units[span] = (truth, categories)
        elif truth == old[0]:
            old[1].update(categories)
    by_file = collections.defaultdict(list)
    for (repo, path, start, end), (truth, categories) in units.items():
        by_file[(repo, path)].append((start, end, truth, categories))
    return by_file


def relative(path, repo):
    path = path.removeprefix("./")
    at = path.find(f"{repo}/")
    return path[at + len(repo) + 1:] if at >= 0 else path


def findings(tool, repo, report, min_confidence):
    """(path, line) of every finding in one tool's report."""
    if tool == "keyhound":
        return [(relative(f["path"], repo), f["line"]) for f in report
                if CONFIDENCE.get(f.get("confidence", "high"), 2) >= min_confidence]
    if tool == "gitleaks":
        return [(relative(f["File"], repo), f["StartLine"]) for f in report or []]
    if tool == "betterleaks":
        items = report.get("findings", []) if isinstance(report, dict) else report or []
        spots = []
        for f in items:
            loc = f.get("location", f)
            spots.append((relative(loc.get("path") or loc.get("File", ""), repo), loc.get("start_line") or loc.get("StartLine")))
        return spots
    if tool == "detect-secrets":
        return [(relative(path, repo), f["line_number"]) for path, items in report.get("results", {}).items() for f in items]
    raise SystemExit(f"creddata: unknown tool {tool}")


def score(out, tool, report_dir, min_confidence):
    by_file = read_units(out)
    repos = sorted({repo for repo, _ in by_file})
    hit_true, hit_false = set(), set()
    unlabelled = ignored = 0
    for repo in repos:
        path = os.path.join(report_dir, f"{repo}.json")
        text = open(path).read().strip() if os.path.exists(path) else ""
        report = json.loads(text) if text else []
        for file, line in sorted(set(findings(tool, repo, report, min_confidence))):
            touched = [u for u in by_file.get((repo, file), []) if u[0] <= line <= u[1]]
            trues = [u for u in touched if u[2] == "T"]
            falses = [u for u in touched if u[2] == "F"]
            if trues:
                hit_true.update((repo, file, u[0], u[1]) for u in trues)
            elif falses:
                hit_false.update((repo, file, u[0], u[1]) for u in falses)
            elif touched:
                ignored += 1
            else:
                unlabelled += 1
    positives, found, wrong = collections.Counter(), collections.Counter(), collections.Counter()
    for (repo, file), units in by_file.items():
        kind = file_kind(file)
        for start, end, truth, categories in units:
            key = (repo, file, start, end)
            for c in categories | {"ALL"} | ({SHORT} if categories & SHORT_SECRETS else set()):
                for counted in (c, (c, kind)):
                    if truth == "T":
                        positives[counted] += 1
                        found[counted] += key in hit_true
                    elif truth == "F":
                        wrong[counted] += key in hit_false

    def ratio(a, b):
        return f"{a / b:.2f}" if b else "  - "

    print(f"{'category':<30} {'true':>6} {'found':>6} {'recall':>6} {'false+':>6} {'prec':>6}")
    categories = [c for c in positives if isinstance(c, str)]
    order = ["ALL", SHORT] + sorted((c for c in categories if c not in ("ALL", SHORT)), key=lambda c: (-positives[c], c))
    for c in order:
        tp, fp = found[c], wrong[c]
        print(f"{c:<30} {positives[c]:>6} {tp:>6} {ratio(tp, positives[c]):>6} {fp:>6} {ratio(tp, tp + fp):>6}")
    for c in ("ALL", SHORT, "Password"):
        for kind in ("configuration", "code"):
            tp, fp, n = found[(c, kind)], wrong[(c, kind)], positives[(c, kind)]
            print(f"{c + ' in ' + kind:<30} {n:>6} {tp:>6} {ratio(tp, n):>6} {fp:>6} {ratio(tp, tp + fp):>6}")
    print(f"finding lines on unlabelled lines: {unlabelled}; on undecided (X) labels only: {ignored}")


def main(argv):
    if len(argv) == 5 and argv[0] == "extract":
        extract(*argv[1:])
    elif len(argv) in (4, 6) and argv[0] == "score":
        level = 0
        if len(argv) == 6:
            if argv[4] != "--min-confidence" or argv[5] not in CONFIDENCE:
                raise SystemExit("creddata: --min-confidence takes low, medium or high")
            level = CONFIDENCE[argv[5]]
        score(argv[1], argv[2], argv[3], level)
    else:
        raise SystemExit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as e:
        print(f"creddata: {' '.join(e.cmd)}: {e.stderr.decode(errors='replace').strip()}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        print(f"creddata: {e}", file=sys.stderr)
        sys.exit(2)
