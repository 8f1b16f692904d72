#!/usr/bin/env python3
"""Extracts the positive and negative rule examples of secret scanners' rule sets from bare git
copies of their repositories into a corpus directory, one file per example.

Used by scripts/peer-examples.sh; run that instead. Knows three rule-set layouts:
- Nosey Parker: crates/noseyparker*/data/**/rules/*.yml (`examples`, `negative_examples`);
- Kingfisher: data/rules/*.yml (same keys);
- gitleaks and its forks: cmd/generate/config/rules/*.go, the string literals of `tps` and
  `fps` (examples built at run time by the peer's generator are skipped: they are not text).

Rules that only match identifiers (categories with `identifier` but not `secret`, Kingfisher's
`visible: false` helper rules, and gitleaks-style rules whose id names a client id, key id, host,
URL or token name) are skipped and counted: a scanner of secrets need not find them.
Positives that hold a made-up sequence are scored apart (see `made_up`): the targets are read on
the rest ("realistic" recall); every negative is always counted.
Writes <corpus>/examples/<peer>/NNNNN.pos|neg and <corpus>/index/<peer>.tsv (file, kind, peer
rule id); `score` reads keyhound's JSONL findings on <corpus>/examples (and optionally those of a
`--confidence low` scan) and prints a table for each.
"""

import os
import re
import subprocess
import sys
import warnings

warnings.simplefilter("ignore", FutureWarning)  # peers' regexes trip re's nested-set warning

try:
    import yaml
except ImportError:
    sys.exit("peer-examples: needs PyYAML (pip install pyyaml)")


