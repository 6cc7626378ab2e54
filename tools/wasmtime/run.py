#!/usr/bin/env python3
"""Runs a WASI command on wasmtime, as `wasmtime run` does, through wasmtime's
official Python embedding (pip package `wasmtime`): for machines that have
the package but not the wasmtime CLI. A core module gets WASI preview1; a
component (such as build/vmm-cli.component.wasm) gets WASI preview2 and its
`wasi:cli/run` export is called.

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


def is_component(path):
    """A component's preamble has layer 1 (bytes 6-7); a core module's has 0."""
    with open(path, 'rb') as f:
        head = f.read(8)
    return len(head) == 8 and head[:4] == b'\0asm' and head[6:8] == b'\x01\x00'


def wasi_config(wasmtime, dirs, env, module_path, args):
    wasi = wasmtime.WasiConfig()
    wasi.argv = [module_path, *args]
    wasi.env = env
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    return wasi


def run_core(wasmtime, engine, store, module_path):
    module = wasmtime.Module.from_file(engine, module_path)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, module)
    start = instance.exports(store).get('_start')
    if start is None:
        raise wasmtime.WasmtimeError(f'{module_path} exports no _start: not a WASI command')
    start(store)
    return 0


def run_component(wasmtime, engine, store, module_path):
    from wasmtime import component
    comp = component.Component.from_file(engine, module_path)
    linker = component.Linker(engine)
    linker.add_wasip2()
    instance = linker.instantiate(store, comp)
    run = None
    for version in ('0.2.12', '0.2.6', '0.2.3', '0.2.0'):
        iface = instance.get_export_index(store, f'wasi:cli/run@{version}')
        if iface is not None:
            run = instance.get_func(store, instance.get_export_index(store, 'run', iface))
            break
    if run is None:
        raise wasmtime.WasmtimeError(f'{module_path} exports no wasi:cli/run: not a WASI command component')
    result = run(store)
    # wasi:cli/run returns result<_, _>: an error is exit code 1, as wasmtime run reports it.
    return 0 if getattr(result, 'tag', 'ok') == 'ok' else 1


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
    store = wasmtime.Store(engine)
    store.set_wasi(wasi_config(wasmtime, dirs, env, module_path, args))
    try:
        if is_component(module_path):
            return run_component(wasmtime, engine, store, module_path)
        return run_core(wasmtime, engine, store, module_path)
    except wasmtime.ExitTrap as exit_trap:
        return exit_trap.code
    except wasmtime.Trap as trap:
        print(f'Error: failed to run main module `{module_path}`\n\nCaused by:\n    {trap}', file=sys.stderr)
        return EXIT_TRAP
    except wasmtime.WasmtimeError as err:
        print(f'Error: failed to run main module `{module_path}`\n\nCaused by:\n    {err}', file=sys.stderr)
        # A component's trap arrives as an error that carries it.
        return EXIT_TRAP if 'wasm trap:' in str(err) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
