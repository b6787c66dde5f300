import { UUID, type UuidMessage } from './protocol.js';

/** KurrentDB sends ids in the format the reader asked for: a string, or two signed 64-bit halves. */
export function toUuidMessage(id: string, format: 'string' | 'structured'): UuidMessage {
  if (format === 'string') return new UUID().setString(id);
  const hex = id.replaceAll('-', '');
  const signed = (half: string) => BigInt.asIntN(64, BigInt(`0x${half}`)).toString();
  return new UUID().setStructured(
    new UUID.Structured().setMostSignificantBits(signed(hex.slice(0, 16))).setLeastSignificantBits(signed(hex.slice(16))),
  );
}

/** Lower-case uuid string, or undefined when the message carries none. */
export function fromUuidMessage(message: UuidMessage | undefined): string | undefined {
  if (!message) return undefined;
  if (!message.hasStructured()) return message.getString().toLowerCase() || undefined;
  const structured = message.getStructured()!;
  const hex = (half: string) => BigInt.asUintN(64, BigInt(half)).toString(16).padStart(16, '0');
  const all = hex(structured.getMostSignificantBits()) + hex(structured.getLeastSignificantBits());
  return `${all.slice(0, 8)}-${all.slice(8, 12)}-${all.slice(12, 16)}-${all.slice(16, 20)}-${all.slice(20)}`;
}
