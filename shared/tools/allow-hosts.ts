/**
 * `tools.tool-http.allow_hosts`: which targets tool-http may reach.
 * - An entry is a host and an optional port: `api.example.com`, `api.example.com:8443`,
 *   `*.example.com` (subdomains only), an IPv4 address or a bracketed IPv6 one (`[::1]:8080`).
 *   Without a port it means the scheme's default port (443 for https, 80 for http): a listed host
 *   does not open every port of that machine.
 * - A host NAME that resolves to a loopback, link-local, private or unspecified address is refused
 *   unless that address is itself listed (by address): a name in the list (or a wildcard under it)
 *   must not become a way into the machine or its network (cloud metadata at 169.254.169.254, an
 *   admin port on 127.0.0.1).
 */
import { BlockList, isIP } from "node:net";

export interface AllowEntry {
  readonly raw: string;
  /** Lower case; an IPv6 address without brackets. */
  readonly host: string;
  /** Undefined: the scheme's default port. */
  readonly port?: string;
  /** `*.example.com`: `host` is `example.com` and only subdomains match. */
  readonly wildcard: boolean;
  /** The entry is an IP address (listed "by address"). */
  readonly isAddress: boolean;
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { "http:": "80", "https:": "443" };

export function parseAllowEntry(raw: string): AllowEntry {
  let text = raw.trim().toLowerCase();
  const wildcard = text.startsWith("*.");
  if (wildcard) text = text.slice(2);
  let host = text;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(":");
    if (colon > 0 && /^\d+$/.test(text.slice(colon + 1))) {
      host = text.slice(0, colon);
      port = text.slice(colon + 1);
    }
  }
  return { raw, host, ...(port !== undefined ? { port } : {}), wildcard, isAddress: !wildcard && isIP(host) !== 0 };
}

/** The URL's host as entries spell it: lower case, an IPv6 address without brackets. */
export function urlHost(url: URL): string {
  const h = url.hostname.toLowerCase();
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

function urlPort(url: URL): string {
  return url.port || DEFAULT_PORTS[url.protocol] || "";
}

/** The first entry allowing `url` (host and port), or undefined. */
export function matchingEntry(url: URL, allowHosts: readonly string[]): AllowEntry | undefined {
  const host = urlHost(url);
  const port = urlPort(url);
  for (const raw of allowHosts) {
    const e = parseAllowEntry(raw);
    if ((e.port ?? DEFAULT_PORTS[url.protocol]) !== port) continue;
    if (e.wildcard ? host.endsWith(`.${e.host}`) : host === e.host) return e;
  }
  return undefined;
}

export function hostAllowed(url: URL, allowHosts: readonly string[]): boolean {
  return matchingEntry(url, allowHosts) !== undefined;
}

const internal = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  internal.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
] as const)
  internal.addSubnet(net, prefix, "ipv6");

/** Loopback, link-local, private (RFC 1918, unique local, CGNAT) or unspecified; IPv4-mapped IPv6 included. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internal.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 0) return false;
  return internal.check(address, family === 4 ? "ipv4" : "ipv6");
}
