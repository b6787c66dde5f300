import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TriggerCalls } from '../application/triggers/trigger-calls.js';
import { MAX_TRIGGER_BODY_BYTES, MAX_TRIGGER_ID_LENGTH } from '../domain/trigger/trigger-rules.js';
import { INBOUND_HOOKS_PREFIX } from './inbound-hooks-path.js';
import { readBody } from './read-body.js';
import { refuseBody } from './refuse-body.js';

function reply(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const refuseBodyTooLarge = (req: IncomingMessage, res: ServerResponse) =>
  refuseBody(req, res, 413, MAX_TRIGGER_BODY_BYTES, { error: `the body must be at most ${MAX_TRIGGER_BODY_BYTES} bytes` });

/** Unknown trigger and bad credentials answer alike, so that nobody learns which trigger ids exist. */
const refuseUnverified = (res: ServerResponse) =>
  reply(res, 401, { error: 'not verified: sign the body (Standard Webhooks) or send the secret in X-Verify-Signature' });

function triggerIdFrom(path: string): string | undefined {
  let id: string;
  try {
    id = decodeURIComponent(path.slice(INBOUND_HOOKS_PREFIX.length));
  } catch {
    return undefined;
  }
  if (id === '' || id.includes('/') || id.length > MAX_TRIGGER_ID_LENGTH) return undefined;
  return id;
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat.push([name, Array.isArray(value) ? value.join(', ') : value]);
  }
  return Object.fromEntries(flat);
}

/**
 * The inbound endpoint of triggers: 202 `{"runId"}` for a verified call,
 * 401 for an unverified one or an unknown trigger, 413 for a body over 1 MiB
 * (or, for a trigger that forwards its calls, a call larger than a published event may be),
 * 405 for anything but POST.
 */
export async function handleInboundHook(req: IncomingMessage, res: ServerResponse, path: string, calls: TriggerCalls): Promise<void> {
  if (req.method !== 'POST') {
    reply(res, 405, { error: 'only POST is allowed' }, { allow: 'POST' });
    return;
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_TRIGGER_BODY_BYTES) {
    refuseBodyTooLarge(req, res);
    return;
  }
  const triggerId = triggerIdFrom(path);
  const read = await readBody(req, MAX_TRIGGER_BODY_BYTES);
  if (read.kind === 'gone') return;
  if (read.kind === 'too-large') {
    refuseBodyTooLarge(req, res);
    return;
  }
  if (triggerId === undefined) {
    refuseUnverified(res);
    return;
  }
  const headers = flatHeaders(req.headers);
  const outcome = await calls.receive({
    triggerId,
    headers,
    body: read.body,
    correlationId: headers['x-correlation-id']?.slice(0, 128) || randomUUID(),
  });
  if (!outcome.accepted) {
    if (outcome.reason === 'tooLargeToForward') {
      reply(res, 413, { error: `this trigger forwards its calls as events: body and headers must fit in ${outcome.maxBytes} bytes of JSON` });
      return;
    }
    refuseUnverified(res);
    return;
  }
  reply(res, 202, { runId: outcome.runId });
}
