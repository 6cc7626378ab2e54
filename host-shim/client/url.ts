/**
 * Which host agent to talk to: `--host`, else $WASMOTION_HOST, else the
 * agent's default address. "127.0.0.1:7000" is read as http://127.0.0.1:7000.
 */
import { UsageError } from '../errors.js';

export const DEFAULT_HOST_URL = 'http://127.0.0.1:7000';

export function resolveHostUrl(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = given ?? (env.WASMOTION_HOST || undefined) ?? DEFAULT_HOST_URL;
  return normalizeHostUrl(chosen);
}

/** An http(s) URL without a trailing slash, so API paths can be appended. */
export function normalizeHostUrl(text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${JSON.stringify(text)} is not a host URL (e.g. http://127.0.0.1:7000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${JSON.stringify(text)}: a host URL is http:// or https://`);
  }
  if (url.search || url.hash) throw new UsageError(`${JSON.stringify(text)}: a host URL has no query or fragment`);
  return url.href.replace(/\/+$/, '');
}
