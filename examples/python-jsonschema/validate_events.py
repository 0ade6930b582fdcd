#!/usr/bin/env python3
"""Validate Publisher's Kafka messages against the JSON Schema files of @publisher/contracts.

A consumer in any language can do what this script does: pick the schema by the value's
event_type and schema_version (schemas/index.json names the file), validate the value with a
JSON Schema (draft-07) validator that checks formats, and check that the key and headers agree
with the value.

Usage:
    python3 validate_events.py SCHEMAS_DIR < messages.jsonl

Each input line is one message: a JSON object {"value": "<the value as text>", "key": "...",
"headers": {"event-id": "...", ...}}; key and headers are optional. A line as kcat's -J prints it
({"payload": "...", "key": "...", "headers": ["event-id", "...", ...], ...}) is read too, so
`kcat -C -J -e -t publisher.deployments.v1 | python3 validate_events.py SCHEMAS_DIR` checks a topic.
Each output line is a JSON object {"line": n, "ok": true|false, "event_type": ..., "errors": [...]}.
Exit status: 0 when every message is valid, 1 when one is not, 2 on bad usage, 3 when a format
checker is missing.

Needs: jsonschema (4.x) and rfc3339-validator (without it, jsonschema skips date-time checks
silently, so this script refuses to run): pip install jsonschema rfc3339-validator
"""

import json
import os
import sys

try:
    import jsonschema
    import rfc3339_validator  # noqa: F401  (registers the date-time format checker)
except ImportError as err:
    print(f"missing Python package: {err.name} (pip install jsonschema rfc3339-validator)", file=sys.stderr)
    sys.exit(3)

# Headers that repeat a field of the value; they must agree with it.
HEADER_FIELDS = {"event-id": "event_id", "event-type": "event_type", "schema-version": "schema_version"}


def load_validators(schemas_dir):
    with open(os.path.join(schemas_dir, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    # FormatChecker() with no argument knows every format (uuid included, which the draft-07
    # checker leaves out).
    checker = jsonschema.FormatChecker()
    validators = {}
    for entry in index["events"]:
        with open(os.path.join(schemas_dir, entry["schema"]), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        validators[(entry["event_type"], entry["schema_version"])] = jsonschema.Draft7Validator(
            schema, format_checker=checker
        )
    return validators


def from_kcat(message):
    """kcat -J's envelope (payload, headers as a flat [name, value, ...] list) in this script's shape."""
    if "value" in message or "payload" not in message:
        return message
    flat = message.get("headers") or []
    return {
        "value": message["payload"],
        "key": message.get("key"),
        "headers": dict(zip(flat[0::2], flat[1::2])),
    }


def check(message, validators):
    message = from_kcat(message)
    try:
        value = json.loads(message["value"])
    except (KeyError, TypeError, json.JSONDecodeError) as err:
        return None, [f"value is not JSON: {err}"]
    if not isinstance(value, dict):
        return None, ["value is not a JSON object"]
    event_type = value.get("event_type")
    validator = validators.get((event_type, value.get("schema_version")))
    if validator is None:
        return event_type, [f"no schema for {event_type!r} version {value.get('schema_version')!r}"]
    errors = [
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    ]
    key = message.get("key")
    if key is not None and key != value.get("record_id"):
        errors.append(f"key {key!r} is not record_id {value.get('record_id')!r}")
    headers = message.get("headers") or {}
    for header, field in HEADER_FIELDS.items():
        if header in headers and headers[header] != str(value.get(field)):
            errors.append(f"header {header} {headers[header]!r} contradicts {field} {value.get(field)!r}")
    return event_type, errors


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    validators = load_validators(argv[1])
    all_ok = True
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        event_type, errors = check(json.loads(line), validators)
        all_ok = all_ok and not errors
        print(json.dumps({"line": number, "ok": not errors, "event_type": event_type, "errors": errors}))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
