/** AWS::S3::Bucket -> the S3 emulator (s3rver): the bucket, under its declared or generated name. */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { str, type Provisioner } from "./provisioner.ts";

const NOT_EMULATED = [
  ["LifecycleConfiguration", "lifecycle rules (expiry)"],
  ["BucketEncryption", "encryption settings"],
  ["VersioningConfiguration", "versioning"],
  ["PublicAccessBlockConfiguration", "the public access block"],
  ["NotificationConfiguration", "event notifications"],
  ["ReplicationConfiguration", "replication"],
  ["ObjectLockConfiguration", "object lock"],
] as const;

export const s3Bucket: Provisioner = {
  types: ["AWS::S3::Bucket"],
  async provision(ctx) {
    const p = ctx.properties;
    const name = str(p, "BucketName") ?? ctx.physicalName({ maxLength: 63, lowercase: true });
    await ctx.cloud.opts.aws.s3().send(new CreateBucketCommand({ Bucket: name }));
    for (const [key, what] of NOT_EMULATED)
      if (p[key] !== undefined) ctx.note(`${what} (${key}) is declared, not emulated`);
    const region = ctx.cloud.identity.region;
    return {
      physicalId: name,
      ref: name,
      attributes: {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
        DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
        WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
      },
    };
  },
};
