import { startWaitMs } from '../../e2e/support/gus-harness.js';

describe('the e2e harness waits for a start as long as measured starts suggest', () => {
  it('waits 4× the slowest recent start, within a floor and a ceiling', () => {
    expect(startWaitMs([1200, 3000, 2000])).toBe(12_000);
    expect(startWaitMs([400])).toBe(10_000); // floor: a fast machine still allows for a hiccup
    expect(startWaitMs([20_000])).toBe(50_000); // ceiling: inside jest's 60 s hook timeout
  });

  it('allows for a cold first start before anything was measured', () => {
    expect(startWaitMs([])).toBe(45_000);
  });
});
