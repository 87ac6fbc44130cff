#!/usr/bin/env python3
"""The layer order of the library, enforced on every #include as part of the build.

Everything includes from the one src/ root, so the compiler cannot see a layer reach upward; this
check does, before anything compiles. A file may include its own layer and any layer below it,
never one above. Public headers (include/transformers/*.hpp) belong to the layer that implements
them. Usage: check_layers.py <source root>; exit 1 with one line per violation.
"""
import os
import re
import sys

# Lowest first; layers on one line share a rank (core and io reference each other: configs read
# JSON and the hub, safetensors builds Tensors). The generic tokenizers and processors are below
# models because a family's tokenizer and feature extractor live in models/<family>/.
ORDER = [
    ["core", "io"],
    ["ops"],
    ["nn"],
    ["tokenizers"],
    ["processors"],
    ["models"],
    ["generation"],
    ["pipelines"],
    ["serve"],  # the serving engine and the HTTP server (transformers-cpp serve)
    ["env"],
    ["cli"],  # tools/cli
]
RANK = {layer: rank for rank, layers in enumerate(ORDER) for layer in layers}

# include/transformers/<name>.hpp -> the layer that implements it.
PUBLIC = {
    "export": "core", "dtype": "core", "errors": "core", "tensor": "core", "config": "core",
    "generation": "core",  # GenerationConfig and the generate() result types: data models use
    "hub": "io", "safetensors": "io",
    "tokenizer": "tokenizers",
    "feature_extraction": "processors", "image_processing": "processors",
    "modeling": "models",
    "pipelines": "pipelines",
    "transformers": "env",  # the umbrella header, with version() and env_info()
}

# Upward includes that could not be moved yet: (file, include) -> reason. Keep it empty.
ALLOWED = {}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
EXTS = (".cpp", ".hpp", ".cu", ".inc", ".h")


def layer_of_file(rel):
    parts = rel.split("/")
    if parts[0] == "src" and len(parts) > 2:
        return parts[1]
    if parts[:2] == ["tools", "cli"]:
        return "cli"
    if parts[:2] == ["include", "transformers"]:
        return PUBLIC.get(os.path.splitext(parts[2])[0])
    return None


def order_text():
    return " < ".join("/".join(layers) for layers in ORDER)


def check(root):
    errors = []
    files = []
    for top in ("src", "include/transformers", "tools/cli"):
        for d, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.join(d, n) for n in sorted(names) if n.endswith(EXTS)]
    for path in sorted(files):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        src = layer_of_file(rel)
        if src is None or src not in RANK:
            what = "public header" if rel.startswith("include/") else "folder"
            errors.append(f"{rel}: this {what} is in no layer: add it to cmake/check_layers.py (ORDER / PUBLIC)")
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1)
                if inc.startswith("transformers/"):
                    dst = PUBLIC.get(os.path.splitext(inc[len("transformers/"):])[0])
                    if dst is None:
                        errors.append(f'{rel}:{lineno}: #include "{inc}": a public header in no layer: add it to PUBLIC in cmake/check_layers.py')
                        continue
                elif os.path.exists(os.path.join(os.path.dirname(path), inc)):
                    continue  # beside the file: its own layer
                else:
                    dst = inc.split("/")[0]
                    if dst not in RANK or "/" not in inc:
                        errors.append(f'{rel}:{lineno}: #include "{inc}": not a layer path (src/<layer>/... or transformers/...)')
                        continue
                if RANK[dst] > RANK[src] and (rel, inc) not in ALLOWED:
                    errors.append(f'{rel}:{lineno}: #include "{inc}": layer {src} may not include {dst}, a layer above it '
                                  f'(order: {order_text()})')
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    errors = check(root)
    for e in errors:
        print(f"check_layers: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
