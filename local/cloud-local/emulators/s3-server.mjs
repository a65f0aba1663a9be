// s3rver in a process of its own (plain Node, no loader hooks: its CommonJS dependencies break
// under some of them). Listens on 127.0.0.1, prints {"port":N}, and exits when stdin closes
// (the parent ended, however it ended). Argument: the folder objects are stored in.
import S3rver from "s3rver";

const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  directory: process.argv[2],
  silent: true,
  allowMismatchedSignatures: true,
  vhostBuckets: false,
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
