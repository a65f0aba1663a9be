#!/usr/bin/env node
// Entry point of the `evd` CLI. It loads the TypeScript sources through tsx so that
// `npx evd ...` works right after `npm ci`, with no build step.
import { register } from "tsx/esm/api";

// On Node 20 the AWS SDK warns, on the first client of every `evd cloud` and `evd bridge` run, that
// SDK releases published after early January 2027 need Node 22. That is about our next dependency
// upgrade, not about this run: the SDK locked in package-lock.json works on Node 20, and the README
// says which Node versions are supported and until when. A user's own setting of the variable wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv);
