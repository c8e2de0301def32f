#!/usr/bin/python3
"""Prints a hardware config with overrides merged in: config_with.py BASE.yaml 'YAML-MAP'.

Maps merge key by key (a nested map overrides only the keys it names); any other value replaces.
Used by scripts/knob-table.sh and scripts/hypernet-table.sh. Needs Debian's python3-yaml."""
import sys

import yaml


def merge(base, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


if len(sys.argv) != 3:
    sys.exit("usage: config_with.py BASE.yaml 'YAML-MAP'")
with open(sys.argv[1]) as f:
    config = yaml.safe_load(f)
print(yaml.safe_dump(merge(config, yaml.safe_load(sys.argv[2]) or {})))
