/** The Node implementation of tool-http's `resolveHost`: every address the system resolver gives for a name. */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

export async function nodeResolveHost(host: string): Promise<readonly string[]> {
  if (isIP(host) !== 0) return [host];
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}
