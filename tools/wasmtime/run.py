#!/usr/bin/env python3
"""Runs a WASI preview1 command on wasmtime, as `wasmtime run` does, through
wasmtime's official Python embedding (pip package `wasmtime`): for machines
that have the package but not the wasmtime CLI.

    python3 tools/wasmtime/run.py [--dir HOST[::GUEST]]... [--env K=V]... MODULE.wasm [ARGS...]

Like `wasmtime run`: each --dir is preopened (under its own name, or GUEST),
standard input, output and error are inherited, argv[0] is the module path,
the environment is empty unless --env sets it, and the process exits with
the program's exit code; a trap is reported on stderr and exits with 134
(128 + SIGABRT), an error before the program runs with 1.
"""
import sys

EXIT_TRAP = 134


def parse(argv):
    dirs, env, i = [], [], 0
    while i < len(argv) and argv[i].startswith('--') and argv[i] != '--':
        flag, _, value = argv[i].partition('=')
        if not value:
            i += 1
            if i >= len(argv):
                raise SystemExit(f'run.py: {flag} needs a value')
            value = argv[i]
        if flag == '--dir':
            host, _, guest = value.partition('::')
            dirs.append((host, guest or host))
        elif flag == '--env':
            key, _, val = value.partition('=')
            env.append((key, val))
        else:
            raise SystemExit(f'run.py: unknown option {flag}')
        i += 1
    if i < len(argv) and argv[i] == '--':
        i += 1
    if i >= len(argv):
        raise SystemExit('usage: run.py [--dir HOST[::GUEST]]... [--env K=V]... MODULE.wasm [ARGS...]')
    return dirs, env, argv[i], argv[i + 1:]


def main(argv):
    dirs, env, module_path, args = parse(argv)
    try:
        import wasmtime
    except ImportError:
        print('run.py: the wasmtime Python package is not installed (pip install wasmtime)', file=sys.stderr)
        return 1
    config = wasmtime.Config()
    try:
        config.cache = True  # compiled code in wasmtime's cache directory: later runs start at once
    except Exception:
        pass
    engine = wasmtime.Engine(config)
    try:
        module = wasmtime.Module.from_file(engine, module_path)
    except Exception as err:
        print(f'Error: failed to compile {module_path}: {err}', file=sys.stderr)
        return 1
    wasi = wasmtime.WasiConfig()
    wasi.argv = [module_path, *args]
    wasi.env = env
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    try:
        instance = linker.instantiate(store, module)
        start = instance.exports(store).get('_start')
        if start is None:
            print(f'Error: {module_path} exports no _start: not a WASI command', file=sys.stderr)
            return 1
        start(store)
    except wasmtime.ExitTrap as exit_trap:
        return exit_trap.code
    except wasmtime.Trap as trap:
        print(f'Error: failed to run main module `{module_path}`\n\nCaused by:\n    {trap}', file=sys.stderr)
        return EXIT_TRAP
    except wasmtime.WasmtimeError as err:
        print(f'Error: failed to run main module `{module_path}`\n\nCaused by:\n    {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
