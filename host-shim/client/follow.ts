/**
 * Following a guest wherever it runs. A guest that migrates leaves its old
 * host: `wait` there answers 409 WASMOTION_ERR_GUEST_MIGRATED with the new
 * host's URL, and a followed log stream ends. These helpers carry on at the
 * new host, under the same guest id.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { WasmotionError } from '../errors.js';
import { GUEST_MIGRATED, HostApiError, HOST_TIMEOUT, protocolError } from './errors.js';
import { HostClient, type LogOptions } from './host-client.js';
import { isFinalGuestState, type GuestInfo } from './types.js';

export interface FollowOptions {
  /** Told each time the guest is found on another host. */
  onMove?: (to: string) => void;
  /** How to reach another host (a HostClient with the first one's options unless given). */
  connect?: (url: string) => HostClient;
  signal?: AbortSignal;
}

/** Waits for the guest to end on whichever host it ends on. */
export async function waitFollowing(client: HostClient, id: string, options: FollowOptions = {}): Promise<{ info: GuestInfo; host: HostClient }> {
  const connect = options.connect ?? ((url: string) => client.at(url));
  for (;;) {
    try {
      return { info: await client.wait(id, { signal: options.signal }), host: client };
    } catch (err) {
      const to = err instanceof HostApiError && err.code === GUEST_MIGRATED ? err.to : undefined;
      if (to === undefined) throw err;
      client = moveTo(client, to, connect);
      options.onMove?.(client.url);
    }
  }
}

/** Pause before asking again about a guest whose log stream ended while it still runs here (e.g. during switchover). */
const RECHECK_MS = 100;
/** Give up when a host keeps ending the stream of a running guest without sending anything. */
const MAX_EMPTY_RECONNECTS = 50;

/**
 * The guest's console output. With `follow`, goes on across migrations until
 * the guest ends: every host numbers the output's bytes from the guest's
 * start, so each new stream begins where the last one stopped, or where
 * the host's history begins if it no longer holds that byte (onDropped).
 */
export async function* logsFollowing(client: HostClient, id: string, options: LogOptions & FollowOptions = {}): AsyncGenerator<Buffer> {
  const connect = options.connect ?? ((url: string) => client.at(url));
  let delivered = options.from ?? 0;
  let emptyReconnects = 0;
  const onDropped = (from: number, to: number) => {
    delivered = to;
    options.onDropped?.(from, to);
  };
  for (;;) {
    const before = delivered;
    try {
      for await (const chunk of client.logs(id, { follow: options.follow, from: delivered, signal: options.signal, onDropped })) {
        delivered += chunk.length;
        yield chunk;
      }
    } catch (err) {
      // A stream that stayed silent past undici's limit: open it again.
      if (!(options.follow && err instanceof WasmotionError && err.code === HOST_TIMEOUT)) throw err;
      continue;
    }
    if (!options.follow) return;
    const info = await client.guest(id, { signal: options.signal });
    const to = info.migration?.to;
    if (info.state === 'migrated' && typeof to === 'string') {
      client = moveTo(client, to, connect);
      options.onMove?.(client.url);
      emptyReconnects = 0;
      continue;
    }
    if (isFinalGuestState(info.state)) return;
    emptyReconnects = delivered === before ? emptyReconnects + 1 : 0;
    if (emptyReconnects > MAX_EMPTY_RECONNECTS) throw protocolError(client.url, `the log stream of ${id} keeps ending while the guest is ${info.state}`);
    await delay(RECHECK_MS, undefined, { signal: options.signal });
  }
}

function moveTo(from: HostClient, to: string, connect: (url: string) => HostClient): HostClient {
  const next = connect(to);
  // A host that sends a guest to itself would have us ask it forever.
  if (next.url === from.url) throw protocolError(from.url, `says the guest moved to ${to}, which is this host`);
  return next;
}
