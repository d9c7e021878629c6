import { describe, expect, it } from 'vitest';
import { positiveNumbers } from '../bench/lib/options.ts';

describe('bench options', () => {
  it('turns the named options into numbers', () => {
    expect(positiveNumbers({ rate: '1000', seconds: '0.5', database: 'x' }, ['rate', 'seconds'])).toEqual({ rate: 1000, seconds: 0.5 });
  });

  it('refuses a value that is not a positive number, naming the option', () => {
    expect(() => positiveNumbers({ rate: 'fast' }, ['rate'])).toThrow('--rate must be a positive number, got fast');
    expect(() => positiveNumbers({ rounds: '0' }, ['rounds'])).toThrow('--rounds must be a positive number, got 0');
    expect(() => positiveNumbers({ seconds: undefined }, ['seconds'])).toThrow('--seconds must be a positive number');
  });
});
