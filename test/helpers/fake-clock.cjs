// A faked clock for a gate process: `node --require test/helpers/fake-clock.cjs BUNDLE ...`
// runs it FAKE_CLOCK_OFFSET_MS milliseconds in the future (Date and Date.now), so that a test
// can check what an hour or a day later sees without waiting for it.
'use strict';
const offset = Number(process.env.FAKE_CLOCK_OFFSET_MS ?? 0);
if (!Number.isFinite(offset)) throw new Error(`FAKE_CLOCK_OFFSET_MS ${process.env.FAKE_CLOCK_OFFSET_MS} is not a number`);
const RealDate = Date;
class FakeDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + offset);
    else super(...args);
  }
  static now() {
    return RealDate.now() + offset;
  }
}
globalThis.Date = FakeDate;
