/**
 * `wasmotion host info`, and what every command that talks to a host agent
 * shares: which host (--host, else $WASMOTION_HOST, else the default), its
 * API token if it has one (--api-token-file, else
 * $WASMOTION_API_TOKEN_FILE), and how to print (--json: one JSON value per line).
 */
import { HostClient, resolveHostUrl } from '../client/index.js';
import { apiTokenOption } from '../net/api-token.js';
import { hostDetails, jsonLine } from './render.js';

export interface HostOptions {
  host?: string;
  apiTokenFile?: string;
  json?: boolean;
}

export function connect(options: HostOptions): HostClient {
  return new HostClient(resolveHostUrl(options.host), { apiToken: apiTokenOption(options.apiTokenFile) });
}

/** Writes to stdout, waiting when the reader is slower than the host. */
export async function out(text: string | Uint8Array): Promise<void> {
  if (process.stdout.write(text)) return;
  await new Promise<void>((resolve) => {
    // A reader that went away never drains: stop waiting when stdout closes or fails too.
    const done = () => {
      for (const event of ['drain', 'close', 'error']) process.stdout.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'close', 'error']) process.stdout.once(event, done);
  });
}

export async function hostInfoCommand(options: HostOptions): Promise<number> {
  const client = connect(options);
  const info = await client.host();
  await out(options.json ? jsonLine(info) : hostDetails(info, client.url));
  return 0;
}
