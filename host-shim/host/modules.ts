/**
 * Guest modules a host holds, by sha256: uploaded once, shared by every guest
 * of that module, and sent to another host only if it lacks them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { moduleDigest } from '../snapshot/directory.js';
import { HttpError, readBody, sendJson, type Router } from './http.js';

export class ModuleStore {
  private readonly modules = new Map<string, Uint8Array>();

  constructor(private readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  has(digest: string): boolean {
    return this.modules.has(digest) || (this.dir !== undefined && existsSync(this.path(digest)));
  }

  get(digest: string): Uint8Array | undefined {
    let m = this.modules.get(digest);
    if (!m && this.dir && existsSync(this.path(digest))) {
      m = readFileSync(this.path(digest));
      this.modules.set(digest, m);
    }
    return m;
  }

  /** Stores `bytes`; returns their digest. */
  put(bytes: Uint8Array): string {
    const digest = moduleDigest(bytes);
    if (this.modules.has(digest)) return digest;
    this.modules.set(digest, bytes);
    if (this.dir) {
      const tmp = `${this.path(digest)}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, this.path(digest));
    }
    return digest;
  }

  private path(digest: string): string {
    return join(this.dir!, `${digest}.wasm`);
  }
}

/** Largest module accepted by an upload. */
export const MAX_MODULE_BYTES = 256 << 20;

/**
 * `HEAD` and `PUT {prefix}/{sha256}`: whether `store` holds a module, and an
 * upload checked against the digest in its path. The host API and the
 * cluster manager serve modules the same way.
 */
export function moduleRoutes(router: Router, prefix: string, store: ModuleStore): void {
  router.on('HEAD', `${prefix}/:digest`, async (_req, res, [digest]) => {
    res.writeHead(store.has(digest) ? 200 : 404).end();
  });
  router.on('PUT', `${prefix}/:digest`, async (req, res, [digest]) => {
    const bytes = await readBody(req, MAX_MODULE_BYTES);
    if (moduleDigest(bytes) !== digest) throw new HttpError(400, 'WASMOTION_ERR_USAGE', 'the module bytes do not have the sha256 in the path');
    store.put(bytes);
    sendJson(res, 201, { digest });
  });
}
