import { partitionsInfo } from './sdk-partitions.js';

const PATTERNS = partitionsInfo.partitions.map((partition) => ({ id: partition.id, pattern: new RegExp(partition.regionRegex) }));

/**
 * A region name is valid when a partition the bundled SDK knows claims it: new regions of a
 * known partition pass (as the SDK resolves their endpoints), and so does the European
 * Sovereign Cloud (`eusc-de-east-1`), GovCloud and China. The `*-global` pseudo-regions of
 * the table are endpoint aliases, not places a task runs, so they do not.
 */
export function regionPartition(name: string): string | null {
  return PATTERNS.find(({ pattern }) => pattern.test(name))?.id ?? null;
}

export function isValidRegion(name: string): boolean {
  return regionPartition(name) !== null;
}

/** For messages: the partitions' patterns in words, so a refusal says what would pass. */
export const REGION_EXAMPLES = 'an AWS region name such as us-east-1, eu-central-1, us-gov-west-1, cn-north-1 or eusc-de-east-1';
