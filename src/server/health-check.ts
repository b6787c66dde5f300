import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventStore } from '../eventstore/event-store.js';

const PING_TIMEOUT_MS = 2_000;

/** 200 while the event store answers and the read models keep up; 503 when not. */
export async function handleHealthCheck(
  store: EventStore,
  _req: IncomingMessage,
  res: ServerResponse,
  projectionFailure?: Error,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  });
  let body: { status: string; store: string; error?: string };
  try {
    await Promise.race([store.ping(), timeout]);
    if (projectionFailure) throw projectionFailure;
    res.statusCode = 200;
    body = { status: 'ok', store: store.kind };
  } catch (error) {
    res.statusCode = 503;
    body = { status: 'unavailable', store: store.kind, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}
