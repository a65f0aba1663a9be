/**
 * The cloud integration suite: the AWS adapters and both Lambda handlers against real
 * AWS-compatible servers (DynamoDB Local, the SQS emulator, the in-repo Scheduler server) started
 * ONCE for this process, or AWS_ENDPOINT_URL (LocalStack / a real account) when set.
 * All emulator-using tests live behind this one file so the emulators start once.
 */
import { after } from "node:test";
import { awsTestEnv } from "../harness/aws-env.ts";
import { storeContractSuites } from "./suites/store-contracts.ts";

const env = () => awsTestEnv();
after(async () => { await (await env()).stop(); });

storeContractSuites(env);
