import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sampleRequest } from "../../../../local/cloud-local/sample-request.ts";
import { bundleWarnings } from "../../../../local/cloud-local/evd-bundle.ts";
import { verifyGithub } from "../../../../shared/signatures/github.ts";

describe("the banner's signed sample request", () => {
  let dir: string;
  let bundle: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "evd-sample-"));
    bundle = join(dir, "evd-bundle.json");
    await writeFile(
      bundle,
      JSON.stringify({
        config: {
          sources: [
            { type: "git_pr", path: "/github", secret: "${GH}", handler: "review" },
            {
              type: "git_push",
              name: "main-pushes",
              path: "/github",
              secret: "${GH}",
              branches: ["release/*", "main"],
              handler: "push",
            },
            { type: "webhook", path: "/hooks/deploy", secret: "${DEPLOY}", handler: "deploy" },
          ],
        },
      }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const env = () => ({ EVD_BUNDLE_PATH: bundle, EVD_SECRETS: JSON.stringify({ GH: "arn:gh", DEPLOY: "ssm:/deploy" }) });
  const values: Record<string, string> = { "arn:gh": "gh-secret", "ssm:/deploy": "deploy-secret" };

  it("a GitHub push to a literal branch of the filter, signed with the stack's secret", async () => {
    const s = sampleRequest({
      url: "http://127.0.0.1:4567/github",
      routePath: "/github",
      environment: env(),
      secretValue: (l) => values[l],
    })!;
    assert.equal(s.describes, "git_push source main-pushes");
    assert.equal(s.headers["x-github-event"], "push");
    assert.equal(JSON.parse(s.body).ref, "refs/heads/main");
    assert.deepEqual(await verifyGithub("gh-secret", { headers: s.headers, rawBody: Buffer.from(s.body) }), {
      ok: true,
    });
    assert.match(s.curl, /^curl -i -X POST 'http:\/\/127\.0\.0\.1:4567\/github' -H 'content-type: application\/json'/);
  });

  it("a webhook signed with X-Signature; none when the secret has no value", () => {
    const s = sampleRequest({
      url: "http://x/hooks/deploy",
      routePath: "/hooks/deploy",
      environment: env(),
      secretValue: (l) => values[l],
    })!;
    assert.match(s.headers["x-signature"]!, /^sha256=[0-9a-f]{64}$/);
    assert.equal(
      sampleRequest({
        url: "http://x/hooks/deploy",
        routePath: "/hooks/deploy",
        environment: env(),
        secretValue: () => undefined,
      }),
      undefined,
    );
    assert.equal(
      sampleRequest({ url: "http://x/other", routePath: "/other", environment: {}, secretValue: () => "x" }),
      undefined,
    );
  });

  it("warns when the config's default provider is Bedrock, which is not emulated", () => {
    assert.match(
      bundleWarnings({ default_provider: "claude", providers: { claude: { kind: "bedrock" } } })[0]!,
      /default provider "claude" is Bedrock.*EVD_PROVIDER=echo/,
    );
    assert.deepEqual(bundleWarnings({ default_provider: "echo" }), []);
    assert.deepEqual(bundleWarnings(undefined), []);
  });
});
