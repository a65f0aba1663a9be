/** The network port's Node implementation: the runtime's global fetch (undici). */
export const nodeFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);
