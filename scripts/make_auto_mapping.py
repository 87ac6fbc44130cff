#!/usr/bin/env python3
"""Writes fixtures/auto_mapping.json: every (Auto class, model_type, class name) that the pinned
transformers maps in transformers/models/auto/modeling_auto.py (every Auto model class, read from the
`MODEL_*_MAPPING_NAMES` table behind it). tests/test_auto_mapping.cpp checks our registry against it.
Re-run after bumping the pin:  ~/.venvs/tcpp/bin/python scripts/make_auto_mapping.py
"""
import inspect
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    import transformers
    from transformers.models.auto import modeling_auto as ma

    # The names tables (MODEL_*_MAPPING_NAMES, and MODEL_FOR_AUDIO_TOKENIZATION_NAMES), by identity, so each Auto class is tied to the MODEL_*_MAPPING_NAMES it reads.
    tables = {id(v): k for k, v in vars(ma).items() if k.startswith("MODEL_") and k.endswith("_NAMES") and isinstance(v, dict)}
    rows, seen_tables = [], set()
    for name, obj in sorted(vars(ma).items()):
        # Every public Auto class (AutoBackbone included); the private bases map nothing.
        if name.startswith("_") or not (inspect.isclass(obj) and issubclass(obj, ma._BaseAutoModelClass)):
            continue
        mapping = getattr(obj, "_model_mapping", None)
        names = getattr(mapping, "_model_mapping", None)
        if names is None or id(names) not in tables:
            raise SystemExit(f"{name}: cannot find the MODEL_*_MAPPING_NAMES table behind it")
        seen_tables.add(id(names))
        for model_type, classes in sorted(names.items()):
            for cls in classes if isinstance(classes, (list, tuple)) else [classes]:
                rows.append([name, model_type, cls])
    unused = sorted(v for k, v in tables.items() if k not in seen_tables)
    # Tables no Auto class reads (pipeline helpers): listed so a new one shows up in review.
    path = os.path.join(ROOT, "fixtures", "auto_mapping.json")
    with open(path, "w") as f:
        f.write('{"transformers": %s,\n "tables_without_auto_class": %s,\n' % (json.dumps(transformers.__version__), json.dumps(unused)))
        f.write(' "columns": ["auto_class", "model_type", "class"],\n "rows": [\n')
        f.write(",\n".join("  " + json.dumps(r) for r in rows))
        f.write("\n]}\n")
    print(len(rows), "rows from", len(seen_tables), "tables ->", path, "; tables with no Auto class:", unused)


if __name__ == "__main__":
    main()