def git_files(git_dir, pattern):
    """The HEAD blobs whose path matches `pattern`: [(path, text)]."""
    listing = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "-r", "HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout
    wanted = []
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        kind, oid = meta.split()[1:3]
        if kind == "blob" and pattern.search(path):
            wanted.append((path, oid))
    if not wanted:
        return []
    batch = subprocess.run(
        ["git", "--git-dir", git_dir, "cat-file", "--batch"],
        input="".join(oid + "\n" for _, oid in wanted).encode(),
        check=True, capture_output=True,
    ).stdout
    files, pos = [], 0
    for path, _ in wanted:
        header_end = batch.index(b"\n", pos)
        header = batch[pos:header_end].split()
        if header[-1] == b"missing":
            pos = header_end + 1
            continue
        size = int(header[2])
        body = batch[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1
        files.append((path, body.decode("utf-8", "replace")))
    return files


def identifier_only(rule):
    categories = rule.get("categories") or []
    return ("identifier" in categories and "secret" not in categories) or rule.get("visible") is False


# gitleaks-style rules carry no categories; their ids say when they match an identifier only
# (a client or key id, an account host, a project URL, a token's name), as Nosey Parker's
# `identifier` category does for the same kinds of values.
GO_IDENTIFIER_ID = re.compile(
    r"-(?:client|key|access|auth|app|account|service-account)-id$|^planetscale-id$"
    r"|-(?:jfrog|instance|project)-url$|-host$|-cloud-name$|-token-name$"
)
# Named like identifiers, but their examples are secrets: Azure AD client *secrets*.
GO_IDENTIFIER_EXCEPTIONS = {"azure-client-id"}


def go_identifier_only(rule_id):
    base = re.sub(r"\.[0-9]+$", "", rule_id)
    return base not in GO_IDENTIFIER_EXCEPTIONS and bool(GO_IDENTIFIER_ID.search(base))


def provider_of(path):
    """The provider a rule file is about, by its name: every peer keeps one file per provider
    (`rules/github.yml`, `rules/github.go`), so the file's stem, lowercased and stripped of
    punctuation, names the provider across peers."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return re.sub(r"[^a-z0-9]", "", stem.lower())


def yaml_rules(files):
    """(examples, patterns, skipped): the examples of every rule kept, as (rule id, kind, text,
    provider), every rule's pattern, and the examples of identifier-only rules left out."""
    examples, patterns, skipped = [], {}, []
    for path, text in files:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as err:
            print(f"peer-examples: skipping {path}: {err}".splitlines()[0], file=sys.stderr)
            continue
        if not isinstance(doc, dict):
            continue
        for rule in doc.get("rules") or []:
            if not isinstance(rule, dict):
                continue
            rule_id = str(rule.get("id") or rule.get("name"))
            if isinstance(rule.get("pattern"), str):
                patterns[rule_id] = rule["pattern"]
            for kind, key in (("pos", "examples"), ("neg", "negative_examples")):
                for example in rule.get(key) or []:
                    if isinstance(example, str):
                        kept = skipped if identifier_only(rule) else examples
                        kept.append((rule_id, kind, example, provider_of(path)))
    return examples, patterns, skipped


def toml_patterns(git_dir):
    """The regex of every rule in a gitleaks-style generated config (config/*.toml)."""
    import tomllib

    patterns = {}
    for _, text in git_files(git_dir, re.compile(r"^config/[^/]+\.toml$")):
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        for rule in doc.get("rules") or []:
            if isinstance(rule.get("regex"), str) and "id" in rule:
                patterns[rule["id"]] = rule["regex"]
    return patterns


def compile_peer_regex(pattern):
    """The peer's pattern as a Python regex, or None when its syntax has no Python form.
    Leading global flags (`(?x)` then `(?i)` on the next line) are merged into one group."""
    flags = ""
    rest = pattern
    while True:
        match = re.match(r"\s*\(\?([a-z]+)\)", rest)
        if not match:
            break
        flags += match.group(1)
        rest = rest[match.end():]
    rest = rest.replace("\\z", "\\Z")
    try:
        return re.compile((f"(?{''.join(sorted(set(flags)))})" if flags else "") + rest)
    except (re.error, OverflowError, ValueError):
        return None


def other_rules_report(examples, patterns):
    """Drops negatives that another rule of the same peer matches: Nosey Parker lists a bot
    token among its user-token rule's negatives, yet its bot-token rule reports it. Such a
    negative is that peer's positive, not a text no scanner should report."""
    compiled = {rule_id: compile_peer_regex(p) for rule_id, p in patterns.items()}
    positives = {text for _, kind, text, _ in examples if kind == "pos"}
    kept, dropped = [], 0
    for rule_id, kind, text, provider in examples:
        if kind == "neg" and (text in positives or any(
                regex is not None and other != rule_id and regex.search(text)
                for other, regex in compiled.items())):
            dropped += 1
            continue
        kept.append((rule_id, kind, text, provider))
    usable = sum(r is not None for r in compiled.values())
    return kept, dropped, usable, len(compiled)


GO_TOKEN = re.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:[^"\\\n]|\\.)*"|`[^`]*`|[A-Za-z_][A-Za-z0-9_.]*|:=|\S',
    re.S,
)
GO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "a": "\a",
              "b": "\b", "f": "\f", "v": "\v"}


def go_string(token):
    if token.startswith("`"):
        return token[1:-1]
    out, body, i = [], token[1:-1], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in GO_ESCAPES:
            out.append(GO_ESCAPES[nxt])
            i += 2
        elif nxt in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            out.append(chr(int(body[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:  # octal
            out.append(chr(int(body[i + 1:i + 4], 8)))
            i += 4
    return "".join(out)


def is_string(token):
    return token[:1] in ('"', "`")


def go_elements(tokens, i, close):
    """Splits the list starting at tokens[i] up to the bracket `close` into top-level elements;
    returns (elements, index after the close)."""
    depth, element, elements = 0, [], []
    while i < len(tokens):
        tok = tokens[i]
        if tok in "([{":
            depth += 1
        elif tok in ")]}":
            if depth == 0 and tok == close:
                if element:
                    elements.append(element)
                return elements, i + 1
            depth -= 1
        if tok == "," and depth == 0:
            elements.append(element)
            element = []
        else:
            element.append(tok)
        i += 1
    return elements, i


def literal(element):
    """The value of an element made of string literals joined by `+` only, else None."""
    if not element or not all(is_string(t) or t == "+" for t in element):
        return None
    return "".join(go_string(t) for t in element if t != "+")


def go_examples(files):
    """(examples, skipped): as yaml_rules, for gitleaks-style Go rule definitions."""
    examples, skipped = [], []
    for path, text in files:
        if path.endswith("_test.go"):
            continue
        tokens = [t for t in GO_TOKEN.findall(text) if not t.startswith(("//", "/*"))]
        rule_id = None
        for i, tok in enumerate(tokens):
            if tok == "RuleID" and i + 2 < len(tokens) and is_string(tokens[i + 2]):
                rule_id = go_string(tokens[i + 2])
                continue
            if tok not in ("tps", "fps") or i + 2 >= len(tokens) or tokens[i + 1] not in (":=", "="):
                continue
            kind = "pos" if tok == "tps" else "neg"
            rhs = tokens[i + 2:i + 6]
            if rhs[:3] == ["[", "]", "string"] and len(rhs) > 3 and rhs[3] == "{":
                elements, _ = go_elements(tokens, i + 6, "}")
            elif rhs[:2] == ["append", "("]:
                elements, _ = go_elements(tokens, i + 4, ")")
                elements = elements[1:]  # the slice appended to
            else:
                continue
            for element in elements:
                value = literal(element)
                if value is not None and rule_id:
                    kept = skipped if go_identifier_only(rule_id) else examples
                    kept.append((rule_id, kind, value, provider_of(path)))
    return examples, skipped


def go_module(git_dir):
    try:
        text = subprocess.run(
            ["git", "--git-dir", git_dir, "show", "HEAD:go.mod"],
            check=True, capture_output=True, text=True,
        ).stdout
    except subprocess.CalledProcessError:
        return None
    match = re.search(r"^module\s+(\S+)", text, re.M)
    if not match:
        return None
    parts = [p for p in match.group(1).split("/") if not re.fullmatch(r"v\d+", p)]
    return parts[-1]


def peer_of(git_dir):
    """(peer name, examples, patterns, skipped identifier examples, providers of its rule
    files) for the rule set found in `git_dir`."""
    np_rules = git_files(git_dir, re.compile(r"^crates/noseyparker[^/]*/data/.*rules/[^/]+\.ya?ml$"))
    if np_rules:
        return ("noseyparker", *yaml_rules(np_rules), providers_of(np_rules))
    go_rules = git_files(git_dir, re.compile(r"^cmd/generate/config/rules/[^/]+\.go$"))
    if go_rules:
        name = go_module(git_dir) or os.path.basename(git_dir)
        examples, skipped = go_examples(go_rules)
        return name, examples, toml_patterns(git_dir), skipped, providers_of(go_rules)
    yml_rules = git_files(git_dir, re.compile(r"^data/rules/[^/]+\.ya?ml$"))
    if yml_rules:
        return ("kingfisher", *yaml_rules(yml_rules), providers_of(yml_rules))
    sys.exit(f"peer-examples: no known rule set in {git_dir}")


def providers_of(files):
    return sorted({provider_of(path) for path, _ in files if not path.endswith("_test.go")})


def extract(corpus, git_dirs):
    for git_dir in git_dirs:
        peer, examples, patterns, skipped, providers = peer_of(git_dir)
        examples, dropped, usable, total = other_rules_report(examples, patterns)
        skipped_rules = len({rule_id for rule_id, _, _, _ in skipped})
        skipped_pos = sum(kind == "pos" for _, kind, _, _ in skipped)
        print(f"{peer}: {skipped_pos} positive and {len(skipped) - skipped_pos} negative examples "
              f"of {skipped_rules} identifier-only rules skipped; {dropped} negatives dropped "
              f"(another of its rules matches them; {usable} of its {total} regexes have a "
              f"Python form)", file=sys.stderr)
        out_dir = os.path.join(corpus, "examples", peer)
        os.makedirs(out_dir, exist_ok=False)
        os.makedirs(os.path.join(corpus, "index"), exist_ok=True)
        with open(os.path.join(corpus, "index", peer + ".providers"), "w") as listing:
            listing.write("".join(provider + "\n" for provider in providers))
        with open(os.path.join(corpus, "index", peer + ".tsv"), "w") as index:
            for n, (rule_id, kind, text, provider) in enumerate(examples):
                name = f"{n:05d}.{kind}"
                with open(os.path.join(out_dir, name), "w") as f:
                    f.write(text if text.endswith("\n") else text + "\n")
                index.write(f"{peer}/{name}\t{kind}\t{rule_id}\t{provider}\n")


# Runs no random generator produces: eight consecutive characters of the alphabet, the digits or a
# keyboard row, either way (`abcdefgh`, `12345678`, `87654321`, `qwertyui`). A random 40-character
# hex or alphanumeric token holds one with a chance under one in ten million, so a positive example
# that holds one was typed by a person and stands for no real credential: the peers write such
# values (`abcdef1234567890abcdef1234567890`) where the provider's real tokens are random, and
# keyhound reports a provider-format value holding one at `low` confidence only. The same test applies to every
# peer's positives; negatives are all counted (a scanner must stay quiet on placeholders).
MADE_UP_SOURCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm")
MADE_UP_RUN = 8
MADE_UP_RUNS = frozenset(
    source[i:i + MADE_UP_RUN]
    for forward in MADE_UP_SOURCES
    for source in (forward, forward[::-1])
    for i in range(len(source) - MADE_UP_RUN + 1)
)


def made_up(text):
    """The sequence that marks an example's value as typed by a person, or None: a run above,
    or one letter or digit repeated eight times (`aaaaaaaa`, `00000000`, `xxxxxxxx`), which a
    random token holds no more often than such a run."""
    lower = text.lower()
    for i in range(len(lower) - MADE_UP_RUN + 1):
        window = lower[i:i + MADE_UP_RUN]
        if window in MADE_UP_RUNS or (window[0].isalnum() and window == window[0] * MADE_UP_RUN):
            return window
    return None


def read_findings(findings_path):
    """keyhound's JSONL findings: {example path: [rule id]}."""
    import json

    found = {}
    with open(findings_path) as f:
        for line in f:
            if line.strip():
                finding = json.loads(line)
                found.setdefault(finding["path"].lstrip("./"), []).append(finding["rule_id"])
    return found


def print_table(title, rows):
    print(title)
    print(f"{'peer':<14}{'rules':>6}{'positives':>10}{'found':>7}{'recall':>8}"
          f"{'realistic':>10}{'found':>7}{'recall':>8}"
          f"{'negatives':>10}{'flagged':>8}{'precision':>10}")
    for peer, rules, pos, hit, real, real_hit, neg, flagged in rows:
        recall = hit / pos if pos else float("nan")
        real_recall = real_hit / real if real else float("nan")
        precision = hit / (hit + flagged) if hit + flagged else float("nan")
        print(f"{peer:<14}{rules:>6}{pos:>10}{hit:>7}{recall:>8.3f}"
              f"{real:>10}{real_hit:>7}{real_recall:>8.3f}"
              f"{neg:>10}{flagged:>8}{precision:>10.3f}")


def our_rule_files():
    """The providers keyhound has a rule file for, named as provider_of names them."""
    rules_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules")
    return {provider_of(name) for name in os.listdir(rules_dir) if name.endswith(".toml")}


# Rule files of two or more peers that keyhound's rule files name differently, and files that
# name no provider.
PROVIDER_ALIASES = {
    "gcp": "google", "teams": "microsoftteams", "pem": "privatekey", "postgres": "database",
    "odbc": "database", "stopwords": None,
}


def print_provider_coverage(corpus, levels, positives_by_provider):
    """Issue 14 asks keyhound to cover every provider that appears in two or more peers' rule
    sets (a peer keeps one rule file per provider). A provider counts as covered at a level
    when keyhound finds at least one of its realistic positive examples, from any peer: a name
    match between rule files would say nothing about whether the rule works. Providers with no
    realistic example are listed apart, with whether keyhound finds a made-up one and has a
    rule file of that name (or of its alias)."""
    index_dir = os.path.join(corpus, "index")
    peers_by_provider = {}
    for name in os.listdir(index_dir):
        if name.endswith(".providers"):
            with open(os.path.join(index_dir, name)) as listing:
                for provider in listing.read().split():
                    peers_by_provider.setdefault(provider, set()).add(name[:-len(".providers")])
    shared = sorted(p for p, peers in peers_by_provider.items()
                    if len(peers) >= 2 and PROVIDER_ALIASES.get(p, p) is not None)
    realistic = {p: [path for path, real in positives_by_provider.get(p, []) if real] for p in shared}
    testable = [p for p in shared if realistic[p]]
    print(f"providers in the rule files of two or more peers: {len(shared)} "
          f"({len(testable)} with a realistic positive example)")
    for title, found in levels:
        uncovered = [p for p in testable if not any(found.get(path) for path in realistic[p])]
        print(f"  {title} keyhound finds an example of {len(testable) - len(uncovered)} of {len(testable)}")
        for provider in uncovered:
            print(f"    not found: {provider} ({','.join(sorted(peers_by_provider[provider]))})")
    ours = our_rule_files()
    low = levels[-1][1]
    for provider in (p for p in shared if not realistic[p]):
        made_up_found = any(low.get(path) for path, _ in positives_by_provider.get(provider, []))
        alias = PROVIDER_ALIASES.get(provider, provider)
        rule_file = next((rule for rule in sorted(ours) if rule.startswith(alias)), None)
        print(f"  no realistic example: {provider} ({','.join(sorted(peers_by_provider[provider]))}; "
              f"{'a made-up example found at low; ' if made_up_found else ''}"
              f"{'keyhound rules/' + rule_file + '.toml' if rule_file else 'NO keyhound rule file'})")


def score(corpus, findings_path, low_findings_path, show_misses):
    """Prints recall and precision per peer from keyhound's JSONL findings, at the default
    confidence and, when `low_findings_path` is given, at `--confidence low`."""
    levels = [("at the default confidence (medium and high):", read_findings(findings_path))]
    if low_findings_path:
        levels.append(("at --confidence low (everything):", read_findings(low_findings_path)))
    tables = [[] for _ in levels]
    misses = []
    positives_by_provider = {}
    for index_name in sorted(os.listdir(os.path.join(corpus, "index"))):
        if not index_name.endswith(".tsv"):
            continue
        peer = index_name[:-4]
        with open(os.path.join(corpus, "index", index_name)) as index:
            entries = [line.rstrip("\n").split("\t") for line in index]
        realistic = {}
        for path, kind, _, provider in entries:
            if kind == "pos":
                with open(os.path.join(corpus, "examples", path), errors="replace") as f:
                    realistic[path] = made_up(f.read()) is None
                positives_by_provider.setdefault(provider, []).append((path, realistic[path]))
        for level, (_, found) in enumerate(levels):
            rules = set(rule_id for _, _, rule_id, _ in entries)
            pos, hit, real, real_hit, neg, flagged = 0, 0, 0, 0, 0, 0
            for path, kind, rule_id, _ in entries:
                ours = found.get(path, [])
                if kind == "pos":
                    pos += 1
                    hit += bool(ours)
                    real += realistic[path]
                    real_hit += realistic[path] and bool(ours)
                else:
                    neg += 1
                    flagged += bool(ours)
            tables[level].append((peer, len(rules), pos, hit, real, real_hit, neg, flagged))
        # Misses at the default confidence; with a low scan, the rules that find a missed
        # positive only at low confidence are named, and negatives flagged only there listed.
        found = levels[0][1]
        low = levels[-1][1] if low_findings_path else {}
        for path, kind, rule_id, _ in entries:
            ours = found.get(path, [])
            low_ours = ",".join(sorted(set(low.get(path, []))))
            if kind == "pos" and not ours:
                what = "missed" if realistic[path] else "missed-made-up"
                misses.append((peer, what, rule_id, path, f"low:{low_ours}" if low_ours else ""))
            elif kind == "neg" and ours:
                misses.append((peer, "flagged", rule_id, path, ",".join(sorted(set(ours)))))
            elif kind == "neg" and low_ours:
                misses.append((peer, "flagged-low", rule_id, path, low_ours))
    for level, (title, _) in enumerate(levels):
        if level:
            print()
        print_table(title, tables[level])
    print()
    print_provider_coverage(corpus, levels, positives_by_provider)
    if show_misses:
        print()
        for peer, what, rule_id, path, ours in misses:
            with open(os.path.join(corpus, "examples", path), errors="replace") as f:
                text = f.read().strip().replace("\n", "\\n")
            if len(text) > 140:
                text = text[:137] + "..."
            print(f"{peer}\t{what}\t{rule_id}\t{ours}\t{text}")


def main():
    usage = ("usage: peer-examples-extract.py extract CORPUS GIT_DIR... | "
             "score CORPUS FINDINGS [LOW_FINDINGS] [--misses]")
    if len(sys.argv) >= 4 and sys.argv[1] == "extract":
        extract(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) in (4, 5, 6) and sys.argv[1] == "score":
        rest = sys.argv[4:]
        show_misses = "--misses" in rest
        rest = [arg for arg in rest if arg != "--misses"]
        if len(rest) > 1:
            sys.exit(usage)
        score(sys.argv[2], sys.argv[3], rest[0] if rest else None, show_misses)
    else:
        sys.exit(usage)


if __name__ == "__main__":
    main()
