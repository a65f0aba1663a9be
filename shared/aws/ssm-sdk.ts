/**
 * The SSM parts the secret store needs, behind one module that secrets.ts and the functions'
 * composition import on first use: only `ssm:` secret references need them, and a bundler puts
 * this module (and only these exports of the packages) in a chunk a cold start does not load.
 */
export { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
export { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
