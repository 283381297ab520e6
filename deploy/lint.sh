#!/usr/bin/env bash
# The platforms' own validators over the deploy descriptors (make lint runs
# this). Each check says whether it ran or was skipped, and why.
#   - cfn-lint (AWS's CloudFormation/SAM linter) on lambda/template.yaml.
#     Required when CI is set (.ci/run installs it); skipped otherwise.
#   - the fc3 component's JSON Schema over fc/s.yaml (fc3check.py), when the
#     schema is found: $FC3_SCHEMA, or an fc3 component Serverless Devs
#     downloaded under ~/.s/components. The schema is not vendored here.
set -euo pipefail
cd "$(dirname "$0")"
status=0

if command -v cfn-lint >/dev/null 2>&1; then
  echo "deploy/lint.sh: $(cfn-lint --version) lambda/template.yaml"
  cfn-lint lambda/template.yaml || status=1
elif [ -n "${CI:-}" ]; then
  echo "deploy/lint.sh: cfn-lint not found, and CI needs it (python3 -m pip install cfn-lint)" >&2
  status=1
else
  echo "deploy/lint.sh: SKIPPED cfn-lint on lambda/template.yaml: cfn-lint not found (python3 -m pip install cfn-lint)"
fi

schema=${FC3_SCHEMA:-}
if [ -z "$schema" ] && [ -d "$HOME/.s/components" ]; then
  schema=$(find "$HOME/.s/components" -path '*fc3*' -name schema.json 2>/dev/null | sort | tail -n 1)
fi
if [ -z "$schema" ]; then
  echo "deploy/lint.sh: SKIPPED the fc3 schema check of fc/s.yaml: no schema (set FC3_SCHEMA to devsapp/fc3's src/schema.json, or run 's' once so it downloads the fc3 component)"
elif ! python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  echo "deploy/lint.sh: SKIPPED the fc3 schema check of fc/s.yaml: python3 lacks jsonschema or PyYAML (python3 -m pip install jsonschema pyyaml)"
else
  python3 fc3check.py "$schema" fc/s.yaml || status=1
fi
exit $status
