/** Entries kept at most; past that the cache starts again empty, so that odd keys cannot grow it without end. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Answers read from a read model, kept until the projection that writes it
 * commits again (the owner calls `clear` from the runner's `onApplied`), so
 * that hot reads (who is this API key, which webhooks does this tenant have)
 * cost no query while nothing changed, and never outlive a change: the cache
 * is emptied before anyone waiting for that commit is told of it.
 * Cached values are shared: callers must not change them.
 */
export class CommitScopedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  get(key: K, load: (key: K) => V): V {
    const cached = this.entries.get(key);
    // has() only for a cached undefined ("no such row"), so a hit costs one lookup.
    if (cached !== undefined || this.entries.has(key)) return cached as V;
    const value = load(key);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
