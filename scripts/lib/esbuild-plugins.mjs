// esbuild plugins that the build and the unit tests share, so both bundle the same code.
import { dirname, join } from 'node:path';

/**
 * src/config/sdk-partitions.ts only declares the AWS partition table; this plugin supplies it
 * from the very file the bundled Metering client uses (@aws-sdk/core exports the partition()
 * lookup but not the table, and partition() answers "aws" for any name it does not know, so
 * it cannot tell a region from a typo). If the SDK moves the file, the build fails here.
 */
export const sdkPartitions = {
  name: 'sdk-partitions',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/sdk-partitions\.js$/ }, async (args) => {
      if (!args.importer.includes(`${join('src', 'config')}`)) return undefined;
      const client = await pluginBuild.resolve('@aws-sdk/client-marketplace-metering', { kind: 'import-statement', resolveDir: args.resolveDir });
      if (client.errors.length > 0) return { errors: client.errors };
      const core = await pluginBuild.resolve('@aws-sdk/core/client', { kind: 'import-statement', resolveDir: dirname(client.path) });
      if (core.errors.length > 0) return { errors: core.errors };
      return { path: join(dirname(core.path), 'util-endpoints', 'lib', 'aws', 'partitions.js') };
    });
  },
};
