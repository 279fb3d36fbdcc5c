// The ECS task definitions and the task-role policy: they parse, set only variables the
// contract defines, and gate the app the way ECS needs (non-essential gate, SUCCESS
// dependency, one shared task volume, read-only roots, non-root users, awslogs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, contractEnvNames } from '../../scripts/container/testlib.mjs';

const dir = join(repoRoot, 'ecs-task-defs');
const readJson = (f) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const OUT = '/var/run/metering-gate';
const contract = contractEnvNames();

for (const [file, launchType] of [['fargate.json', 'FARGATE'], ['ec2.json', 'EC2']]) {
  const td = readJson(file);
  const gate = td.containerDefinitions.find((c) => c.name === 'metering-gate');
  const apps = td.containerDefinitions.filter((c) => c !== gate);

  test(`${file}: a ${launchType} task definition with a task role`, () => {
    assert.deepEqual(td.requiresCompatibilities, [launchType]);
    if (launchType === 'FARGATE') {
      assert.equal(td.networkMode, 'awsvpc');
      // The image is multi-arch; Fargate runs X86_64 unless told, so the choice is explicit.
      assert.deepEqual(td.runtimePlatform, { operatingSystemFamily: 'LINUX', cpuArchitecture: '${CPU_ARCHITECTURE}' });
      assert.ok(td.cpu && td.memory, 'Fargate needs task-level cpu and memory');
    }
    assert.match(td.taskRoleArn, /^arn:aws:iam::/, 'RegisterUsage is signed with the task role');
    assert.ok(gate, 'a container named metering-gate');
    assert.equal(apps.length, 1, 'one app container');
  });

  test(`${file}: the gate is not essential and the app depends on its SUCCESS`, () => {
    assert.equal(gate.essential, false);
    const [app] = apps;
    assert.equal(app.essential, true);
    assert.deepEqual(app.dependsOn, [{ containerName: 'metering-gate', condition: 'SUCCESS' }]);
    assert.deepEqual(gate.command ?? ['register'], ['register']);
  });

  test(`${file}: one task volume, read-write in the gate and read-only in the app`, () => {
    assert.equal(td.volumes.length, 1);
    const [volume] = td.volumes;
    assert.equal(volume.host?.sourcePath, undefined, 'a task volume, not a host path: ECS copies the image VOLUME ownership into it');
    assert.equal(volume.efsVolumeConfiguration, undefined);
    assert.deepEqual(gate.mountPoints, [{ sourceVolume: volume.name, containerPath: OUT, readOnly: false }]);
    assert.deepEqual(apps[0].mountPoints, [{ sourceVolume: volume.name, containerPath: OUT, readOnly: true }]);
  });

  test(`${file}: read-only root filesystems, non-root users, no capabilities, awslogs`, () => {
    for (const c of td.containerDefinitions) {
      assert.equal(c.readonlyRootFilesystem, true, `${c.name} readonlyRootFilesystem`);
      assert.ok(c.user, `${c.name} sets a user`);
      const [uid] = c.user.split(':');
      assert.ok(uid !== '0' && uid !== 'root', `${c.name} user ${c.user} is not root`);
      assert.notEqual(c.privileged, true);
      assert.deepEqual(c.linuxParameters?.capabilities?.drop, ['ALL'], `${c.name} drops all capabilities`);
      assert.equal(c.logConfiguration?.logDriver, 'awslogs', `${c.name} logs with awslogs`);
      for (const o of ['awslogs-group', 'awslogs-region', 'awslogs-stream-prefix']) assert.ok(c.logConfiguration.options[o], `${c.name} ${o}`);
      // The AWS-managed execution role policy has no logs:CreateLogGroup: the README creates the group.
      assert.equal(c.logConfiguration.options['awslogs-create-group'], undefined, `${c.name} awslogs-create-group`);
    }
    assert.equal(gate.user, '65532:65532', 'the image user, which owns the result volume');
    assert.equal(gate.portMappings, undefined, 'the gate listens on nothing');
  });

  test(`${file}: every environment variable is one the contract defines`, { skip: contract ? false : 'neither ../shared/spec/contract.md nor README.md lists the contract: skipped' }, () => {
    const env = Object.fromEntries(gate.environment.map((e) => [e.name, e.value]));
    for (const c of td.containerDefinitions) {
      for (const { name } of c.environment ?? []) assert.ok(contract.names.has(name), `${c.name}: ${name} is defined by ${contract.source}`);
      assert.equal(c.secrets, undefined, `${c.name}: nothing secret is needed`);
    }
    assert.ok(env.METERING_GATE_PRODUCT_CODE, 'product code');
    assert.ok(env.METERING_GATE_PUBLIC_KEY || env.METERING_GATE_PUBLIC_KEY_FILE, 'a public key');
    assert.equal(env.METERING_GATE_OUTPUT_DIR ?? OUT, OUT);
    assert.equal(env.AWS_REGION, undefined, 'never a hard-coded region: the gate takes it from the task');
    assert.equal(env.METERING_GATE_SKIP_SIGNATURE_VERIFICATION, undefined);
  });

  test(`${file}: its placeholders are the ones the README explains`, () => {
    const text = readFileSync(join(dir, file), 'utf8');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const placeholders = new Set([...text.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]));
    assert.ok(placeholders.size > 0);
    for (const p of placeholders) assert.match(readme, new RegExp(`\`${p}\``), `${p} documented in ecs-task-defs/README.md`);
  });
}

test('task-role policy: only aws-marketplace:RegisterUsage', () => {
  const policy = readJson('task-role-policy.json');
  assert.equal(policy.Version, '2012-10-17');
  assert.equal(policy.Statement.length, 1);
  const [s] = policy.Statement;
  assert.equal(s.Effect, 'Allow');
  assert.deepEqual([s.Action].flat(), ['aws-marketplace:RegisterUsage']);
  assert.equal(s.NotAction, undefined);
  const trust = readJson('task-role-trust-policy.json');
  assert.deepEqual(trust.Statement.map((t) => t.Principal.Service), ['ecs-tasks.amazonaws.com']);
});
