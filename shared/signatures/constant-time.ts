import { timingSafeEqual } from "node:crypto";

/**
 * Compares two ASCII strings in time that depends only on their lengths. Different lengths
 * are a mismatch, not an error: the received value is still compared (against itself) so a
 * wrong length costs the same work as a wrong value.
 */
export function constantTimeEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, "utf8");
  const b = Buffer.from(expected, "utf8");
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}
