// Regions are what the bundled SDK's partition table says they are (issue 11, case 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';

const { isValidRegion, regionPartition } = await importSource('config/region-name');

test('every partition the SDK knows, including ones a home-made pattern missed', () => {
  const cases = {
    'us-east-1': 'aws',
    'ap-southeast-7': 'aws',
    'il-central-1': 'aws',
    'cn-north-1': 'aws-cn',
    'us-gov-west-1': 'aws-us-gov',
    'eusc-de-east-1': 'aws-eusc',
    'us-iso-east-1': 'aws-iso',
    'us-isob-east-1': 'aws-iso-b',
    // a region of a known partition that the SDK does not list by name yet
    'eu-west-9': 'aws',
  };
  for (const [region, partition] of Object.entries(cases)) assert.equal(regionPartition(region), partition, region);
});

test('names no partition claims are refused', () => {
  for (const region of ['Mars-1', 'us-east', 'useast1', 'aws-global', 'aws-us-gov-global', 'xx-east-1', '', 'eusc-fr-east-1', 'us-east-1 ']) {
    assert.equal(isValidRegion(region), false, JSON.stringify(region));
  }
});
