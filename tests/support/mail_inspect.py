#!/usr/bin/python3
"""Prints what a mail reader would see in FILE.eml, as JSON, for assertions.

    /usr/bin/python3 tests/support/mail_inspect.py FILE.eml

Parsed with Python's email package (policy=default): subject (decoded), from,
to, date, date_present, message_id, headers (top-level names, in order) and
parts (every part of msg.walk(), containers included) with content_type,
filename, transfer_encoding, size and sha256 of the decoded bytes, and text
(the decoded text) for text/plain and text/html parts.
"""

import hashlib
import json
import sys
from email import policy
from email.parser import BytesParser


def describe(part):
    entry = {
        "content_type": part.get_content_type(),
        "filename": part.get_filename(),
        "transfer_encoding": part.get("Content-Transfer-Encoding"),
    }
    if part.is_multipart():
        return entry
    payload = part.get_payload(decode=True) or b""
    entry["size"] = len(payload)
    entry["sha256"] = hashlib.sha256(payload).hexdigest()
    if entry["content_type"] in ("text/plain", "text/html"):
        entry["text"] = part.get_content()
    return entry


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mail_inspect.py FILE.eml")
    with open(sys.argv[1], "rb") as f:
        msg = BytesParser(policy=policy.default).parse(f)
    result = {
        "subject": str(msg["Subject"]) if msg["Subject"] is not None else None,
        "from": str(msg["From"]) if msg["From"] is not None else None,
        "to": [str(a.addr_spec) for a in msg["To"].addresses] if msg["To"] is not None else [],
        "date": str(msg["Date"]) if msg["Date"] is not None else None,
        "date_present": msg["Date"] is not None,
        "message_id": str(msg["Message-ID"]) if msg["Message-ID"] is not None else None,
        "headers": list(msg.keys()),
        "defects": [type(d).__name__ for p in msg.walk() for d in p.defects],
        "parts": [describe(p) for p in msg.walk()],
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
