#!/usr/bin/env python3
"""Validate the props of every fc3 resource in a Serverless Devs s.yaml
against the fc3 component's own JSON Schema (devsapp/fc3 src/schema.json,
draft-07, the file the component validates props with: src/utils/verify.ts).

usage: fc3check.py SCHEMA S_YAML

The s.yaml is resolved first as Serverless Devs would: ${vars.NAME} from its
vars, ${env('NAME')} / ${env(NAME)} from the environment (a placeholder when
unset: the check is about shape, not secrets).
"""
import json
import os
import re
import sys

import jsonschema
import yaml

REF = re.compile(r"\$\{\s*(vars\.([A-Za-z0-9_]+)|env\(\s*'?([A-Za-z0-9_]+)'?\s*\))\s*\}")


def resolve(value, vars_):
    if isinstance(value, dict):
        return {k: resolve(v, vars_) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, vars_) for v in value]
    if not isinstance(value, str):
        return value
    m = REF.fullmatch(value.strip())
    if m and m.group(2) and not isinstance(vars_.get(m.group(2)), str):
        return vars_.get(m.group(2))  # a whole-value reference keeps its type

    def sub(m):
        if m.group(2):
            if m.group(2) not in vars_:
                raise SystemExit("fc3check: ${vars.%s} is not in vars" % m.group(2))
            return str(vars_[m.group(2)])
        return os.environ.get(m.group(3), "<env:%s>" % m.group(3))

    return REF.sub(sub, value)


def main(schema_path, s_path):
    with open(schema_path) as f:
        schema = json.load(f)
    with open(s_path) as f:
        doc = yaml.safe_load(f)
    vars_ = doc.get("vars") or {}
    validator = jsonschema.Draft7Validator(schema)
    n, errors = 0, 0
    for name, res in (doc.get("resources") or {}).items():
        if res.get("component") != "fc3":
            continue
        n += 1
        props = resolve(res.get("props") or {}, vars_)
        for err in sorted(validator.iter_errors(props), key=lambda e: list(e.absolute_path)):
            errors += 1
            path = ".".join(str(p) for p in err.absolute_path) or "(props)"
            print("%s: resources.%s.props.%s: %s" % (s_path, name, path, err.message))
    if n == 0:
        print("%s: no fc3 resources" % s_path)
        return 1
    print("%s: %d fc3 resource(s) checked against %s: %d error(s)" % (s_path, n, schema_path, errors))
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
