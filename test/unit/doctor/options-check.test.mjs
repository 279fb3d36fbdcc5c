// Doctor's options row comes from register's option table (issue 12, item 6): each option the
// table marks for it is read with register's own parser and shown, in table order, and every
// bad value is named at once with register's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importSource } from '../../helpers/src-module.mjs';

const { parseDoctorConfig, OPTIONS_ROW } = await importSource('config/doctor-config');
const { REGISTER_OPTIONS } = await importSource('config/options');
const { RUN_OPTION_PARSERS } = await importSource('config/register-config');
const { checkOptions } = await importSource('doctor/options-check');

test('the row lists exactly the options register\'s table marks for it, each with a parser', () => {
  const marked = REGISTER_OPTIONS.filter((spec) => spec.doctorRow === 'options').map((spec) => spec.key);
  assert.deepEqual(OPTIONS_ROW.map((spec) => spec.key), marked);
  assert.deepEqual(Object.keys(RUN_OPTION_PARSERS).sort(), [...marked].sort());
  const config = parseDoctorConfig({}, {});
  assert.equal(config.runOptions.ok, true);
  assert.deepEqual(config.runOptions.value.shown.map(({ spec }) => spec.key), marked);
});

test('defaults and given values are shown as register would use them', () => {
  const row = checkOptions(parseDoctorConfig({ deadline: '90s', terminationLog: '/tmp/t-log' }, { METERING_GATE_ON_UNAVAILABLE: 'allow' }));
  assert.equal(row.status, 'pass');
  assert.equal(
    row.finding,
    'nonce random UUIDv4, output dir /var/run/metering-gate, deadline 1m30s, attempt timeout 10s, on unavailable allow, max token age 15m, clock skew 2m, termination log /tmp/t-log',
  );
  const config = parseDoctorConfig({ deadline: '90s' }, {});
  assert.equal(config.runOptions.value.deadlineMs, 90_000);
  assert.equal(config.runOptions.value.attemptTimeoutMs, 10_000);
});

test('every bad value is named at once, in register\'s words', () => {
  const config = parseDoctorConfig({ deadline: '30', onUnavailable: 'maybe' }, { METERING_GATE_LOG_LEVEL: 'loud' });
  assert.equal(config.runOptions.ok, false);
  const { message, code } = config.runOptions.error;
  assert.equal(code, 'CONFIG_INVALID');
  assert.match(message, /invalid --deadline "30": a duration needs a unit/);
  assert.match(message, /invalid --on-unavailable "maybe": must be deny or allow/);
  assert.match(message, /invalid METERING_GATE_LOG_LEVEL "loud"/);
  assert.equal(checkOptions(config).status, 'fail');
});
