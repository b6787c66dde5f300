import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` events so far; call as often as you like, the bar redraws at its own pace. */
  update(done: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr: events done of total, events per second, time
 * left. Redirected to a file or a pipe it prints a line every few seconds
 * instead of redrawing.
 */
export function progressBar(label: string, total: number): Progress {
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 2_000,
      etaBuffer: 200,
      fps: 10,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const speed = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? Math.round(done / seconds) : 0;
  };
  bar.start(total, 0, { speed: 0 });
  let last = 0;
  return {
    update(done) {
      last = done;
      bar.update(done, { speed: speed(done) });
    },
    stop() {
      bar.update(last, { speed: speed(last) });
      bar.stop();
    },
  };
}

/** Counts the events a pass over the log will see, so that the bar has a total. */
export async function countEvents(events: AsyncIterable<{ position: number }>, upTo = Number.POSITIVE_INFINITY): Promise<number> {
  let count = 0;
  for await (const event of events) {
    if (event.position > upTo) break;
    count++;
  }
  return count;
}
