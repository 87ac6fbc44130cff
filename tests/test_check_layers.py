#!/usr/bin/env python3
"""cmake/check_layers.py must reject an upward #include (naming the file, the include and the
rule) and accept the same tree without it. Runs on planted trees in a temporary folder."""
import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cmake", "check_layers.py")


def run(files):
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        p = subprocess.run([sys.executable, CHECKER, root], capture_output=True, text=True)
        return p.returncode, p.stderr


BASE = {
    "src/core/tensor.cpp": '#include "transformers/tensor.hpp"\n#include "io/json.hpp"\n',
    "src/io/json.hpp": '#include "transformers/errors.hpp"\n',
    "src/models/registry.hpp": '#include "nn/layers.hpp"\n#include "tokenizers/unicode.hpp"\n',
    "src/models/llama/modeling_llama.cpp": '#include "modeling_llama.hpp"\n#include "models/registry.hpp"\n',
    "src/models/llama/modeling_llama.hpp": "",
    "src/nn/layers.hpp": '#include "ops/ops.hpp"\n',
    "src/ops/ops.hpp": '#include "core/backend.hpp"\n',
    "src/core/backend.hpp": "",
    "src/tokenizers/unicode.hpp": "",
    "src/generation/utils.cpp": '#include "models/registry.hpp"\n',
    "include/transformers/tensor.hpp": '#include "transformers/export.hpp"\n',
    "include/transformers/modeling.hpp": '#include "transformers/tensor.hpp"\n',
    "tools/cli/main.cpp": '#include "transformers/transformers.hpp"\n#include "io/json.hpp"\n',
}

failures = []


def expect(name, ok, detail=""):
    if not ok:
        failures.append(f"{name}: {detail}")


rc, err = run(BASE)
expect("clean tree passes", rc == 0, err)

rc, err = run({**BASE, "src/core/config.cpp": '#include <vector>\n\n#include "models/registry.hpp"\n'})
expect("src upward include rejected", rc == 1, f"rc={rc}")
expect("message names file, line, include and rule",
       'src/core/config.cpp:3: #include "models/registry.hpp": layer core may not include models' in err, err)

rc, err = run({**BASE, "src/models/bert/modeling_bert.cpp": '#include "generation/logits_process.hpp"\n'})
expect("models -> generation rejected", rc == 1 and "layer models may not include generation" in err, err)

rc, err = run({**BASE, "src/ops/ops.cpp": '#include "transformers/modeling.hpp"\n'})
expect("upward public header rejected", rc == 1 and "layer ops may not include models" in err, err)

rc, err = run({**BASE, "include/transformers/tensor.hpp": '#include "transformers/pipelines.hpp"\n'})
expect("upward include between public headers rejected", rc == 1 and "layer core may not include pipelines" in err, err)

rc, err = run({**BASE, "src/server/main.cpp": ""})
expect("a folder in no layer rejected", rc == 1 and "src/server/main.cpp: this folder is in no layer" in err, err)

rc, err = run({**BASE, "src/nn/x.cpp": '#include "transformers/unknown.hpp"\n'})
expect("an unmapped public header rejected", rc == 1 and "a public header in no layer" in err, err)

for f in failures:
    print("FAIL", f)
print("check_layers self-test:", "FAILED" if failures else "OK")
sys.exit(1 if failures else 0)
