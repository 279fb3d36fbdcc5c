import type { PartitionsInfo } from '@aws-sdk/core/client';

/**
 * The AWS partition table (aws, aws-cn, aws-us-gov, aws-eusc, aws-iso*) exactly as the bundled
 * SDK resolves endpoints with it. Only declared here: the bundler supplies the SDK's own file in
 * place of this module (scripts/lib/esbuild-plugins.mjs), and a bundle without it fails to build.
 */
export declare const partitionsInfo: PartitionsInfo;
