import { describe, expect, it } from 'vitest';
import { endpointLabeler, OTHER_ENDPOINTS } from './endpoint-labels.ts';

describe('endpointLabeler', () => {
  it('names the first N endpoints and counts the rest as other, consistently', () => {
    const label = endpointLabeler(2);
    expect(label('a')).toBe('a');
    expect(label('b')).toBe('b');
    expect(label('c')).toBe(OTHER_ENDPOINTS);
    expect(label('a')).toBe('a');
    expect(label('c')).toBe(OTHER_ENDPOINTS);
    expect(label('d')).toBe(OTHER_ENDPOINTS);
  });

  it('with a limit of 0 labels every endpoint other', () => {
    expect(endpointLabeler(0)('a')).toBe(OTHER_ENDPOINTS);
  });
});
