/** A client for the wasmotion host agent's HTTP/JSON API (docs/host-api.md). */
export { HostClient, sha256Hex } from './host-client.js';
export type { HostClientOptions, LogOptions } from './host-client.js';
export type { RequestOptions } from './http.js';
export { waitFollowing, logsFollowing } from './follow.js';
export type { FollowOptions } from './follow.js';
export { HostApiError, HOST_UNREACHABLE, HOST_TIMEOUT, HOST_PROTOCOL, GUEST_MIGRATED } from './errors.js';
export { DEFAULT_HOST_URL, resolveHostUrl, normalizeHostUrl } from './url.js';
export * from './types.js';
