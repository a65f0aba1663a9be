/**
 * The S3 parts the payload store needs, behind one module imported on first use: only events too
 * large for a DynamoDB item or an SQS message go to the bucket, so a cold start does not load the
 * S3 client (a bundler puts this module in a chunk of its own).
 */
export { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
