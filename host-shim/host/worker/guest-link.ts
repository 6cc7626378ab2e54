/**
 * A guest's service on the virtual switch, seen from its worker: its socket
 * device (sockets/guest-net.ts) and its link to the switch
 * (switch/link.ts), beside its VMM. From the checkpoint a migration takes
 * until the guest runs again, the socket device is frozen.
 */
import type { GuestSession } from '../../guest/session.js';
import type { GuestNet } from '../../sockets/guest-net.js';
import { SwitchLink, type Published } from '../../switch/link.js';
import type { GuestNetConfig } from '../worker-protocol.js';
import { post } from './channel.js';

export class GuestLink {
  private net: GuestNet | undefined;
  private link: SwitchLink | undefined;
  /** The link has attached (or is attaching) the guest from here. */
  private attaching = false;

  constructor(private readonly config: GuestNetConfig) {}

  private newLink(): SwitchLink {
    const endpoint = { ...this.config.switch, secret: this.config.secret };
    return new SwitchLink(endpoint, this.config.guest, {
      onAttached: (service) => {
        // A new guest opens its listener only now, published at the port the switch bound.
        if (this.net!.vmm.listenPort() === null) this.net!.vmm.listen(service.port);
        post({ type: 'service', service });
      },
    });
  }

  /** A new guest: publishes its listener at `port` on the switch. */
  async publish(session: GuestSession, port: number): Promise<Published> {
    this.net = session.sockets();
    const link = (this.link = this.newLink());
    this.attaching = true;
    try {
      return await link.attach(this.net, port);
    } catch (err) {
      await link.close(false);
      this.link = undefined;
      throw err;
    }
  }

  /** A guest arriving by migration: whether it listens is known only from its state; a TLS handshake now keeps it out of the switchover. */
  preconnect(): void {
    this.link = this.newLink();
    this.link.preconnect();
  }

  /** The arrived guest's state is loaded: a guest that listens keeps the link, one that does not needs none. */
  loaded(session: GuestSession): boolean {
    const listens = session.sockets().vmm.listenPort() !== null;
    if (this.link && listens) this.net = session.sockets();
    else {
      void this.link?.close(false);
      this.link = undefined;
    }
    return listens;
  }

  /** The checkpoint is taken: the socket device stays as checkpointed, since the guest may run on elsewhere. */
  freeze(): void {
    this.net?.freeze();
  }

  /** The guest runs again: here after a failed migration (the link resumes), or here for the first time (it attaches). */
  resume(): void {
    this.net?.thaw();
    if (this.link && !this.attaching) this.attachArrived();
    else this.link?.resume();
  }

  /** Closes the link; `unpublish` takes the service off the switch (the guest ended or was stopped here). */
  async close(unpublish: boolean): Promise<void> {
    await this.link?.close(unpublish);
  }

  /** A guest that arrived by migration attaches from here once it runs; an unreachable switch is tried again. */
  private attachArrived(delayMs = 100): void {
    this.attaching = true;
    this.link!.attach(this.net!).catch((err: { code?: string }) => {
      if (err.code === 'WASMOTION_ERR_SWITCH_UNREACHABLE') setTimeout(() => this.attachArrived(Math.min(delayMs * 2, 2_000)), delayMs);
    });
  }
}
