import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { isConnectionFailure, toStoreError } from './client-errors.js';

/**
 * The two client instances the adapter talks to one server through.
 *
 * The client sends appends and subscriptions over its gRPC channel, which
 * reconnects by itself, but runs reads through a native reader
 * (`@kurrent/bridge`) with its own connection. That reader gives up for good
 * when a connection attempt fails: it keeps answering UnavailableError after
 * the server is back. So reads get their own client, replaced after any
 * connection failure; a new one costs nothing until it is used.
 */
export class KurrentDbClients {
  readonly writer: KurrentDBClient;
  private currentReader: KurrentDBClient | undefined;

  constructor(private readonly connectionString: string) {
    this.writer = KurrentDBClient.connectionString(connectionString);
  }

  /** A read through the current reader, with connection failures as EventStoreUnavailable. */
  async *read<T>(doing: string, read: (reader: KurrentDBClient) => AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
    const reader = (this.currentReader ??= KurrentDBClient.connectionString(this.connectionString));
    try {
      yield* read(reader);
    } catch (error) {
      if (isConnectionFailure(error) && this.currentReader === reader) this.currentReader = undefined;
      throw toStoreError(error, doing);
    }
  }

  /** Ends the writer's open calls; the native reader holds nothing that outlives its reads. */
  async close(): Promise<void> {
    await this.writer.dispose();
  }
}
