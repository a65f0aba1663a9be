/**
 * AwsSecretStore (Powertools parameters) and the Bedrock provider, through the real SDK clients,
 * against the in-repo Secrets Manager/SSM and Converse wire servers.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { bedrockProvider } from "../../../shared/aws/bedrock-provider.ts";
import { AwsSecretStore, parseSecretMap } from "../../../shared/aws/secrets.ts";
import { FAKE_CREDENTIALS } from "../../harness/aws-env.ts";
import {
  startConverseServer,
  startSecretsServer,
  type ConverseServer,
  type SecretsServer,
} from "../../harness/json-rpc-server.ts";

const conn = (endpoint: string) => ({ region: "us-east-1", endpoint, credentials: { ...FAKE_CREDENTIALS } });

describe("AwsSecretStore over Secrets Manager and SSM", () => {
  let server: SecretsServer;
  let made: string[];
  let store: AwsSecretStore;
  before(async () => {
    server = await startSecretsServer({
      secrets: { "prod/github-webhook": "gh-s3cret", ANTHROPIC_KEY: "sk-plain" },
      parameters: { "/evd/slack": "https://hooks.example/x" },
    });
  });
  after(() => server.stop());

  const fresh = (map: Record<string, string>) => {
    made = [];
    store = new AwsSecretStore({
      map,
      secretsManager: () => {
        made.push("secretsmanager");
        return new SecretsManagerClient(conn(server.endpoint));
      },
      ssm: () => {
        made.push("ssm");
        return new SSMClient(conn(server.endpoint));
      },
    });
    return store;
  };

  it("maps a reference to a Secrets Manager secret and caches the value", async () => {
    fresh({ GITHUB_WEBHOOK_SECRET: "prod/github-webhook" });
    const before = server.calls();
    assert.equal(await store.get("GITHUB_WEBHOOK_SECRET"), "gh-s3cret");
    assert.equal(await store.get("GITHUB_WEBHOOK_SECRET"), "gh-s3cret");
    assert.equal(server.calls() - before, 1);
    assert.deepEqual(made, ["secretsmanager"], "no SSM client is created when no ssm: reference is read");
  });

  it("reads ssm:/path as an SSM SecureString", async () => {
    fresh({ SLACK_WEBHOOK_URL: "ssm:/evd/slack" });
    assert.equal(await store.get("SLACK_WEBHOOK_URL"), "https://hooks.example/x");
    assert.deepEqual(made, ["ssm"]);
  });

  it("looks an unmapped reference up by its own name", async () => {
    fresh({});
    assert.equal(await store.get("ANTHROPIC_KEY"), "sk-plain");
  });

  it("names the reference and the secret, never a value, when it is missing", async () => {
    fresh({ NOPE: "prod/missing" });
    await assert.rejects(
      store.get("NOPE"),
      (err: Error) =>
        err.name === "SecretLookupError" && /"NOPE"/.test(err.message) && /prod\/missing/.test(err.message),
    );
  });

  it("gives the current value, and during a rotation's grace period the previous one too (Secrets Manager and SSM)", async () => {
    let now = Date.now();
    const rotating = new AwsSecretStore({
      map: { HOOK: "prod/rotating", PARAM: "ssm:/evd/rotating" },
      secretsManager: () => new SecretsManagerClient(conn(server.endpoint)),
      ssm: () => new SSMClient(conn(server.endpoint)),
      now: () => now,
    });
    server.putSecretValue("prod/rotating", "v1");
    server.putParameter("/evd/rotating", "p1");
    now += 2 * 3_600_000;
    assert.deepEqual(await rotating.candidates("HOOK"), ["v1"], "an old secret has no previous value to accept");
    assert.deepEqual(await rotating.candidates("PARAM"), ["p1"]);
    server.putSecretValue("prod/rotating", "v2");
    server.putParameter("/evd/rotating", "p2");
    now = Date.now();
    assert.deepEqual(await rotating.candidates("HOOK"), ["v2", "v1"]);
    assert.deepEqual(await rotating.candidates("PARAM"), ["p2", "p1"]);
    now += 3_600_001;
    assert.deepEqual(await rotating.candidates("HOOK"), ["v2"], "after the grace period the previous value is refused");
    assert.deepEqual(await rotating.candidates("PARAM"), ["p2"]);
    await assert.rejects(rotating.candidates("NOPE"), /"NOPE"/);
  });

  it("parses EVD_SECRETS and refuses a bad map with the variable's name", () => {
    assert.deepEqual(parseSecretMap('{"A":"x","B":"ssm:/y"}'), { A: "x", B: "ssm:/y" });
    assert.deepEqual(parseSecretMap(undefined), {});
    assert.throws(() => parseSecretMap("{nope"), /EVD_SECRETS is not valid JSON/);
    assert.throws(() => parseSecretMap('{"A":3}'), /EVD_SECRETS\.A must be a non-empty string/);
    assert.throws(() => parseSecretMap("[]"), /JSON object/);
  });
});

describe("Bedrock provider (Converse)", () => {
  let server: ConverseServer;
  before(async () => {
    server = await startConverseServer();
  });
  after(() => server.stop());

  it("sends the prompt, system text and max tokens, and returns the text and usage", async () => {
    const p = bedrockProvider({
      client: () => new BedrockRuntimeClient(conn(server.endpoint)),
      model: "test.model-v1:0",
      maxTokens: 77,
    });
    const out = await p.complete({ prompt: "Review PR 42", system: "be brief" });
    assert.equal(out.text, "reply: Review PR 42");
    assert.equal(out.model, "test.model-v1:0");
    assert.equal(out.usage?.outputTokens, "Review PR 42".length + 7);
    const call = server.calls.at(-1)!;
    assert.equal(call.modelId, "test.model-v1:0");
    assert.deepEqual(call.body.system, [{ text: "be brief" }]);
    assert.deepEqual(call.body.inferenceConfig, { maxTokens: 77 });
  });

  it("turns a service error into a BedrockProviderError naming the model", async () => {
    server.mode = "error";
    try {
      const p = bedrockProvider({
        client: () => new BedrockRuntimeClient({ ...conn(server.endpoint), maxAttempts: 1 }),
        model: "m1",
      });
      await assert.rejects(
        p.complete({ prompt: "x" }),
        (err: Error) => err.name === "BedrockProviderError" && /model "m1"/.test(err.message),
      );
    } finally {
      server.mode = "ok";
    }
  });
});
