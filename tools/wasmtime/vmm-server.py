#!/usr/bin/env python3
"""Runs build/vmm.wasm on wasmtime (its official Python embedding, pip package
`wasmtime`) for a host shim on Node, which drives it over two FIFOs with a
binary command protocol (host-shim/vmm/wasmtime-binding.ts is the other end;
docs/vmm.md describes the protocol). Where the wasmtime CLI is installed,
`wasmtime run build/vmm-cli.wasm serve` serves the same protocol instead
(assembly/cli/serve/).

    python3 tools/wasmtime/vmm-server.py VMM.wasm  <REQUESTS >REPLIES

Requests come in on stdin and replies go out on stdout, so nothing else may
write to stdout; any failure reaches Node as a FAULT frame. The server
implements the VMM's four host imports itself: clock_now from time.time_ns /
time.monotonic_ns, random_fill from os.urandom, console_write as a CONSOLE
frame sent before the reply of the call that wrote, vmm_abort as a FAULT
reply. It exits at the end of its requests (Node closed them or died).

Every frame, both ways, is an 8-byte header and a body:

    0      1      2             4                       8
    +------+------+-------------+-----------------------+--------------+
    | op   | argc | index (u16) | body length (u32)     | body ...     |
    +------+------+-------------+-----------------------+--------------+
    little-endian; requests put op, argc and the export index in the header,
    replies put kind, fd and 0.

    requests                          replies (exactly one, after any CONSOLE)
    CALL  1  argc x 8-byte LE slots   RESULT 1  0 or 8 bytes (LE bits)
    READ  2  u32 ptr, u32 len         BYTES  2  the bytes
    WRITE 3  u32 ptr, then the bytes  RESULT 1  empty
                                      CONSOLE 3 (fd in byte 1) bytes, an event
                                      FAULT  4  UTF-8 message; the VMM is gone
                                      READY  5  JSON export list, first frame

An i32 travels in the low 4 bytes of its slot, f32/f64 as their bits.
"""
import json
import os
import struct
import sys
import time

OP_CALL, OP_READ, OP_WRITE = 1, 2, 3
REPLY_RESULT, REPLY_BYTES, REPLY_CONSOLE, REPLY_FAULT, REPLY_READY = 1, 2, 3, 4, 5
HEADER = struct.Struct('<BBHI')
SLOT = struct.Struct('<Q')
HEAP_PAGES = 256
MAX_PAGES = 65536


class Abort(Exception):
    """vmm_abort: a broken VMM invariant; the VMM cannot go on."""


class Link:
    """The two FIFOs, stdin and stdout: whole frames in, whole frames out."""

    def __init__(self):
        self.rin = 0
        self.rout = 1

    def read_exact(self, n):
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = os.readv(self.rin, [view[got:]])
            if k == 0:
                return None
            got += k
        return buf

    def send(self, kind, body=b'', fd=0):
        data = HEADER.pack(kind, fd, 0, len(body))
        self.write_all(data + body if len(body) < 65536 else data)
        if len(body) >= 65536:
            self.write_all(body)

    def write_all(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self.rout, view):]


def value_type(t):
    return str(t).split('(')[0].strip()


