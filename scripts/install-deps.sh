#!/usr/bin/env bash
# Installs every Debian package the build, tests and demo need. Idempotent and non-interactive:
# packages already present are skipped without touching apt.
set -euo pipefail
PKGS=(
  build-essential cmake pkg-config
  libdnnl-dev            # GEMM (fp32 / bf16) on CPU
  ocl-icd-opencl-dev opencl-c-headers  # dnnl-config.cmake looks for OpenCL even on CPU
  nlohmann-json3-dev     # config.json, safetensors headers, tokenizer.json
  libcurl4-openssl-dev   # Hub downloads
  libcpp-httplib-dev     # local HTTP server used by the Hub tests
  libcli11-dev           # CLI parsing
  libonig-dev            # tokenizer regexes (Oniguruma, the engine HF tokenizers uses)
  libutf8proc-dev        # Unicode normalization and categories
  libsndfile1-dev        # audio files: WAV, FLAC, OGG, MP3
  libsoxr-dev            # audio resampling
  libjpeg-dev            # JPEG decoding (libjpeg-turbo, the decoder Pillow uses)
  libwebp-dev            # WebP decoding
  libstb-dev             # PNG / BMP / GIF decoding (stb_image)
  zlib1g-dev             # Whisper's compression-ratio fallback check (zlib.compress)
  libgtest-dev libgmock-dev
  libbenchmark-dev
  clang-14               # the sanitizer build (ASan + UBSan) and the fuzz targets are built with clang
  libclang-rt-14-dev     # clang 14's runtimes: libclang_rt.asan / ubsan / fuzzer (libFuzzer)
  libomp-14-dev          # OpenMP for clang (GCC brings libgomp)
  clang-format-14 clang-tidy-14  # make format / format-check / tidy (.clang-format, .clang-tidy)
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
