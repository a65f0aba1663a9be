import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { buildProgram } from "../../../../local/cli/main.ts";

describe("the evd CLI's verbs", () => {
  it("loads only the modules of the verb it runs (a daemon does not load the cloud verbs)", async () => {
    const names = (p: Awaited<ReturnType<typeof buildProgram>>) => p.commands.map((c) => c.name()).sort();
    assert.deepEqual(names(await buildProgram("daemon")), ["daemon"]);
    assert.deepEqual(names(await buildProgram("cloud")), ["cloud"]);
    const all = names(await buildProgram());
    for (const verb of ["bridge", "cloud", "daemon", "dlq", "event", "validate"]) assert.ok(all.includes(verb), verb);
    assert.deepEqual(names(await buildProgram("no-such-verb")), all, "an unknown verb gets every verb (for the error)");
  });

  it("still answers an unknown verb with an error and --help with every verb", () => {
    const bin = fileURLToPath(new URL("../../../../local/cli/bin.mjs", import.meta.url));
    const unknown = spawnSync(process.execPath, [bin, "no-such-verb"], { encoding: "utf8" });
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /unknown command 'no-such-verb'/);
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0);
    for (const verb of ["daemon", "cloud", "validate"]) assert.match(help.stdout, new RegExp(`\\b${verb}\\b`));
  });
});