def serve(link, vmm_path):
    import ctypes
    import wasmtime

    config = wasmtime.Config()
    try:
        config.cache = True  # compiled code in wasmtime's cache directory: later starts are quick
    except Exception:
        pass
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    module = wasmtime.Module.from_file(engine, vmm_path)
    memory = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(HEAP_PAGES, MAX_PAGES)))

    def address(ptr, length):
        if ptr + length > memory.data_len(store):
            raise Abort(f'range {ptr}+{length} is beyond VMM memory')
        return ctypes.addressof(memory.data_ptr(store).contents) + ptr

    def as_string(ptr):
        if not ptr:
            return None
        n = ctypes.c_uint32.from_address(address(ptr - 4, 4)).value
        return ctypes.string_at(address(ptr, n), n).decode('utf-16-le', 'replace')

    def vmm_abort(msg, file, line, col):
        raise Abort(f'VMM invariant broken: {as_string(msg) or "abort"} at {as_string(file) or "?"}:{line}:{col}')

    def console_write(fd, ptr, length):
        link.send(REPLY_CONSOLE, ctypes.string_at(address(ptr, length), length), fd)

    def clock_now(clock):
        return time.time_ns() if clock == 0 else time.monotonic_ns()

    def random_fill(ptr, length):
        ctypes.memmove(address(ptr, length), os.urandom(length), length)

    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    host = {
        'vmm_abort': (vmm_abort, [i32, i32, i32, i32], []),
        'console_write': (console_write, [i32, i32, i32], []),
        'clock_now': (clock_now, [i32], [i64]),
        'random_fill': (random_fill, [i32, i32], []),
    }
    imports = []
    for imp in module.imports:
        if imp.module == 'env' and imp.name == 'memory':
            imports.append(memory)
        elif imp.module == 'host' and imp.name in host:
            fn, params, results = host[imp.name]
            imports.append(wasmtime.Func(store, wasmtime.FuncType(params, results), fn))
        else:
            raise Abort(f'vmm.wasm imports {imp.module}.{imp.name}, which this server does not provide')
    instance = wasmtime.Instance(store, module, imports)

    exports, funcs = [], []
    for exp in module.exports:
        if not isinstance(exp.type, wasmtime.FuncType):
            continue
        params = [value_type(p) for p in exp.type.params]
        results = [value_type(r) for r in exp.type.results]
        exports.append({'name': exp.name, 'params': params, 'results': results})
        funcs.append((instance.exports(store)[exp.name], params, results))
    link.send(REPLY_READY, json.dumps({'exports': exports}).encode())

    def decode(t, bits):
        if t == 'i32':
            return bits & 0xffffffff if bits & 0x80000000 == 0 else (bits & 0xffffffff) - (1 << 32)
        if t == 'i64':
            return bits - (1 << 64) if bits & (1 << 63) else bits
        if t == 'f32':
            return struct.unpack('<f', struct.pack('<I', bits & 0xffffffff))[0]
        return struct.unpack('<d', struct.pack('<Q', bits))[0]

    def encode(t, value):
        if t in ('i32', 'i64'):
            return SLOT.pack(value & 0xffffffffffffffff)
        if t == 'f32':
            return struct.pack('<fI', value, 0)
        return struct.pack('<d', value)

    while True:
        head = link.read_exact(HEADER.size)
        if head is None:
            return 0
        op, argc, index, length = HEADER.unpack(head)
        body = link.read_exact(length) if length else b''
        if body is None:
            return 0
        if op == OP_CALL:
            fn, params, results = funcs[index]
            args = [decode(params[i], SLOT.unpack_from(body, i * 8)[0]) for i in range(argc)]
            result = fn(store, *args)
            link.send(REPLY_RESULT, encode(results[0], result) if results else b'')
        elif op == OP_READ:
            ptr, n = struct.unpack_from('<II', body)
            link.send(REPLY_BYTES, ctypes.string_at(address(ptr, n), n))
        elif op == OP_WRITE:
            (ptr,) = struct.unpack_from('<I', body)
            n = length - 4
            data = (ctypes.c_char * n).from_buffer(body, 4) if n else None
            if n:
                ctypes.memmove(address(ptr, n), data, n)
            link.send(REPLY_RESULT)
        else:
            raise Abort(f'unknown request {op}')


def main(argv):
    if len(argv) != 1:
        print('usage: vmm-server.py VMM.wasm <REQUESTS >REPLIES', file=sys.stderr)
        return 2
    link = Link()
    try:
        return serve(link, argv[0])
    except ImportError:
        link.send(REPLY_FAULT, b'the wasmtime Python package is not installed (pip install wasmtime)')
    except Abort as err:
        link.send(REPLY_FAULT, str(err).encode())
    except BrokenPipeError:
        return 0
    except Exception as err:  # a trap of vmm.wasm itself, or wasmtime refusing it
        text = str(err).strip().splitlines()
        link.send(REPLY_FAULT, f'{type(err).__name__}: {text[0] if text else ""}'.encode())
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
