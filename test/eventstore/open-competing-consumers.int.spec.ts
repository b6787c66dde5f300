import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCompetingConsumers } from '../../src/eventstore/open-competing-consumers.js';
import { Inbox } from './competing-consumers-inbox.js';
import { newEvent, startDoubleWithStore, type DoubleWithStore } from './kurrentdb-double-fixture.js';

describe('openCompetingConsumers', () => {
  let fixture: DoubleWithStore;

  beforeAll(async () => {
    fixture = await startDoubleWithStore();
  });
  afterAll(() => fixture.stop());

  it('gives working competing consumers when KurrentDB is configured', async () => {
    const consumers = await openCompetingConsumers({ kurrentDbConnectionString: fixture.double.connectionString });
    try {
      const prefix = `open-${randomUUID()}-`;
      const inbox = new Inbox(
        await consumers!.join({ group: prefix, consumerName: 'instance', filter: { streamNamePrefixes: [prefix] }, startFrom: 'start' }),
      );
      await fixture.store.appendToStream(`${prefix}1`, [newEvent('Shared')]);
      expect((await inbox.next()).event.type).toBe('Shared');
    } finally {
      await consumers!.close();
    }
  });

  it('gives none for the embedded store, without loading the KurrentDB client', async () => {
    // A fresh process: in this one the client is loaded already.
    const script = `
      const { openCompetingConsumers } = await import('./src/eventstore/open-competing-consumers.ts');
      const consumers = await openCompetingConsumers({ kurrentDbConnectionString: undefined });
      const { createRequire } = await import('node:module');
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('@kurrent'));
      console.log(JSON.stringify({ consumers: consumers === undefined ? 'none' : 'some', loaded }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
    });
    expect(JSON.parse(stdout)).toEqual({ consumers: 'none', loaded: false });
  });
});
