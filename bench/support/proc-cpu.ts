import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second (USER_HZ), in which /proc reports CPU time. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time in µs from a /proc `stat` line (the command name may hold spaces and parentheses). */
function statCpuMicros(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** User + system CPU time a process (all its threads) has used so far, in µs; null where there is no /proc. */
export function processCpuMicros(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    return statCpuMicros(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** The same for each thread of a process, by `name#tid` (the main thread as `main`); empty where there is no /proc. */
export function threadCpuMicros(pid: number | undefined): Map<string, number> {
  const threads = new Map<string, number>();
  if (pid === undefined) return threads;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      threads.set(`${Number(tid) === pid ? 'main' : name}#${tid}`, statCpuMicros(stat));
    }
  } catch {
    // No /proc: no breakdown.
  }
  return threads;
}
