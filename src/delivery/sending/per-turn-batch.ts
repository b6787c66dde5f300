/**
 * Collects what is handed to it during one turn of the event loop and passes
 * it on as one array at the end of the turn (a microtask), in the order given:
 * one message between threads instead of one per item.
 */
export function perTurnBatch<T>(flush: (items: T[]) => void): (item: T) => void {
  let items: T[] = [];
  return (item) => {
    items.push(item);
    if (items.length > 1) return;
    queueMicrotask(() => {
      const batch = items;
      items = [];
      flush(batch);
    });
  };
}
