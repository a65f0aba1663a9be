// Runs s3rver (the S3 emulator from npm) in its own plain Node process: under the tsx loader of the
// test process, one of its CommonJS dependencies (generator-function) resolves to its ESM build and
// breaks. Prints `port <n>` once listening; exits when its stdin closes (the test process ended).
import { createRequire } from "node:module";

const S3rver = createRequire(import.meta.url)("s3rver");
const directory = process.argv[2];
const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory });
const { port } = await server.run();
process.stdout.write(`port ${port}\n`);
process.stdin.resume();
process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
