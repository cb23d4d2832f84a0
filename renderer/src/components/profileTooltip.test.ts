import { describe, expect, it } from 'vitest';
import { profileTooltip } from './profileTooltip';

describe('the profile toggle tooltip', () => {
  it('names the compiler and flags of each profile', () => {
    const text = profileTooltip({
      fast: { profile: 'fast', compiler: 'tcc', flags: ['-shared', '-fPIC', '-g', '-Wall'] },
      optimised: { profile: 'optimised', compiler: 'gcc', flags: ['-std=gnu11', '-shared', '-fPIC', '-O2', '-g', '-Wall'] },
    });
    expect(text).toContain('Fast: tcc -shared -fPIC -g -Wall');
    expect(text).toContain('Optimised: gcc -std=gnu11 -shared -fPIC -O2 -g -Wall');
  });

  it('says why the optimised profile cannot optimise', () => {
    const note = 'tcc does not optimise and no gcc, clang or zig cc was found';
    const text = profileTooltip({ fast: { profile: 'fast', compiler: 'tcc', flags: [] }, optimised: { profile: 'optimised', compiler: 'tcc', flags: [], note } });
    expect(text).toContain(`Optimised: tcc — ${note}`);
  });
});
