import { loadConfig } from '../../../libs/config/app-config.js';
import { heapGrowingFlag } from '../../../libs/config/heap-policy.js';

describe('the V8 heap policy (GUS_HEAP_GROWING_PERCENT)', () => {
  it('is 50 % by default, 0 for V8 own policy, and refuses anything but a non-negative integer', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(50);
    expect(loadConfig({ GUS_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ GUS_HEAP_GROWING_PERCENT: '100' }).heapGrowingPercent).toBe(100);
    expect(() => loadConfig({ GUS_HEAP_GROWING_PERCENT: '-1' })).toThrow(/GUS_HEAP_GROWING_PERCENT must be a non-negative integer/);
    expect(() => loadConfig({ GUS_HEAP_GROWING_PERCENT: 'half' })).toThrow(/GUS_HEAP_GROWING_PERCENT/);
  });

  it('becomes the V8 flag, unless it is 0 or node was given the flag on its command line', () => {
    expect(heapGrowingFlag(50, [])).toBe('--heap-growing-percent=50');
    expect(heapGrowingFlag(50, ['--enable-source-maps'])).toBe('--heap-growing-percent=50');
    expect(heapGrowingFlag(0, [])).toBeNull();
    expect(heapGrowingFlag(50, ['--heap-growing-percent=20'])).toBeNull();
    expect(heapGrowingFlag(50, ['--heap_growing_percent=20'])).toBeNull();
    expect(heapGrowingFlag(50, ['--heap-growing-percent', '20'])).toBeNull();
  });
});
