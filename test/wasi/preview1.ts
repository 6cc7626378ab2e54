/**
 * WASI preview1 as a guest imports it: every function's core wasm
 * signature, written from the preview1 witx independently of the VMM's own
 * table (assembly/wasi/table.ts), so tests can hold one against the other.
 * "i" is an i32 parameter, "I" an i64; every function returns an i32 errno
 * except proc_exit, which returns nothing.
 */
export const PREVIEW1_SIGNATURES: Record<string, string> = {
  args_get: 'ii', args_sizes_get: 'ii', environ_get: 'ii', environ_sizes_get: 'ii',
  clock_res_get: 'ii', clock_time_get: 'iIi',
  fd_advise: 'iIIi', fd_allocate: 'iII', fd_close: 'i', fd_datasync: 'i', fd_fdstat_get: 'ii',
  fd_fdstat_set_flags: 'ii', fd_fdstat_set_rights: 'iII', fd_filestat_get: 'ii', fd_filestat_set_size: 'iI',
  fd_filestat_set_times: 'iIIi', fd_pread: 'iiiIi', fd_prestat_get: 'ii', fd_prestat_dir_name: 'iii',
  fd_pwrite: 'iiiIi', fd_read: 'iiii', fd_readdir: 'iiiIi', fd_renumber: 'ii', fd_seek: 'iIii', fd_sync: 'i',
  fd_tell: 'ii', fd_write: 'iiii',
  path_create_directory: 'iii', path_filestat_get: 'iiiii', path_filestat_set_times: 'iiiiIIi',
  path_link: 'iiiiiii', path_open: 'iiiiiIIii', path_readlink: 'iiiiii', path_remove_directory: 'iii',
  path_rename: 'iiiiii', path_symlink: 'iiiii', path_unlink_file: 'iii',
  poll_oneoff: 'iiii', proc_exit: 'i', proc_raise: 'i', sched_yield: '', random_get: 'ii',
  sock_accept: 'iii', sock_recv: 'iiiiii', sock_send: 'iiiii', sock_shutdown: 'ii',
};

export const PREVIEW1_NAMES = Object.keys(PREVIEW1_SIGNATURES);

/** The functions the VMM implements; every other one returns ENOSYS. */
export const IMPLEMENTED = new Set([
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_close', 'fd_fdstat_get', 'fd_fdstat_set_flags', 'fd_filestat_get', 'fd_prestat_get', 'fd_prestat_dir_name',
  'fd_read', 'fd_seek', 'fd_tell', 'fd_write', 'poll_oneoff', 'proc_exit', 'random_get', 'sched_yield',
  'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown',
  // The disk device's calls (EBADF without a disk: no descriptor is a file).
  'fd_advise', 'fd_allocate', 'fd_datasync', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread', 'fd_pwrite',
  'fd_readdir', 'fd_sync', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_open',
  'path_remove_directory', 'path_rename', 'path_unlink_file',
]);

export const Errno = {
  success: 0, again: 6, badf: 8, connreset: 15, fault: 21, inval: 28, mfile: 33, nosys: 52, notconn: 53, notsock: 57, notsup: 58,
  pipe: 64, spipe: 70,
} as const;

const watType = (letter: string) => (letter === 'I' ? 'i64' : 'i32');

export function watParams(signature: string): string {
  return signature ? `(param ${[...signature].map(watType).join(' ')})` : '';
}

/** The import of function `name` with its preview1 signature, as $name. */
export function watImport(name: string): string {
  const result = name === 'proc_exit' ? '' : '(result i32)';
  return `(import "wasi_snapshot_preview1" "${name}" (func $${name} ${watParams(PREVIEW1_SIGNATURES[name])} ${result}))`;
}

/** An export "call_NAME" that passes its arguments to the import and returns its result. */
export function watWrapper(name: string): string {
  const sig = PREVIEW1_SIGNATURES[name];
  const result = name === 'proc_exit' ? '' : '(result i32)';
  const gets = [...sig].map((_, i) => `(local.get ${i})`).join(' ');
  return `(func (export "call_${name}") ${watParams(sig)} ${result} (call $${name} ${gets}))`;
}
