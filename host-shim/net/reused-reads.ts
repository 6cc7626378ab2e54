/**
 * An accepted TCP socket that reads into one buffer, used again for every
 * read, instead of a new one per read.
 *
 * Node reads an accepted socket 64 KiB at a time, each read into a buffer
 * of its own. On a migration's data connection that is every page of the
 * guest, some 4,000 buffers per 256 MiB on the destination's main thread:
 * V8 counted them towards its heap's limit and ran a full collection every
 * 50-70 ms of the migration, each pausing the host's main thread 2-8 ms
 * (docs/migration.md, Measured). Node's `onread` option reads into one buffer,
 * but only for sockets Node connects itself, not for those a server
 * accepts. So the accepted socket's handle is taken over by a socket made
 * with `onread`, as Node makes the sockets its servers accept. Neither the
 * handle (`_handle`) nor the `handle` option is documented: where they are
 * not what this expects, the socket is left as it is and reads as before.
 *
 * A chunk is valid only until its 'data' handler returns: the next read
 * overwrites it. Whoever keeps bytes of it must copy them.
 */
import { Socket } from 'node:net';

/** Bytes read at a time; Node's own reads are 64 KiB. */
const READ_BYTES = 256 << 10;

/**
 * A socket on `socket`'s connection that reads into one buffer, paused;
 * `socket` is spent. Null where Node does not allow it: use `socket`.
 */
export function readsIntoOneBuffer(socket: Socket): Socket | null {
  const handle = (socket as unknown as { _handle?: { readStop?: unknown; readStart?: unknown } | null })._handle;
  if (!handle || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function') return null;
  socket.pause();
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  let reading: Socket | undefined;
  try {
    reading = new Socket({
      handle,
      pauseOnCreate: true,
      readable: true,
      writable: true,
      onread: { buffer, callback: (n: number) => void reading!.emit('data', buffer.subarray(0, n)) },
    } as ConstructorParameters<typeof Socket>[0]);
  } catch {
    return null;
  }
  // The handle is the new socket's now: the old one must not close it, or read from it. Destroyed
  // without it, the old socket closes nothing, and its server counts it gone (server.close() waits
  // for the sockets it counts: the new one is its owner's to end).
  (socket as unknown as { _handle: unknown })._handle = null;
  socket.destroy();
  return reading;
}
