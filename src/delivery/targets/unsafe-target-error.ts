/** A url whose host is, or resolves to, an address deliveries may not reach. */
export class UnsafeTargetError extends Error {
  readonly code = 'UNSAFE_TARGET';

  constructor(
    /** The host as given in the url (brackets stripped). */
    readonly hostname: string,
    /** The refused address, or null when the host name itself is refused. */
    readonly address: string | null,
    readonly reason: string,
  ) {
    super(
      address === null
        ? `refused: ${hostname} is ${reason}`
        : address === hostname
          ? `refused: ${address} is ${reason}`
          : `refused: ${hostname} resolves to ${address}, ${reason}`,
    );
    this.name = 'UnsafeTargetError';
  }
}
