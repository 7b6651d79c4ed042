#!/usr/bin/env python3
"""The shell tests run under `set -o pipefail`. In `producer | grep -q PAT`
grep exits at the first match; a producer still writing then dies of SIGPIPE
and the pipeline fails although the text was there (a flaky `|| fail`, and an
`&& fail` that can never fire). Such a check reads the text first:
`grep -q PAT <<<"$(producer)"`. This finds the pipe form in tests/ and scripts/
files that set pipefail (directly or through tests/support/e2e.sh)."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
pipe_into_quiet_grep = re.compile(r"\|\s*grep\b[^|]*\s(-[a-zA-Z]*q[a-zA-Z]*|--quiet|--silent)\b")
bad = []
for path in sorted(list(root.glob("tests/**/*.sh")) + list(root.glob("scripts/**/*"))):
    if not path.is_file():
        continue
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        continue
    if "pipefail" not in text and "support/e2e.sh" not in text:
        continue
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        code = line.split(" #", 1)[0]
        if pipe_into_quiet_grep.search(code):
            bad.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
for b in bad:
    print(b)
if bad:
    print(f"{len(bad)} pipe(s) into grep -q under pipefail; read the text first: grep -q PAT <<<\"$(cmd)\"")
sys.exit(1 if bad else 0)
