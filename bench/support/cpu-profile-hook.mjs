/**
 * Loaded into the benchmarked server with `--import` (bench/delivery.ts does it
 * when BENCH_SERVER_CPU_PROF names a folder; `--cpu-prof` is not allowed in
 * NODE_OPTIONS). The profile starts on SIGUSR2, which the benchmark sends when
 * its measured phase begins, so that start-up, webhook set-up and warm-up stay
 * out of it; it is written to that folder when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let started = false;
  process.on('SIGUSR2', () => {
    if (started) return;
    started = true;
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 250 });
    session.post('Profiler.start');
  });
  process.on('exit', () => {
    if (!started) return;
    // The in-process inspector answers synchronously, so the profile is written before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
