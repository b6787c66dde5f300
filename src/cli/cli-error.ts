/** Exit codes of the command-line tool. */
export const EXIT_OK = 0;
/** `replay`: the rebuilt read models differ from the live ones. */
export const EXIT_DIFFERENCES = 1;
/** Bad arguments, missing files, an unknown tenant: nothing was checked or written. */
export const EXIT_USAGE = 2;

/** A failure the user can act on: printed as its message alone, no stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
  }
}
