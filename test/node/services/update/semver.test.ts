import { describe, expect, it } from 'vitest';
import { compareSemVer, isSemVer } from '../../../../shared/update/semver';

describe('semver precedence', () => {
  it('orders versions as semver.org 2.0.0 §11 does', () => {
    const ordered = [
      '0.9.9',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.2.0',
      '1.10.0',
      '2.0.0',
      '10.0.0',
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compareSemVer(ordered[i]!, ordered[j]!)), `${ordered[i]} vs ${ordered[j]}`).toBe(
          Math.sign(i - j),
        );
      }
    }
  });

  it.each(['1.0', '01.0.0', '1.0.0+build', 'v1.0.0', '1.0.0-', '1.0.0-01', ' 1.0.0', '1.0.0-a..b', ''])(
    'rejects %j, and refuses to compare it',
    (text) => {
      expect(isSemVer(text)).toBe(false);
      expect(() => compareSemVer(text, '1.0.0')).toThrow(TypeError);
    },
  );
});
